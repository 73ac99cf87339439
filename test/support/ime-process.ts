/** Runs the `ime` command as a person would (a real process: bin/ime.js, the built output), for tests of what its
 * users see. */
import { spawn, type ChildProcess } from 'node:child_process'
import { delimiter, dirname, join } from 'node:path'

export interface ImeProcess<Ready> {
  child: ChildProcess
  ready: Ready
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

const running = new Set<ChildProcess>()

/** Starts `ime ARGS` and resolves with its parsed ready line; rejects with its stderr if it exits first. */
export function startIme<Ready>(args: readonly string[], options: { netns?: string } = {}): Promise<ImeProcess<Ready>> {
  // bin/ime.js is a program (its #! line carries the node flags); its `node` is this Node 22.
  const ime = join(process.cwd(), 'bin/ime.js')
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }
  const stdio = ['ignore', 'pipe', 'pipe'] as const
  // In a network namespace: under `ip netns exec NAME`.
  const child =
    options.netns === undefined
      ? spawn(ime, args, { stdio: [...stdio], env })
      : spawn('ip', ['netns', 'exec', options.netns, ime, ...args], { stdio: [...stdio], env })
  running.add(child)
  let out = ''
  let err = ''
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child)
      if (signal !== null) err += `\n[killed by ${signal}]`
      resolve(code)
    }),
  )
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      const before = out
      out += c.toString()
      if (before.includes('ready ')) return
      const line = out.split('\n').find((l) => l.startsWith('ready ') && out.includes(l + '\n'))
      if (line !== undefined) {
        resolve({ child, ready: JSON.parse(line.slice(6)) as Ready, stdout: () => out, stderr: () => err, exited })
      }
    })
    void exited.then((code) => reject(new Error(`ime ${args[0]} exited with ${code}: ${err}`)))
  })
}

/** Kills whatever a test left running. */
export function killAllIme(): void {
  for (const c of running) c.kill('SIGKILL')
  running.clear()
}

/** Waits until `condition` holds, polling; throws with `what` after `ms`. */
export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
