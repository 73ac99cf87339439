/**
 * The knowledge proof as two small state machines, one per side; messages in, messages out, no I/O.
 *
 *   originator (caller's node)                         claimer (the node that claims the number)
 *   msg1: numberKey, hourHint, phases, sid, CPace MSGa  ->
 *                                                     <- msg2: CPace MSGb, tagB
 *   msg3: tagA                                          ->
 *
 * The password is the call secret (call-secret.ts). CPace's channel identifier holds both libp2p peer ids as
 * each side sees them on its authenticated (Noise) session, initiator first: if a relay sits between the two,
 * each side's session is with the relay, the identifiers differ, the keys differ and confirmation fails.
 * Each side learns the other took part in the call only when the other's confirmation tag verifies; the
 * claimer's tag comes first (it commits to its key before seeing the originator's), then the originator's.
 * Nothing derived from the password is sent before a side has the peer's share, so a failed run gives either
 * side only the one online guess CPace allows.
 */
import { timingSafeEqual } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { err, ok, type Result } from '../core/result.js'
import { callPassword, checkPhases, phasesFor, type CallDetails, type GridPhases } from './call-secret.js'
import { CpaceParty, prefixFreeCat } from './cpace.js'

const PROTOCOL = new TextEncoder().encode('/ime/validation/1.0.0')
const TAG_BYTES = 32
const SID_BYTES = 16
const HOUR_MS = 3600_000

export interface ProofStart {
  readonly numberKey: Uint8Array
  /** The hour (since the Unix epoch) the call started in: lets the claimer find the call record. */
  readonly hourHint: number
  readonly phases: GridPhases
  readonly sid: Uint8Array
  readonly cpace: Uint8Array
}
export interface ProofReply {
  readonly cpace: Uint8Array
  readonly tag: Uint8Array
}
export interface ProofConfirm {
  readonly tag: Uint8Array
}

/** What each side has once the proof succeeded: a key for the rest of the exchange (domain, URI, ticket). */
export interface ProofSuccess {
  readonly sessionKey: Uint8Array
}

interface PeerView {
  /** This side's own libp2p peer id bytes, and the remote's as its authenticated session says. */
  readonly local: Uint8Array
  readonly remote: Uint8Array
}

function channelId(initiator: Uint8Array, responder: Uint8Array): Uint8Array {
  return prefixFreeCat(PROTOCOL, initiator, responder)
}

function keys(isk: Uint8Array, sid: Uint8Array) {
  const derive = (label: string, n: number) => hkdf(sha512, isk, sid, new TextEncoder().encode(label), n)
  return {
    initiatorTag: derive('ime/validation/confirm/initiator', 32),
    responderTag: derive('ime/validation/confirm/responder', 32),
    session: derive('ime/validation/session', 32),
  }
}

const tag = (key: Uint8Array, transcript: Uint8Array) => hmac(sha512, key, transcript).subarray(0, TAG_BYTES)

function sameTag(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The caller's side. */
export class ProofOriginator {
  readonly start: ProofStart
  private readonly cpace: CpaceParty
  private finished = false

  constructor(call: CallDetails, numberKey: Uint8Array, peers: PeerView, randomBytes: (n: number) => Uint8Array) {
    const phases = phasesFor(call)
    const sid = randomBytes(SID_BYTES)
    const inputs = { prs: callPassword(call, phases), ci: channelId(peers.local, peers.remote), sid }
    this.cpace = new CpaceParty(inputs, new Uint8Array(0), randomBytes)
    this.start = { numberKey, hourHint: Math.floor(call.start / HOUR_MS), phases, sid, cpace: this.cpace.message }
  }

  /** Checks the claimer's reply; on success returns the confirmation to send and the session key. */
  receive(reply: ProofReply): Result<{ confirm: ProofConfirm } & ProofSuccess> {
    if (this.finished) return err('this proof run is over; start a new one')
    this.finished = true
    const isk = this.cpace.finish(reply.cpace, 'initiator')
    if (!isk.ok) return isk
    const k = keys(isk.value, this.start.sid)
    const transcript = new Uint8Array([...this.start.cpace, ...reply.cpace])
    if (!sameTag(tag(k.responderTag, transcript), reply.tag)) {
      return err('the claimer could not prove it took part in the call')
    }
    return ok({ confirm: { tag: tag(k.initiatorTag, transcript) }, sessionKey: k.session })
  }
}

/** The claimer's side: finds the call record the originator means, and answers with its proof. */
export class ProofClaimer {
  private state: { transcript: Uint8Array; keys: ReturnType<typeof keys> } | null = null
  private finished = false

  constructor(
    private readonly peers: PeerView,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  /**
   * Answers msg1. `recordFor` returns this side's record of the call (inbound, to the number whose key is
   * given, started in or next to the hinted hour), or undefined when there is none. The answer is the same
   * shape either way, so an originator cannot tell "no such call" from "wrong details".
   */
  receive(start: ProofStart, recordFor: (numberKey: Uint8Array, hourHint: number) => CallDetails | undefined) {
    if (this.state !== null || this.finished) return err('this proof run has already started')
    const phases = checkPhases(start.phases)
    if (!phases.ok) return phases
    if (start.sid.length !== SID_BYTES) return err(`sid must be ${SID_BYTES} bytes`)
    if (!Number.isSafeInteger(start.hourHint) || start.hourHint < 0) return err('hourHint must be an hour index')
    const record = recordFor(start.numberKey, start.hourHint)
    // Without a record, run with a random password: the originator sees a failed proof, nothing more.
    const prs = record === undefined ? this.randomBytes(32) : callPassword(record, phases.value)
    const cpace = new CpaceParty(
      { prs, ci: channelId(this.peers.remote, this.peers.local), sid: start.sid },
      new Uint8Array(0),
      this.randomBytes,
    )
    const isk = cpace.finish(start.cpace, 'responder')
    if (!isk.ok) return isk
    const transcript = new Uint8Array([...start.cpace, ...cpace.message])
    const k = keys(isk.value, start.sid)
    this.state = { transcript, keys: k }
    return ok({ cpace: cpace.message, tag: tag(k.responderTag, transcript) } satisfies ProofReply)
  }

  /** Checks msg3: success means the originator really took part in the call. */
  confirm(message: ProofConfirm): Result<ProofSuccess> {
    if (this.state === null || this.finished) return err('no proof run is waiting for a confirmation')
    this.finished = true
    const { transcript, keys: k } = this.state
    if (!sameTag(tag(k.initiatorTag, transcript), message.tag)) {
      return err('the originator could not prove it took part in the call')
    }
    return ok({ sessionKey: k.session })
  }
}
