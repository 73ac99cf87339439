/**
 * Waiting for several answers without waiting for a stalled one: a get asks every holder of a key at once, and
 * one holder whose process is stalled (a long garbage collection, a descheduled process on a loaded host) would
 * otherwise set the get's latency alone.
 */

/** Stands for an answer not waited for. */
export const LATE = Symbol('late')

/**
 * Settles `tasks` together: each one's value, or LATE for those still running once `quorum` of them have
 * settled and then `grace(msToQuorum)` more milliseconds have passed. With quorum >= tasks.length it is
 * Promise.all. A LATE task runs on; its result is dropped.
 */
export function settleWithGrace<T>(
  tasks: readonly Promise<T>[],
  quorum: number,
  grace: (msToQuorum: number) => number,
): Promise<(T | typeof LATE)[]> {
  if (quorum >= tasks.length) return Promise.all(tasks)
  const started = performance.now()
  const results: (T | typeof LATE)[] = tasks.map(() => LATE)
  return new Promise((resolve, reject) => {
    let settled = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = () => {
      clearTimeout(timer)
      resolve([...results])
    }
    tasks.forEach((task, i) =>
      task.then(
        (value) => {
          results[i] = value
          settled++
          if (settled === tasks.length) finish()
          else if (settled === quorum) timer = setTimeout(finish, grace(performance.now() - started))
        },
        (e: unknown) => {
          clearTimeout(timer)
          reject(e as Error)
        },
      ),
    )
  })
}
