/**
 * The media bridge of a PSTN call: the call agent hands it each SDP that crosses between a browser (WebRTC: ICE,
 * DTLS-SRTP, Opus or G.711) and a trunk (RTP/AVP, G.711), and gets back the SDP to forward, rewritten so that
 * rtpengine relays (and if need be transcodes) the media between the two. `delete` when the call ends frees the
 * session's ports. Every failure is a value naming the call, the step and the cause; metrics are counted through
 * the counter passed in.
 */
import { err, ok, type Result } from '../core/result.js'
import { answerFlags, offerFlags, withoutWebRtcAttributes, type BridgeSide } from './flags.js'
import type { NgClient, NgFailure, NgFailureKind } from './ng-client.js'

export type { BridgeSide } from './flags.js'

export interface MediaBridgeFailure {
  /** `bad-request`: the call agent passed something unusable; the others come from the ng client. */
  readonly kind: NgFailureKind | 'bad-request'
  readonly message: string
}
export type BridgeResult<T> = Result<T, MediaBridgeFailure>

/** A counter as prom-client's Counter<'command' | 'outcome'> is one (outcome: ok or a failure kind). */
export interface BridgeRequestCounter {
  inc(labels: { command: 'offer' | 'answer' | 'delete' | 'ping'; outcome: 'ok' | MediaBridgeFailure['kind'] }): void
}

export interface MediaBridgeDeps {
  readonly client: NgClient
  readonly requests?: BridgeRequestCounter
}

export interface BridgeOffer {
  readonly callId: string
  /** The From tag of the dialog (the offering side's tag). */
  readonly fromTag: string
  readonly sdp: string
  /** Where the rewritten offer goes: 'trunk' for a call out to the PSTN, 'browser' for a call in from it. */
  readonly toward: BridgeSide
}

export interface BridgeAnswer {
  readonly callId: string
  /** The same From tag as the offer, and the answering side's To tag. */
  readonly fromTag: string
  readonly toTag: string
  readonly sdp: string
  /** Where the rewritten answer goes: back to the side that made the offer. */
  readonly toward: BridgeSide
}

export interface MediaBridge {
  offer(request: BridgeOffer): Promise<BridgeResult<string>>
  answer(request: BridgeAnswer): Promise<BridgeResult<string>>
  /** Ends the call's media session; a call rtpengine does not know is not an error (already gone). */
  delete(callId: string): Promise<BridgeResult<void>>
  /** Whether rtpengine answers (for a health check or a readiness probe). */
  ping(): Promise<BridgeResult<void>>
  /** Call-IDs with a session this bridge opened and has not deleted. */
  sessions(): readonly string[]
}

/** Why the request cannot go to rtpengine at all, or undefined when it can. */
function badRequest(r: {
  callId: string
  fromTag: string
  sdp: string
  toTag?: string
  toward: BridgeSide
}): string | undefined {
  if (r.callId.trim() === '') return 'the Call-ID is empty'
  if (r.fromTag.trim() === '') return 'the From tag is empty'
  if (r.toTag !== undefined && r.toTag.trim() === '') return 'the To tag is empty'
  if (r.toward !== 'trunk' && r.toward !== 'browser')
    return `toward must be 'trunk' or 'browser', not ${JSON.stringify(r.toward)}`
  if (!/^v=0\r?\n/.test(r.sdp)) return 'the SDP does not start with v=0'
  if (!/^m=audio /m.test(r.sdp)) return 'the SDP has no audio stream (m=audio)'
  return undefined
}

export function createMediaBridge(deps: MediaBridgeDeps): MediaBridge {
  const { client } = deps
  const open = new Set<string>()
  const count = (command: 'offer' | 'answer' | 'delete' | 'ping', outcome: 'ok' | MediaBridgeFailure['kind']) =>
    deps.requests?.inc({ command, outcome })
  const failed = (
    command: 'offer' | 'answer' | 'delete' | 'ping',
    what: string,
    f: NgFailure | { kind: 'bad-request'; message: string },
  ) => {
    count(command, f.kind)
    return err<MediaBridgeFailure>({ kind: f.kind, message: `media bridge: ${what} failed: ${f.message}` })
  }

  return {
    async offer(r) {
      const what = `offer toward the ${r.toward} for call ${r.callId}`
      const bad = badRequest(r)
      if (bad !== undefined) return failed('offer', what, { kind: 'bad-request', message: bad })
      const reply = await client.offer({
        ...offerFlags(r.toward),
        'call-id': r.callId,
        'from-tag': r.fromTag,
        sdp: r.sdp,
      })
      if (!reply.ok) return failed('offer', what, reply.error)
      open.add(r.callId)
      count('offer', 'ok')
      return ok(r.toward === 'trunk' ? withoutWebRtcAttributes(reply.value) : reply.value)
    },
    async answer(r) {
      const what = `answer toward the ${r.toward} for call ${r.callId}`
      const bad = badRequest(r)
      if (bad !== undefined) return failed('answer', what, { kind: 'bad-request', message: bad })
      const reply = await client.answer({
        ...answerFlags(r.toward),
        'call-id': r.callId,
        'from-tag': r.fromTag,
        'to-tag': r.toTag,
        sdp: r.sdp,
      })
      if (!reply.ok) return failed('answer', what, reply.error)
      count('answer', 'ok')
      return ok(r.toward === 'trunk' ? withoutWebRtcAttributes(reply.value) : reply.value)
    },
    async delete(callId) {
      const what = `delete of call ${callId}`
      if (callId.trim() === '') return failed('delete', what, { kind: 'bad-request', message: 'the Call-ID is empty' })
      // delete-delay 0: the ports are free at once, whatever the engine's default (30 s) says.
      const reply = await client.delete(callId, { 'delete-delay': 0 })
      if (!reply.ok) return failed('delete', what, reply.error)
      open.delete(callId)
      count('delete', 'ok')
      return ok(undefined)
    },
    async ping() {
      const reply = await client.ping()
      if (!reply.ok) return failed('ping', 'ping', reply.error)
      count('ping', 'ok')
      return ok(undefined)
    },
    sessions: () => [...open],
  }
}
