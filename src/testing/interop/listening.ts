/** Waiting until a process listens on a TCP port, read from /proc/net/tcp so that no probe connection disturbs it. */
import { readFile } from 'node:fs/promises'

const LISTEN_STATE = '0A'

/** Whether some socket on this machine listens on 127.0.0.1:port (or 0.0.0.0:port) over TCP. */
export async function tcpListening(port: number): Promise<boolean> {
  const table = await readFile('/proc/net/tcp', 'utf8')
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  return table
    .split('\n')
    .slice(1)
    .some((line) => {
      const [, local, , state] = line.trim().split(/\s+/)
      return state === LISTEN_STATE && (local === `0100007F:${hexPort}` || local === `00000000:${hexPort}`)
    })
}

/** Polls until `port` listens; throws with `what` and `details()` (e.g. the process's stderr) after `ms`. */
export async function waitListening(port: number, what: string, ms: number, details: () => string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await tcpListening(port))) {
    if (Date.now() > deadline) throw new Error(`${what} did not listen on TCP ${port} within ${ms} ms\n${details()}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
