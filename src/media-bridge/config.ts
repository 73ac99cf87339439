/**
 * How a node reaches its media bridge: an rtpengine it starts itself (one machine, the demo) or the ng address of
 * one the operator runs. The shape the node's config file carries under `mediaBridge`, and its validation (errors
 * name the field and what would be right).
 */
import { isIP } from 'node:net'
import { err, ok, type Result } from '../core/result.js'
import { checkNgAddress, DEFAULT_NG_TIMEOUT_MS, type NgAddress } from './ng-client.js'

export type MediaBridgeConfig =
  | {
      /** The node starts `rtpengine` (Debian's rtpengine-daemon) and stops it with itself. */
      readonly mode: 'start'
      /** The address media is relayed on (the node's address the trunk and the browsers reach). */
      readonly mediaAddress: string
      /** The public address, when mediaAddress is behind a 1:1 NAT. */
      readonly advertisedAddress?: string
      /** The UDP port range for media: two ports per call side, so four per bridged call. */
      readonly mediaPorts: { readonly min: number; readonly max: number }
      /** The loopback ng port it is driven on (default 22222). */
      readonly ngPort: number
      readonly timeoutMs: number
    }
  | {
      /** The operator runs rtpengine; the node only drives it. */
      readonly mode: 'external'
      readonly ng: NgAddress
      readonly timeoutMs: number
    }

export const DEFAULT_NG_PORT = 22_222

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65_535

/** Checks `raw` (parsed JSON) and fills defaults. */
export function parseMediaBridgeConfig(raw: unknown): Result<MediaBridgeConfig> {
  const at = 'mediaBridge'
  if (!isRecord(raw)) return err(`${at} must be an object with "mode": "start" or "external"`)
  const timeoutMs = raw.timeoutMs ?? DEFAULT_NG_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 100 || (timeoutMs as number) > 30_000) {
    return err(`${at}.timeoutMs must be an integer number of milliseconds in 100-30000, not ${String(raw.timeoutMs)}`)
  }
  const known = (keys: string[]): Result<void> => {
    const unknown = Object.keys(raw).filter((k) => !keys.includes(k))
    return unknown.length === 0
      ? ok(undefined)
      : err(
          `${at} has unknown field(s) ${unknown.join(', ')} for mode "${String(raw.mode)}"; known: ${keys.join(', ')}`,
        )
  }
  if (raw.mode === 'external') {
    const fields = known(['mode', 'ng', 'timeoutMs'])
    if (!fields.ok) return fields
    const ng = raw.ng
    if (typeof ng !== 'string')
      return err(`${at}.ng must be the rtpengine's ng address as "IP:PORT", e.g. "127.0.0.1:22222"`)
    const address = parseHostPort(ng)
    if (!address.ok) return err(`${at}.ng: ${address.error}`)
    return ok({ mode: 'external', ng: address.value, timeoutMs: timeoutMs as number })
  }
  if (raw.mode === 'start') {
    const fields = known(['mode', 'mediaAddress', 'advertisedAddress', 'mediaPorts', 'ngPort', 'timeoutMs'])
    if (!fields.ok) return fields
    if (typeof raw.mediaAddress !== 'string' || isIP(raw.mediaAddress) === 0) {
      return err(`${at}.mediaAddress must be an IP address of this machine, not ${JSON.stringify(raw.mediaAddress)}`)
    }
    if (
      raw.advertisedAddress !== undefined &&
      (typeof raw.advertisedAddress !== 'string' || isIP(raw.advertisedAddress) === 0)
    ) {
      return err(
        `${at}.advertisedAddress must be an IP address (the public one), not ${JSON.stringify(raw.advertisedAddress)}`,
      )
    }
    const ports = raw.mediaPorts
    if (!isRecord(ports) || !isPort(ports.min) || !isPort(ports.max)) {
      return err(`${at}.mediaPorts must be {"min": PORT, "max": PORT}, e.g. {"min": 30000, "max": 30999}`)
    }
    // rtpengine takes RTP on even ports and RTCP on the odd one after: one bridged call needs 4 ports.
    if (ports.max - ports.min < 3)
      return err(`${at}.mediaPorts ${ports.min}-${ports.max} holds fewer than the 4 ports one bridged call needs`)
    const ngPort = raw.ngPort ?? DEFAULT_NG_PORT
    if (!isPort(ngPort)) return err(`${at}.ngPort must be a port number, not ${JSON.stringify(raw.ngPort)}`)
    if (ngPort >= ports.min && ngPort <= ports.max)
      return err(`${at}.ngPort ${ngPort} lies inside mediaPorts ${ports.min}-${ports.max}`)
    return ok({
      mode: 'start',
      mediaAddress: raw.mediaAddress,
      ...(raw.advertisedAddress !== undefined ? { advertisedAddress: raw.advertisedAddress as string } : {}),
      mediaPorts: { min: ports.min, max: ports.max },
      ngPort,
      timeoutMs: timeoutMs as number,
    })
  }
  return err(
    `${at}.mode must be "start" (the node runs rtpengine) or "external" (give "ng": "IP:PORT"), not ${JSON.stringify(raw.mode)}`,
  )
}

/** "IP:PORT" or "[IPv6]:PORT". */
export function parseHostPort(text: string): Result<NgAddress> {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text)
  if (m === null) return err(`"${text}" is not IP:PORT (IPv6 in brackets: [::1]:22222)`)
  return checkNgAddress({ host: m[1]!, port: Number(m[2]) })
}

/** The start-mode config for one machine (the demo and tests): loopback, a given port range. */
export function localMediaBridgeConfig(ngPort: number, mediaPorts: { min: number; max: number }): MediaBridgeConfig {
  return { mode: 'start', mediaAddress: '127.0.0.1', mediaPorts, ngPort, timeoutMs: DEFAULT_NG_TIMEOUT_MS }
}
