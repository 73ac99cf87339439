/**
 * The demo carrier's legacy phones: one baresip (Debian's baresip-core), a SIP user agent that speaks only plain
 * RTP/AVP with G.711, holding one account per number. Each account answers by itself (answermode=auto) and plays a
 * sine tone (ausine) at its own frequency; what it receives goes to no sound card (aubridge). It does not register:
 * the carrier sends each number's calls to its address. Runs in a temporary directory removed by stop().
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { E164 } from '../core/e164.js'
import { findExecutable, startDaemonIn, tcpAnswers } from '../core/daemon.js'

export interface LegacyPhone {
  readonly number: E164
  /** The tone it plays once it answers (Hz). */
  readonly toneHz: number
}

export interface LegacyPhonesOptions {
  readonly host: string
  /** The SIP port (TCP and UDP) the phones listen on. */
  readonly port: number
  /** The carrier's domain, the host part of the phones' addresses. */
  readonly domain: string
  readonly phones: readonly LegacyPhone[]
  readonly onLog?: (line: string) => void
}

export interface LegacyPhones {
  /** host:port where the phones take calls (TCP). */
  readonly address: string
  readonly pid: number
  stop(): Promise<void>
}

/** baresip's config: loopback only, G.711, a sine as the microphone, no sound card. Pure. */
export function baresipConfig(host: string, port: number, firstHz: number): string {
  return [
    'poll_method epoll',
    `sip_listen ${host}:${port}`,
    `net_interface ${host}`,
    'audio_player aubridge,nowhere',
    'audio_alert aubridge,nowhere',
    `audio_source ausine,${firstHz}`,
    // ausine works at 48 kHz, in stereo only.
    'ausrc_srate 48000',
    'ausrc_channels 2',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module ausine.so',
    'module aubridge.so',
    'module_tmp account.so',
    '',
  ].join('\n')
}

/** One account line per phone: answers by itself, PCMU/PCMA only, its own tone, no registration. Pure. */
export function baresipAccounts(domain: string, phones: readonly LegacyPhone[]): string {
  return phones
    .map(
      (p) =>
        `<sip:${p.number}@${domain};transport=tcp>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA;` +
        `audio_source=ausine,${p.toneHz}\n`,
    )
    .join('')
}

export async function startLegacyPhones(options: LegacyPhonesOptions): Promise<LegacyPhones> {
  const program = findExecutable('baresip')
  if (program === undefined) {
    throw new Error(
      "baresip is not installed (the demo carrier's legacy phones); as root: apt-get install -y baresip-core",
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'ime-demo-phones-'))
  writeFileSync(join(dir, 'config'), baresipConfig(options.host, options.port, options.phones[0]?.toneHz ?? 1000))
  writeFileSync(join(dir, 'accounts'), baresipAccounts(options.domain, options.phones))
  writeFileSync(join(dir, 'contacts'), '')
  // baresip takes TCP connections on its port before it has bound all of its transports (SIP over TLS on port + 1
  // comes after): it is ready once it says so, not when the port answers.
  let saidReady = false
  const daemon = await startDaemonIn(dir, {
    name: 'baresip',
    program,
    args: ['-f', dir],
    onLog: (line) => {
      if (line.includes('baresip is ready.')) saidReady = true
      options.onLog?.(line)
    },
    ready: async () => saidReady && (await tcpAnswers(options.host, options.port)),
    where: `${options.host}:${options.port} (TCP)`,
    // baresip loads its modules first: seconds on a busy machine.
    readyWithinMs: 25_000,
  })
  return { address: `${options.host}:${options.port}`, pid: daemon.pid, stop: daemon.stop }
}
