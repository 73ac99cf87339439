/**
 * The quality watch of a call's media: samples of getStats (packets received and lost, jitter, round-trip time)
 * judged against the node's thresholds. A sample is bad when the loss over the last second, the jitter or the
 * round-trip time reaches its threshold, or when no audio packet has arrived for silenceMs; the call moves only
 * when the media stays bad for holdDownMs with no good sample between, and only once. Pure: samples come in.
 */
import type { WatchSettings } from './offer.js'

export interface MediaSample {
  /** When it was read (ms). */
  readonly at: number
  /** Cumulative audio packets received and lost (inbound-rtp). */
  readonly packetsReceived: number
  readonly packetsLost: number
  /** Interarrival jitter (ms), if known. */
  readonly jitterMs?: number
  /** Round-trip time of the selected candidate pair (ms), if known. */
  readonly rttMs?: number
}

export type Verdict =
  | { readonly kind: 'good' }
  | { readonly kind: 'bad'; readonly reason: string; readonly since: number }
  | { readonly kind: 'move'; readonly reason: string; readonly since: number }

/** Loss is judged over this window, and only with this many packets expected in it. */
const LOSS_WINDOW_MS = 1_000
const MIN_EXPECTED = 10

export class QualityJudge {
  private readonly window: MediaSample[] = []
  private lastArrival: number | undefined
  private lastReceived = -1
  private badSince: number | undefined
  private moved = false

  constructor(private readonly settings: WatchSettings) {}

  sample(s: MediaSample): Verdict {
    this.window.push(s)
    while (this.window.length > 1 && s.at - this.window[0]!.at > LOSS_WINDOW_MS) this.window.shift()
    if (s.packetsReceived > this.lastReceived) {
      this.lastReceived = s.packetsReceived
      this.lastArrival = s.at
    }
    this.lastArrival ??= s.at
    const reason = this.badness(s)
    if (reason === undefined) {
      this.badSince = undefined
      return { kind: 'good' }
    }
    this.badSince ??= s.at
    if (!this.moved && s.at - this.badSince >= this.settings.holdDownMs) {
      this.moved = true
      return { kind: 'move', reason, since: this.badSince }
    }
    return { kind: 'bad', reason, since: this.badSince }
  }

  private badness(s: MediaSample): string | undefined {
    const { lossPercent, jitterMs, rttMs, silenceMs } = this.settings
    const silent = s.at - this.lastArrival!
    if (silent >= silenceMs) return `no audio for ${(silent / 1000).toFixed(1)} s`
    const first = this.window[0]!
    const received = s.packetsReceived - first.packetsReceived
    const lost = Math.max(0, s.packetsLost - first.packetsLost)
    if (received + lost >= MIN_EXPECTED) {
      const loss = (100 * lost) / (received + lost)
      if (loss >= lossPercent) return `${Math.round(loss)}% packet loss`
    }
    if (s.jitterMs !== undefined && s.jitterMs >= jitterMs) return `${Math.round(s.jitterMs)} ms jitter`
    if (s.rttMs !== undefined && s.rttMs >= rttMs) return `${Math.round(s.rttMs)} ms round trip`
    return undefined
  }
}

/** Reads a sample from a peer connection's statistics (the first audio inbound-rtp and the selected pair). */
export async function readMediaSample(pc: RTCPeerConnection, now: number): Promise<MediaSample | undefined> {
  const report = await pc.getStats()
  const byId = new Map<string, Record<string, unknown>>()
  report.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s))
  const inbound = [...byId.values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'audio')
  if (inbound === undefined) return undefined
  const transport = [...byId.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId)
  const pair = transport === undefined ? undefined : byId.get(String(transport.selectedCandidatePairId))
  const rtt = pair?.currentRoundTripTime
  const jitter = inbound.jitter
  return {
    at: now,
    packetsReceived: Number(inbound.packetsReceived ?? 0),
    packetsLost: Number(inbound.packetsLost ?? 0),
    ...(typeof jitter === 'number' && { jitterMs: jitter * 1000 }),
    ...(typeof rtt === 'number' && { rttMs: rtt * 1000 }),
  }
}
