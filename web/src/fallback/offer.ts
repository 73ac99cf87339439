/**
 * The mid-call fallback offer of an IME call, from the X-IME-PSTN-Fallback header the callee's node puts in the
 * call's INVITE (to its own phone) and answer (to the caller): <did>;digits=<seq>;window=;sample=;hold=;loss=;jitter=;
 * rtt=;silence= (src/fallback/offer.ts writes it).
 */
export const OFFER_HEADER = 'X-IME-PSTN-Fallback'
export const LEG_HEADER = 'X-IME-Fallback-Leg'
export const MOVED_HEADER = 'X-IME-Moved'

export interface WatchSettings {
  readonly sampleMs: number
  readonly holdDownMs: number
  readonly lossPercent: number
  readonly jitterMs: number
  readonly rttMs: number
  readonly silenceMs: number
}

export interface FallbackOffer {
  readonly did: string
  readonly digits: string
  /** How long the callee waits for the digits once the moved leg is answered (ms). */
  readonly windowMs: number
  readonly watch: WatchSettings
}

const WATCH_KEYS: Record<string, keyof WatchSettings> = {
  sample: 'sampleMs',
  hold: 'holdDownMs',
  loss: 'lossPercent',
  jitter: 'jitterMs',
  rtt: 'rttMs',
  silence: 'silenceMs',
}

/** The offer, or why the header cannot be one (then the call has no mid-call fallback). */
export function parseOffer(
  value: string | undefined,
): { ok: true; offer: FallbackOffer } | { ok: false; error: string } {
  if (value === undefined || value.trim() === '') return { ok: false, error: 'the call has no fallback offer' }
  const [did, ...params] = value.split(';').map((p) => p.trim())
  if (!did || !/^\+[1-9][0-9]{1,14}$/.test(did)) return { ok: false, error: `fallback number ${did} is not E.164` }
  const watch: Partial<Record<keyof WatchSettings, number>> = {}
  let digits: string | undefined
  let windowMs = 10_000
  for (const p of params) {
    const [k = '', v = ''] = p.split('=')
    if (k === 'digits') {
      if (!/^[0-9]{4,12}$/.test(v)) return { ok: false, error: `digits ${v} are not 4 to 12 decimal digits` }
      digits = v
      continue
    }
    const key = WATCH_KEYS[k]
    const n = Number(v)
    if (key === undefined && k !== 'window') continue
    if (!Number.isFinite(n) || n <= 0) return { ok: false, error: `${k}=${v} is not a positive number` }
    if (key === undefined) windowMs = n
    else watch[key] = n
  }
  if (digits === undefined) return { ok: false, error: 'the offer has no digits' }
  const missing = Object.values(WATCH_KEYS).find((k) => watch[k] === undefined)
  if (missing !== undefined) return { ok: false, error: `the offer lacks the watch setting ${missing}` }
  return { ok: true, offer: { did, digits, windowMs, watch: watch as WatchSettings } }
}
