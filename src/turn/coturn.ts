/**
 * A coturn TURN server (Debian's `coturn`) run by this process, for a single-machine set-up and the demo: it
 * checks the short-lived credentials the node mints (src/http/ice-servers.ts) with the shared secret
 * (`--use-auth-secret`). An operator with a TURN server of their own configures `ice.turn` instead.
 * coturn logs little and has no ready line: it is up when it answers a STUN Binding request on its port.
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { findExecutable, startDaemon } from '../core/daemon.js'

export interface CoturnOptions {
  /** Address it listens on (and relays from, unless relayIp is given). */
  readonly listeningIp: string
  readonly port: number
  readonly relayIp?: string
  /** The public address, when it sits behind a NAT (coturn's --external-ip). */
  readonly externalIp?: string
  /** The UDP ports it relays media on. */
  readonly relayPorts: { readonly min: number; readonly max: number }
  readonly realm: string
  readonly secret: string
  /** Let peers on loopback be relayed to (only for a set-up on one machine). */
  readonly allowLoopbackPeers?: boolean
  /** Told each line coturn writes (it writes little). */
  readonly onLog?: (line: string) => void
}

export interface Coturn {
  /** turn: URLs for the softphones (UDP and TCP). */
  readonly urls: readonly string[]
  /** A stun: URL of the same server. */
  readonly stunUrl: string
  readonly pid: number
  stop(): Promise<void>
}

/** Where `turnserver` is, or undefined when coturn is not installed. */
export function findTurnserver(path = process.env.PATH ?? ''): string | undefined {
  return findExecutable('turnserver', path)
}

const STUN_MAGIC = 0x2112a442

/** Sends one STUN Binding request; true when a response with its transaction id comes back within `ms`. */
export function stunAnswers(host: string, port: number, ms = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const id = randomBytes(12)
    const request = Buffer.alloc(20)
    request.writeUInt16BE(0x0001, 0)
    request.writeUInt16BE(0, 2)
    request.writeUInt32BE(STUN_MAGIC, 4)
    id.copy(request, 8)
    const done = (answered: boolean) => {
      clearTimeout(timer)
      socket.close()
      resolve(answered)
    }
    const timer = setTimeout(() => done(false), ms)
    socket.on('message', (m) => {
      if (m.length >= 20 && m.subarray(8, 20).equals(id)) done(true)
    })
    socket.on('error', () => done(false))
    socket.send(request, port, host)
  })
}

/**
 * Starts coturn and resolves once it answers STUN; the error says what went wrong (not installed, port taken,
 * exited). `turnserver` is the program (null: not installed).
 */
export async function startCoturn(
  options: CoturnOptions,
  turnserver: string | null = findTurnserver() ?? null,
): Promise<Coturn> {
  if (turnserver === null) {
    throw new Error('coturn is not installed (no turnserver); as root run: apt-get install -y coturn')
  }
  const args = [
    `--listening-ip=${options.listeningIp}`,
    `--listening-port=${options.port}`,
    `--relay-ip=${options.relayIp ?? options.listeningIp}`,
    ...(options.externalIp !== undefined ? [`--external-ip=${options.externalIp}`] : []),
    `--min-port=${options.relayPorts.min}`,
    `--max-port=${options.relayPorts.max}`,
    '--use-auth-secret',
    `--static-auth-secret=${options.secret}`,
    `--realm=${options.realm}`,
    '--fingerprint',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--no-software-attribute',
    ...(options.allowLoopbackPeers === true ? ['--allow-loopback-peers'] : []),
    '--log-file=stdout',
    '--simple-log',
  ]
  const host = options.listeningIp === '0.0.0.0' ? '127.0.0.1' : options.listeningIp
  // Up means "answers STUN": a server already on the port would look like ours.
  if (await stunAnswers(host, options.port, 200)) {
    throw new Error(`a STUN/TURN server already answers on ${host}:${options.port}; choose another port`)
  }
  const daemon = await startDaemon({
    name: 'coturn',
    program: turnserver,
    args,
    onLog: options.onLog,
    ready: () => stunAnswers(host, options.port, 200),
    where: `${host}:${options.port} (STUN)`,
  })
  const address = options.externalIp ?? host
  return {
    urls: [`turn:${address}:${options.port}?transport=udp`, `turn:${address}:${options.port}?transport=tcp`],
    stunUrl: `stun:${address}:${options.port}`,
    pid: daemon.pid,
    stop: daemon.stop,
  }
}
