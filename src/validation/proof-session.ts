/**
 * The knowledge proof as two small state machines, one per side; messages in, messages out, no I/O.
 *
 *   originator (caller's node)                         claimer (the node that claims the number)
 *   msg1 ProofStart: numberKey, hourHint, phases, sid,
 *        CPace MSGa = (Ya, ADa = header of msg1)     ->
 *                                                     <- msg2 ProofReply: CPace MSGb = (Yb, ADb), tagB
 *   msg3 ProofConfirm: tagA                           ->
 *
 * The password is the call secret (call-secret.ts). CPace's channel identifier holds the protocol name and
 * both libp2p peer ids as each side sees them on its authenticated (Noise) session, initiator first: if a
 * relay sits between the two, each side's session is with the relay, the identifiers differ, the keys differ
 * and confirmation fails. ADa repeats msg1's clear fields, so they cannot be changed without the keys
 * differing. Each side learns the other took part in the call only when the other's tag verifies: the
 * claimer's tag comes first (it has the originator's share by then), the originator's only after the
 * claimer's verified. Nothing but a share is sent before the peer's share has arrived, and a share is a
 * uniformly random group element whatever the password, so a failed run gives either side one online guess
 * and nothing to test offline (docs/validation.md).
 */
import { timingSafeEqual } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { err, ok, type Result } from '../core/result.js'
import {
  callPassword,
  checkCallDetails,
  checkPhases,
  phasesFor,
  startHintFor,
  type CallDetails,
  type GridPhases,
} from './call-secret.js'
import { NUMBER_KEY_BYTES, SESSION_KEY_BYTES, SID_BYTES, TAG_BYTES } from './constants.js'
import { CpaceParty, parseMessage, prefixFreeCat } from './cpace.js'

/** The libp2p protocol name, bound into every run. */
export const PROOF_PROTOCOL = '/ime/validation/1.0.0'

const utf8 = (s: string) => new TextEncoder().encode(s)
const AD_START = utf8('ime/validation/msg1')
const AD_REPLY = utf8('ime/validation/msg2')
/** Peer ids are multihashes of ~38 bytes; anything much longer is not one. */
const MAX_PEER_ID_BYTES = 128
/** Hours since 1970 below 2^40 (well past any real date): keeps the hint a safe integer with room to spare. */
const MAX_HOUR_HINT = 2 ** 40

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
  /** 32 bytes from HKDF-SHA-512 of CPace's ISK: a ChaCha20-Poly1305 key for seal.ts. */
  readonly sessionKey: Uint8Array
}

export interface PeerView {
  /** This side's own libp2p peer id bytes, and the remote's as its authenticated session says. */
  readonly local: Uint8Array
  readonly remote: Uint8Array
}

/**
 * refuted: the claimer's reply was well formed but its tag did not verify, so it could not prove the call (its
 * one guess, spent); failed: the run ended for any other reason (a malformed reply, a second reply), with no
 * guess of the claimer's checked.
 */
export type OriginatorState = 'awaiting-reply' | 'proven' | 'refuted' | 'failed'
export type ClaimerState = 'awaiting-start' | 'awaiting-confirm' | 'proven' | 'failed'

/** Finds the claimer's record of the call msg1 means (see pickCallRecord), or undefined when it has none. */
export type RecordLookup = (numberKey: Uint8Array, hourHint: number, phases: GridPhases) => CallDetails | undefined

function checkPeers(peers: PeerView): Result<PeerView> {
  for (const [name, id] of [
    ['local', peers.local],
    ['remote', peers.remote],
  ] as const) {
    if (!(id instanceof Uint8Array) || id.length === 0 || id.length > MAX_PEER_ID_BYTES) {
      return err(`the ${name} peer id must be 1 to ${MAX_PEER_ID_BYTES} bytes`)
    }
  }
  return ok(peers)
}

function checkBytes(name: string, value: unknown, length: number): Result<Uint8Array> {
  if (!(value instanceof Uint8Array)) return err(`${name} must be bytes`)
  if (value.length !== length) return err(`${name} must be ${length} bytes; got ${value.length}`)
  return ok(value)
}

/** Checks msg1's clear fields (not its CPace message, which the claimer checks against them). */
export function checkProofStart(start: ProofStart): Result<ProofStart> {
  if (typeof start !== 'object' || start === null) return err('msg1 must be an object')
  const key = checkBytes('numberKey', start.numberKey, NUMBER_KEY_BYTES)
  if (!key.ok) return key
  if (!Number.isSafeInteger(start.hourHint) || start.hourHint < 0 || start.hourHint >= MAX_HOUR_HINT) {
    return err(`hourHint must be an hour index since 1970; got ${String(start.hourHint)}`)
  }
  if (typeof start.phases !== 'object' || start.phases === null) return err('phases are missing')
  const phases = checkPhases(start.phases)
  if (!phases.ok) return phases
  const sid = checkBytes('sid', start.sid, SID_BYTES)
  if (!sid.ok) return sid
  if (!(start.cpace instanceof Uint8Array)) return err('the CPace message must be bytes')
  return ok(start)
}

/** ADa: msg1's clear fields, so that tampering with them changes the keys. */
function startHeader(numberKey: Uint8Array, hourHint: number, phases: GridPhases): Uint8Array {
  const numbers = new Uint8Array(16)
  const view = new DataView(numbers.buffer)
  view.setBigUint64(0, BigInt(hourHint))
  view.setUint32(8, phases.start)
  view.setUint32(12, phases.end)
  return prefixFreeCat(AD_START, numberKey, numbers)
}

/** CPace's channel identifier: the protocol and both authenticated peer ids, initiator first. */
function channelId(initiator: Uint8Array, responder: Uint8Array): Uint8Array {
  return prefixFreeCat(utf8(PROOF_PROTOCOL), initiator, responder)
}

function keys(isk: Uint8Array, sid: Uint8Array) {
  const derive = (label: string, n: number) => hkdf(sha512, isk, sid, utf8(label), n)
  return {
    initiatorTag: derive('ime/validation/confirm/initiator', 32),
    responderTag: derive('ime/validation/confirm/responder', 32),
    session: derive('ime/validation/session', SESSION_KEY_BYTES),
  }
}

const tag = (key: Uint8Array, transcript: Uint8Array) => hmac(sha512, key, transcript).subarray(0, TAG_BYTES)

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function checkOriginatorInputs(call: CallDetails, numberKey: Uint8Array, peers: PeerView): string | undefined {
  const checked = checkCallDetails(call)
  if (!checked.ok) return `call record: ${checked.error}`
  const key = checkBytes('numberKey', numberKey, NUMBER_KEY_BYTES)
  if (!key.ok) return key.error
  const ids = checkPeers(peers)
  return ids.ok ? undefined : ids.error
}

/** The caller's side: built from its outbound call record; sends `start`, then takes the claimer's reply. */
export class ProofOriginator {
  readonly start: ProofStart
  private readonly cpace: CpaceParty
  private current: OriginatorState = 'awaiting-reply'

  /** Checks its inputs: bad call details or peer ids are an error value, not an exception. */
  static create(
    call: CallDetails,
    numberKey: Uint8Array,
    peers: PeerView,
    randomBytes: (n: number) => Uint8Array,
  ): Result<ProofOriginator> {
    const problem = checkOriginatorInputs(call, numberKey, peers)
    if (problem !== undefined) return err(problem)
    return ok(new ProofOriginator(call, numberKey, peers, randomBytes))
  }

  /** Throws on bad input (create gives the same check as an error value). */
  constructor(call: CallDetails, numberKey: Uint8Array, peers: PeerView, randomBytes: (n: number) => Uint8Array) {
    const problem = checkOriginatorInputs(call, numberKey, peers)
    if (problem !== undefined) throw new Error(`cannot start a proof: ${problem}`)
    const phases = phasesFor(call)
    const hourHint = startHintFor(call)
    const sid = randomBytes(SID_BYTES)
    const inputs = { prs: callPassword(call, phases), ci: channelId(peers.local, peers.remote), sid }
    this.cpace = new CpaceParty(inputs, startHeader(numberKey, hourHint, phases), randomBytes)
    this.start = { numberKey, hourHint, phases, sid, cpace: this.cpace.message }
  }

  get state(): OriginatorState {
    return this.current
  }

  /**
   * Checks the claimer's reply (msg2). On success returns msg3 to send and the session key; the claimer
   * learns of success only from msg3. Single use: any second reply is refused.
   */
  receive(reply: ProofReply): Result<{ confirm: ProofConfirm } & ProofSuccess> {
    if (this.current !== 'awaiting-reply') return err('this proof run is over; start a new one')
    this.current = 'failed'
    if (typeof reply !== 'object' || reply === null) return err('msg2 must be an object')
    if (!(reply.cpace instanceof Uint8Array)) return err('the CPace message must be bytes')
    const tagB = checkBytes('the claimer tag', reply.tag, TAG_BYTES)
    if (!tagB.ok) return tagB
    const parsed = parseMessage(reply.cpace)
    if (!parsed.ok) return parsed
    if (!equalBytes(parsed.value.ad, AD_REPLY)) return err('msg2 is not a reply of this protocol')
    const isk = this.cpace.finish(reply.cpace, 'initiator')
    if (!isk.ok) return isk
    const k = keys(isk.value, this.start.sid)
    const transcript = concat(this.start.cpace, reply.cpace)
    if (!timingSafeEqual(tag(k.responderTag, transcript), tagB.value)) {
      this.current = 'refuted'
      return err('the claimer could not prove it took part in the call')
    }
    this.current = 'proven'
    return ok({ confirm: { tag: tag(k.initiatorTag, transcript) }, sessionKey: k.session })
  }
}

/** The claimer's side: finds the call record the originator means, and answers with its proof. */
export class ProofClaimer {
  private pending: { transcript: Uint8Array; keys: ReturnType<typeof keys> } | null = null
  private current: ClaimerState = 'awaiting-start'

  constructor(
    private readonly peers: PeerView,
    private readonly randomBytes: (n: number) => Uint8Array,
  ) {}

  get state(): ClaimerState {
    return this.current
  }

  /**
   * Answers msg1. `recordFor` returns this side's record of the call (inbound, to the number whose key is
   * given, started in or next to the hinted hour; pickCallRecord chooses among several), or undefined. The
   * answer has the same shape either way, so an originator cannot tell "no such call" from "wrong details".
   */
  receive(start: ProofStart, recordFor: RecordLookup): Result<ProofReply> {
    if (this.current !== 'awaiting-start') return err('this proof run has already started')
    this.current = 'failed'
    const ids = checkPeers(this.peers)
    if (!ids.ok) return ids
    const checked = checkProofStart(start)
    if (!checked.ok) return checked
    const parsed = parseMessage(start.cpace)
    if (!parsed.ok) return parsed
    if (!equalBytes(parsed.value.ad, startHeader(start.numberKey, start.hourHint, start.phases))) {
      return err("msg1's clear fields do not match those its CPace message was made with")
    }
    const record = recordFor(start.numberKey, start.hourHint, start.phases)
    const usable = record !== undefined && checkCallDetails(record).ok ? record : undefined
    // Without a usable record, run with a random password: the originator sees a failed proof, nothing more.
    const prs = usable === undefined ? this.randomBytes(32) : callPassword(usable, start.phases)
    const cpace = new CpaceParty(
      { prs, ci: channelId(this.peers.remote, this.peers.local), sid: start.sid },
      AD_REPLY,
      this.randomBytes,
    )
    const isk = cpace.finish(start.cpace, 'responder')
    if (!isk.ok) return isk
    const transcript = concat(start.cpace, cpace.message)
    const k = keys(isk.value, start.sid)
    this.pending = { transcript, keys: k }
    this.current = 'awaiting-confirm'
    return ok({ cpace: cpace.message, tag: tag(k.responderTag, transcript) })
  }

  /** Checks msg3: success means the originator really took part in the call. Single use. */
  confirm(message: ProofConfirm): Result<ProofSuccess> {
    if (this.current !== 'awaiting-confirm' || this.pending === null) {
      return err('no proof run is waiting for a confirmation')
    }
    this.current = 'failed'
    const { transcript, keys: k } = this.pending
    this.pending = null
    if (typeof message !== 'object' || message === null) return err('msg3 must be an object')
    const tagA = checkBytes('the originator tag', message.tag, TAG_BYTES)
    if (!tagA.ok) return tagA
    if (!timingSafeEqual(tag(k.initiatorTag, transcript), tagA.value)) {
      return err('the originator could not prove it took part in the call')
    }
    this.current = 'proven'
    return ok({ sessionKey: k.session })
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
