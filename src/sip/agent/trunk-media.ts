/**
 * The media bridge in a PSTN call's signalling. A trunk with `media: bridge` speaks plain RTP/AVP with G.711 and
 * browsers speak WebRTC, so each SDP that crosses between them goes through rtpengine (src/media-bridge): a call out
 * gets the bridge's `offer` toward the trunk as the body of the trunk's branch, and the trunk's 18x/2xx SDP comes
 * back through `answer` toward the browser; a call in gets `offer` toward the browser before it forks, and the
 * browser's SDP goes back through `answer` toward the trunk. The session is deleted when the call ends (BYE) or
 * fails (a final response >= 300). When the bridge fails, the call gets 503 "Media bridge unavailable" rather than
 * SDP the other side cannot use. IME and internal calls never come here.
 */
import { err, ok, type Result } from '../../core/result.js'
import type { MediaBridge } from '../../media-bridge/bridge.js'
import { callId as callIdOf, fromTag as fromTagOf, toTag as toTagOf } from '../message/index.js'
import type { SipRequest, SipResponse } from '../message/index.js'
import { cloneResponse, type BranchRefusal, type InDialogForward } from '../proxy/index.js'
import type { CallAgentEvent } from './types.js'

export const BRIDGE_UNAVAILABLE = 'Media bridge unavailable'

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** The SDP a message carries, if it carries one. */
export function sdpOf(m: SipRequest | SipResponse): string | undefined {
  if (m.body.length === 0) return undefined
  const type = (m.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/sdp' ? decoder.decode(m.body) : undefined
}

export interface TrunkMediaDeps {
  /** Undefined when the node has no media bridge configured: a bridged trunk's calls then fail with 503. */
  readonly bridge: MediaBridge | undefined
  readonly emit: (e: CallAgentEvent) => void
}

export class TrunkMedia {
  /** Bridged calls whose session is open, by Call-ID. */
  private readonly open = new Set<string>()

  constructor(private readonly deps: TrunkMediaDeps) {}

  /** The body of a call out's branch toward a bridged trunk: the browser's offer rewritten for the trunk. */
  offerTowardTrunk(req: SipRequest): () => Promise<Result<Uint8Array, BranchRefusal>> {
    return async () => {
      const made = await this.offer(req, 'trunk')
      return made.ok ? ok(made.value) : err({ status: 503, reason: BRIDGE_UNAVAILABLE, detail: made.error })
    }
  }

  /**
   * A re-INVITE (hold, resume, a new codec) in a bridged call: the offer rewritten for the other side as the body,
   * and its answer rewritten back; a failed re-INVITE leaves the session as it was. Undefined when the call is not
   * bridged or the re-INVITE carries no SDP.
   */
  reOffer(req: SipRequest, fromBrowser: boolean): InDialogForward | undefined {
    const id = callIdOf(req) ?? ''
    if (req.method !== 'INVITE' || !this.open.has(id) || sdpOf(req) === undefined) return undefined
    const toward = fromBrowser ? 'trunk' : 'browser'
    return {
      body: async () => {
        const made = await this.offer(req, toward)
        return made.ok ? ok(made.value) : err({ status: 503, reason: BRIDGE_UNAVAILABLE, detail: made.error })
      },
      rewriteResponse: this.responseRewriter(req, fromBrowser ? 'browser' : 'trunk', () => true, false),
    }
  }

  /** The INVITE of a call in from a bridged trunk, rewritten for the browsers; or why it cannot be. */
  async offerTowardBrowser(req: SipRequest): Promise<Result<Uint8Array, string>> {
    return this.offer(req, 'browser')
  }

  /**
   * What the proxy core does with each response of a bridged call before it goes upstream: SDP in a 18x or 2xx goes
   * through `answer` toward the side that offered; a final >= 300 ends the session. `bridged(label)` says whether the
   * response came from the bridged branch (a call out may have tried IME first).
   */
  responseRewriter(
    req: SipRequest,
    toward: 'browser' | 'trunk',
    bridged: (label: string | undefined) => boolean,
    /** Whether a failure ends the session (an initial INVITE), or leaves it (a re-INVITE: the call goes on). */
    endOnFailure = true,
  ): (res: SipResponse, label: string | undefined) => Promise<SipResponse> {
    const id = callIdOf(req) ?? ''
    return async (res, label) => {
      if (res.status >= 300) {
        if (endOnFailure) await this.end(id)
        return res
      }
      const sdp = sdpOf(res)
      if (sdp === undefined || !bridged(label) || !this.open.has(id)) return res
      const bridge = this.deps.bridge
      const answered =
        bridge === undefined
          ? err({ message: 'no media bridge is configured' })
          : await bridge.answer({
              callId: id,
              fromTag: fromTagOf(req) ?? '',
              toTag: toTagOf(res) ?? '',
              sdp,
              toward,
            })
      const out = cloneResponse(res)
      if (answered.ok) {
        out.body = encoder.encode(answered.value)
        return out
      }
      this.failed('answer', id, answered.error.message)
      // A ringing call goes on without early media; an answered one cannot be given SDP its caller cannot use.
      if (res.status < 200) {
        out.body = new Uint8Array(0)
        out.headers.remove('Content-Type')
        return out
      }
      out.status = 503
      out.reason = BRIDGE_UNAVAILABLE
      out.body = new Uint8Array(0)
      out.headers.remove('Content-Type')
      return out
    }
  }

  /** Ends a bridged call's media session (on BYE, or a failed INVITE); nothing for a call that is not bridged. */
  async end(callId: string): Promise<void> {
    if (!this.open.delete(callId)) return
    const bridge = this.deps.bridge
    if (bridge === undefined) return
    const gone = await bridge.delete(callId)
    if (!gone.ok) this.failed('delete', callId, gone.error.message)
  }

  /** Call-IDs with an open bridged session. */
  sessions(): readonly string[] {
    return [...this.open]
  }

  private async offer(req: SipRequest, toward: 'browser' | 'trunk'): Promise<Result<Uint8Array, string>> {
    const id = callIdOf(req) ?? ''
    const bridge = this.deps.bridge
    if (bridge === undefined) {
      const why = 'the trunk has media: bridge but the node has no mediaBridge configured'
      this.failed('offer', id, why)
      return err(why)
    }
    const sdp = sdpOf(req)
    if (sdp === undefined) {
      const why = 'the INVITE has no SDP offer (a delayed offer), which the media bridge does not take'
      this.failed('offer', id, why)
      return err(why)
    }
    const made = await bridge.offer({ callId: id, fromTag: fromTagOf(req) ?? '', sdp, toward })
    if (!made.ok) {
      this.failed('offer', id, made.error.message)
      return err(made.error.message)
    }
    this.open.add(id)
    return ok(encoder.encode(made.value))
  }

  private failed(step: 'offer' | 'answer' | 'delete', callId: string, detail: string): void {
    this.deps.emit({ type: 'media-bridge', state: 'failed', step, callId, detail })
  }
}
