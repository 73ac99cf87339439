/**
 * Validation wire fuzz targets: the protobuf messages of /ime/validation/1.0.0 decoded from random and mutated
 * bytes, and the decoded messages handed to the proof state machines as src/p2p/validation-protocol.ts does.
 * ProofClaimer must answer or refuse any msg1 and msg3; ProofOriginator must refuse any msg2 but the claimer's
 * own; neither may throw. A protobuf decode error is a refusal (the protocol catches it and closes the stream).
 */
import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import type { E164 } from '../../core/e164.js'
import * as pb from '../../p2p/pb/validation.js'
import type { CallDetails } from '../../validation/call-secret.js'
import { ProofClaimer, ProofOriginator, type PeerView, type ProofStart } from '../../validation/proof-session.js'
import { checkReason, fail, type FuzzTarget, type Outcome } from './harness.js'
import { mutate, mutations, showBytes, type Mutation } from './mutate.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))
const utf8 = (s: string) => new TextEncoder().encode(s)
const A = utf8('peer-A')
const B = utf8('peer-B')
const asOriginator: PeerView = { local: A, remote: B }
const asClaimer: PeerView = { local: B, remote: A }
const numberKey = rand(16)
const call: CallDetails = {
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: Date.parse('2026-11-25T10:00:03.250Z'),
  end: Date.parse('2026-11-25T10:04:41.900Z'),
}
const lookup = () => call

/** msg1 as the claimer's side of the protocol builds it from the wire. */
function startFrom(m: pb.ProofStart): ProofStart {
  const hourHint = m.hourHint > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(m.hourHint)
  return {
    numberKey: m.numberKey,
    hourHint,
    phases: { start: m.phaseStart, end: m.phaseEnd },
    sid: m.sid,
    cpace: m.cpace,
  }
}

function encodeStart(s: ProofStart): Uint8Array {
  return pb.ProofStart.encode({
    numberKey: s.numberKey as Uint8Array<ArrayBuffer>,
    hourHint: BigInt(s.hourHint),
    phaseStart: s.phases.start,
    phaseEnd: s.phases.end,
    sid: s.sid as Uint8Array<ArrayBuffer>,
    cpace: s.cpace as Uint8Array<ArrayBuffer>,
  })
}

/** Decodes, turning a decoder exception into a refusal (with its message checked). */
function decode<T>(codec: { decode(b: Uint8Array): T }, bytes: Uint8Array): T | undefined {
  try {
    return codec.decode(bytes)
  } catch (e) {
    if (!(e instanceof Error)) fail(`the decoder threw a non-error: ${String(e)}`)
    checkReason(e.message)
    return undefined
  }
}

/** The messages the proof machines do not take: decoded only. */
const OTHER: { decode(b: Uint8Array): unknown }[] = [pb.ProofVerdict, pb.RouteRequest, pb.RouteGrant, pb.RouteOffer]
const OTHER_SEEDS = [
  pb.ProofVerdict.encode({ confirmed: false, reason: 'the originator could not prove it took part in the call' }),
  pb.RouteRequest.encode({ sealedDomain: rand(40) }),
  pb.RouteGrant.encode({ sealed: rand(60), refused: '' }),
  pb.RouteOffer.encode({
    sipUri: 'sip:edge.b.example;transport=ws',
    ticket: 'AQFrBrGgawa_sDr6k3MCAWmkDxI0VniQ',
    expiresAt: 1_900_000_000_000n,
    domain: 'b.example',
  }),
]

type Kind = 'start' | 'reply' | 'confirm' | 'other'
interface ValidationInput {
  readonly kind: Kind
  readonly seed: number
  readonly mutations: Mutation[]
}

/** A fresh run up to the point the fuzzed message is taken, and that message's valid encoding. */
/** Valid msg1s (each claimer is fresh, so these can be reused). */
const STARTS = Array.from({ length: 4 }, () =>
  encodeStart(new ProofOriginator(call, numberKey, asOriginator, rand).start),
)

interface Session {
  readonly valid: Uint8Array
  readonly originator?: ProofOriginator
  readonly reply?: { cpace: Uint8Array; tag: Uint8Array }
  readonly claimer?: ProofClaimer
  readonly confirm?: { tag: Uint8Array }
}

function session(kind: Kind, seed: number): Session {
  if (kind === 'start') return { valid: STARTS[seed % STARTS.length]! }
  const originator = new ProofOriginator(call, numberKey, asOriginator, rand)
  const claimer = new ProofClaimer(asClaimer, rand)
  const reply = claimer.receive(originator.start, lookup)
  if (!reply.ok) fail(`a valid msg1 was refused: ${reply.error}`)
  const replyBytes = pb.ProofReply.encode({
    cpace: reply.value.cpace as Uint8Array<ArrayBuffer>,
    tag: reply.value.tag as Uint8Array<ArrayBuffer>,
    refused: '',
  })
  if (kind === 'reply') return { valid: replyBytes, originator, reply: reply.value }
  const done = originator.receive(reply.value)
  if (!done.ok) fail(`a valid msg2 was refused: ${done.error}`)
  const confirm = pb.ProofConfirm.encode({ tag: done.value.confirm.tag as Uint8Array<ArrayBuffer> })
  return { valid: confirm, claimer, confirm: done.value.confirm }
}

export const validationTarget: FuzzTarget<ValidationInput> = {
  name: 'validation.proof',
  group: 'validation',
  arbitrary: fc.record({
    kind: fc.constantFrom<Kind>('start', 'start', 'start', 'reply', 'confirm', 'other', 'other', 'other'),
    seed: fc.nat(),
    mutations: mutations(3),
  }),
  prepare: (input) => (input.kind === 'other' ? undefined : session(input.kind, input.seed)),
  check(input, prepared): Outcome {
    if (input.kind === 'other') {
      const i = input.seed % OTHER.length
      const m = decode(OTHER[i]!, mutate(OTHER_SEEDS[i]!, input.mutations))
      return m === undefined ? 'refused' : 'accepted'
    }
    const s = prepared as Session
    const bytes = mutate(s.valid, input.mutations)
    if (input.kind === 'start') {
      const m = decode(pb.ProofStart, bytes)
      if (m === undefined) return 'refused'
      const r = new ProofClaimer(asClaimer, rand).receive(startFrom(m), lookup)
      if (!r.ok) checkReason(r.error)
      return r.ok ? 'accepted' : 'refused'
    }
    if (input.kind === 'reply') {
      const m = decode(pb.ProofReply, bytes)
      if (m === undefined) return 'refused'
      const r = s.originator!.receive({ cpace: m.cpace, tag: m.tag })
      if (!r.ok) {
        checkReason(r.error)
        return 'refused'
      }
      const same =
        isDeepStrictEqual([...m.cpace], [...s.reply!.cpace]) && isDeepStrictEqual([...m.tag], [...s.reply!.tag])
      if (!same) fail('the originator accepted a mutated msg2')
      return 'accepted'
    }
    const m = decode(pb.ProofConfirm, bytes)
    if (m === undefined) return 'refused'
    const r = s.claimer!.confirm({ tag: m.tag })
    if (!r.ok) {
      checkReason(r.error)
      return 'refused'
    }
    if (!isDeepStrictEqual([...m.tag], [...s.confirm!.tag])) fail('the claimer accepted a mutated msg3')
    return 'accepted'
  },
  show: (input) => `${input.kind} mutated by ${JSON.stringify(input.mutations)}`,
}

/** Raw bytes as each message, and msg1 from them handed to a claimer. */
export const validationBytesTarget: FuzzTarget<Uint8Array> = {
  name: 'validation.bytes',
  group: 'validation',
  arbitrary: fc.uint8Array({ maxLength: 300 }),
  check(bytes): Outcome {
    let accepted = false
    for (const codec of [pb.ProofReply, pb.ProofConfirm, ...OTHER] as { decode(b: Uint8Array): unknown }[])
      if (decode(codec, bytes) !== undefined) accepted = true
    const m = decode(pb.ProofStart, bytes)
    if (m !== undefined) {
      const r = new ProofClaimer(asClaimer, rand).receive(startFrom(m), lookup)
      if (!r.ok) checkReason(r.error)
    }
    return accepted ? 'accepted' : 'refused'
  },
  show: (bytes) => showBytes(bytes),
}

export const validationTargets = [validationTarget, validationBytesTarget]
