/**
 * An rtpengine (Debian's `rtpengine-daemon`) run by this process, for a single-machine set-up, the demo and the
 * tests: it relays in user space (no kernel module, `--table=-1`), answers the ng protocol on loopback, and logs
 * to stderr. It is up when it answers an ng `ping`. An operator who runs rtpengine already gives its ng address
 * instead (config.ts).
 */
import { findExecutable, startDaemon } from '../core/daemon.js'
import { createNgClient, formatNgAddress, type NgAddress } from './ng-client.js'

export interface RtpengineOptions {
  /** Where it answers the ng protocol (keep it on loopback: the protocol has no authentication). */
  readonly ng: NgAddress
  /** The address it relays media on (`--interface`); with `advertised`, the public address behind a NAT. */
  readonly mediaAddress: string
  readonly advertisedAddress?: string
  /** The UDP ports it relays media on; each call side takes two (RTP and RTCP). */
  readonly mediaPorts: { readonly min: number; readonly max: number }
  /** rtpengine's log level, 0-7 (default 5, notice). */
  readonly logLevel?: number
  /** Told each line rtpengine writes. */
  readonly onLog?: (line: string) => void
}

export interface RtpengineProcess {
  readonly ng: NgAddress
  readonly pid: number
  stop(): Promise<void>
}

/** Where `rtpengine` is, or undefined when the package is not installed. */
export function findRtpengine(path = process.env.PATH ?? ''): string | undefined {
  return findExecutable('rtpengine', path)
}

/** The command line for `options` (pure, for the docs and the tests). */
export function rtpengineArguments(options: RtpengineOptions): string[] {
  const iface =
    options.advertisedAddress === undefined
      ? options.mediaAddress
      : `${options.mediaAddress}!${options.advertisedAddress}`
  return [
    // Not the package's /etc/rtpengine/rtpengine.conf: this instance is configured here only.
    '--config-file=none',
    '--foreground',
    '--table=-1',
    `--interface=${iface}`,
    `--listen-ng=${formatNgAddress(options.ng)}`,
    `--port-min=${options.mediaPorts.min}`,
    `--port-max=${options.mediaPorts.max}`,
    // A deleted call frees its ports at once (the default keeps it 30 s, which reads as a leak).
    '--delete-delay=0',
    '--log-stderr',
    `--log-level=${options.logLevel ?? 5}`,
  ]
}

const READY_WITHIN_MS = 10_000

/**
 * Starts rtpengine and resolves once it answers ng `ping`; the error says what went wrong (not installed, ng port
 * already answered by another rtpengine, exited, not ready in time). `program` is the executable (null: not
 * installed).
 */
export async function startRtpengine(
  options: RtpengineOptions,
  program: string | null = findRtpengine() ?? null,
): Promise<RtpengineProcess> {
  if (program === null) {
    throw new Error('rtpengine is not installed; as root run: apt-get install -y rtpengine-daemon')
  }
  const where = formatNgAddress(options.ng)
  const probe = createNgClient({ address: options.ng, timeoutMs: 200, attempts: 1 })
  try {
    if ((await probe.ping()).ok) throw new Error(`an rtpengine already answers ng on ${where}; choose another port`)
    const daemon = await startDaemon({
      name: 'rtpengine',
      program,
      args: rtpengineArguments(options),
      onLog: options.onLog,
      ready: async () => (await probe.ping()).ok,
      where: `ng ${where}`,
      readyWithinMs: READY_WITHIN_MS,
    })
    return { ng: options.ng, pid: daemon.pid, stop: daemon.stop }
  } finally {
    probe.close()
  }
}
