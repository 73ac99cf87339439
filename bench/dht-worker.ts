/**
 * Multi-process mode of `ime bench dht --real --procs K`: each worker process runs a BenchHost with its share of
 * the nodes, on its own event loop, and answers the coordinator's calls over the IPC channel (structured-clone
 * serialisation, so ring ids travel as bigints). The coordinator starts workers as `ime bench dht --worker`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { BenchHost, type HostOptions } from './dht-host.js'

/** The calls a host answers; the same in-process and over IPC. */
export type Host = Pick<
  BenchHost,
  | 'create'
  | 'join'
  | 'stabiliseAll'
  | 'fixFingers'
  | 'neighbours'
  | 'holding'
  | 'startMaintenance'
  | 'stopChord'
  | 'kadCreate'
  | 'kadConnect'
  | 'kadMinTable'
  | 'publish'
  | 'kadPut'
  | 'get'
  | 'kadGet'
  | 'resetStats'
  | 'readStats'
  | 'stop'
>
type Method = keyof Host
type Promised<T> = T extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
export type RemoteHost = { [M in Method]: Promised<Host[M]> } & { exit(): Promise<void> }

interface Call {
  id: number
  method: Method
  args: unknown[]
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

/** Worker side: serve one BenchHost to the parent until it says stop (or the channel closes). */
export async function serveHost(options: HostOptions): Promise<void> {
  const host = new BenchHost(options)
  const send = (reply: Reply) => process.send?.(reply)
  await new Promise<void>((resolve) => {
    process.on('disconnect', () => {
      void host.stop().finally(resolve)
    })
    process.on('message', (message: Call) => {
      const fn = host[message.method] as (...args: unknown[]) => unknown
      Promise.resolve()
        .then(() => fn.apply(host, message.args))
        .then(
          (value) => send({ id: message.id, ok: true, value }),
          (e: unknown) => send({ id: message.id, ok: false, error: (e as Error).message ?? String(e) }),
        )
        .finally(() => {
          if (message.method === 'stop') process.disconnect()
        })
    })
    send({ id: 0, ok: true, value: 'ready' })
  })
}

/** Coordinator side: starts a worker (the same `ime` command, in worker mode) and returns its host. */
export async function startWorker(options: HostOptions): Promise<RemoteHost> {
  const entry = process.argv[1]
  if (entry === undefined) throw new Error('cannot start a worker: no entry script in process.argv')
  const child: ChildProcess = fork(entry, ['bench', 'dht', '--worker', ...(options.vsKad ? ['--vs', 'kad'] : [])], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  let ready: () => void
  const started = new Promise<void>((resolve) => (ready = resolve))
  child.on('message', (reply: Reply) => {
    if (reply.id === 0) return ready()
    const p = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.ok) p?.resolve(reply.value)
    else p?.reject(new Error(reply.error))
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`bench worker exited (code ${code}, signal ${signal})`))
    pending.clear()
  })
  await Promise.race([started, exited.then(() => Promise.reject(new Error('bench worker exited at start')))])
  const call =
    (method: Method) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = next++
        pending.set(id, { resolve, reject })
        child.send({ id, method, args } satisfies Call)
      })
  const methods: Method[] = [
    'create',
    'join',
    'stabiliseAll',
    'fixFingers',
    'neighbours',
    'holding',
    'startMaintenance',
    'stopChord',
    'kadCreate',
    'kadConnect',
    'kadMinTable',
    'publish',
    'kadPut',
    'get',
    'kadGet',
    'resetStats',
    'readStats',
    'stop',
  ]
  const remote = Object.fromEntries(methods.map((m) => [m, call(m)])) as unknown as RemoteHost
  remote.exit = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await remote.stop().catch(() => undefined)
      await exited
      clearTimeout(timer)
    }
  }
  return remote
}
