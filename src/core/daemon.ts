/**
 * Running a system daemon (coturn, rtpengine) as a child of the node: find its program, spawn it in the
 * foreground, keep the end of its output for error messages, wait until it is ready, and stop it: SIGTERM, then
 * SIGKILL after 3 s. If this process ends without stop() (an uncaught error, process.exit), the daemon goes with
 * it; only a SIGKILL of this process leaves it running, which nothing here can catch.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { delimiter, join } from 'node:path'

/** Where an executable is on the PATH (or in /usr/bin, /usr/sbin), or undefined when it is not installed. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {
      // not here
    }
  }
  return undefined
}

export interface Daemon {
  readonly pid: number
  /** The exit code or signal once it has exited (an error message if it could not start), else undefined. */
  exitCode(): number | string | null | undefined
  /** The last 4,000 characters it wrote. */
  output(): string
  stop(): Promise<void>
}

export interface DaemonSpec {
  readonly name: string
  readonly program: string
  readonly args: readonly string[]
  /** Told each line the daemon writes. */
  readonly onLog?: ((line: string) => void) | undefined
  /** Resolves true once the daemon answers; polled until it does, it exits, or `readyWithinMs` passes. */
  readonly ready: () => Promise<boolean>
  /** What the daemon should answer on, for the error messages ("coturn did not answer on 127.0.0.1:3478"). */
  readonly where: string
  readonly readyWithinMs?: number
}

/** Spawns the daemon and resolves once it is ready; on failure it is stopped and the error says why. */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  const child = spawn(spec.program, [...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const onData = (c: Buffer) => {
    const text = c.toString()
    output = (output + text).slice(-4000)
    for (const line of text.split('\n')) if (line.trim() !== '') spec.onLog?.(line.trim())
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  let exitCode: number | string | null | undefined
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? signal
      resolve()
    })
    child.on('error', (e) => {
      exitCode = e.message
      resolve()
    })
  })
  const killOnExit = () => child.kill('SIGTERM')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.off('exit', killOnExit)
    if (exitCode !== undefined) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(killer)
  }
  const deadline = Date.now() + (spec.readyWithinMs ?? 10_000)
  for (;;) {
    if (exitCode !== undefined) {
      process.off('exit', killOnExit)
      throw new Error(`${spec.name} exited (${exitCode}) before it answered on ${spec.where}: ${output.trim()}`)
    }
    if (await spec.ready()) break
    if (Date.now() > deadline) {
      await stop()
      const s = Math.round((spec.readyWithinMs ?? 10_000) / 1000)
      throw new Error(`${spec.name} did not answer on ${spec.where} within ${s} s: ${output.trim()}`)
    }
    // A ready check that answers without I/O must not starve the daemon's output and exit events.
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { pid: child.pid!, exitCode: () => exitCode, output: () => output, stop }
}

/**
 * startDaemon for a daemon whose files (config, state) are in `dir`, a folder of its own: the folder is removed when
 * the daemon is stopped, or at once if it never became ready.
 */
export async function startDaemonIn(dir: string, spec: DaemonSpec): Promise<Daemon> {
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const daemon = await startDaemon(spec)
    return {
      ...daemon,
      async stop() {
        await daemon.stop()
        remove()
      },
    }
  } catch (e) {
    remove()
    throw e
  }
}

/** A daemon's ready check: whether something accepts TCP connections on host:port now (the probe is closed at once). */
export function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, host, () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}
