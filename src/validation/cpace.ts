/**
 * CPace (draft-irtf-cfrg-cpace, suite CPACE-RISTR255-SHA512), the balanced PAKE of the knowledge proof: two
 * parties holding the same low-entropy secret (here, a PSTN call's details) derive a strong shared key, and a
 * party that does not hold it learns nothing it could test offline, one online guess per run.
 *
 * The group and hash are @noble/curves' ristretto255 (RFC 9496) and @noble/hashes' SHA-512. Written here is
 * only the protocol's byte layout (generator string, messages, transcript), which no well-kept JavaScript
 * library provides; it reproduces the draft's ristretto255 test vectors (cpace.test.ts).
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { err, ok, type Result } from '../core/result.js'

const { Point } = ristretto255
const DSI = new TextEncoder().encode('CPaceRistretto255')
const DSI_ISK = new TextEncoder().encode('CPaceRistretto255_ISK')
/** SHA-512's input block size (H.s_in_bytes): the generator string fills the first block. */
const S_IN_BYTES = 128
/** ristretto255's group order. */
const ORDER = Point.Fn.ORDER
const POINT_BYTES = 32

export interface CpaceInputs {
  /** The password-related string: both sides derive it from what they know (the call's details). */
  readonly prs: Uint8Array
  /** Channel identifier: binds the run to one channel (here: both peers' identities on the libp2p session). */
  readonly ci: Uint8Array
  /** Session identifier: fresh per run. */
  readonly sid: Uint8Array
}

/** LEB128 length, then the bytes. */
export function prependLen(data: Uint8Array): Uint8Array {
  const length: number[] = []
  let n = data.length
  do {
    length.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0))
    n >>>= 7
  } while (n > 0)
  const out = new Uint8Array(length.length + data.length)
  out.set(length)
  out.set(data, length.length)
  return out
}

export function prefixFreeCat(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts.map(prependLen))
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, S_IN_BYTES - prependLen(prs).length - prependLen(DSI).length - 1)
  return prefixFreeCat(DSI, prs, new Uint8Array(zpad), ci, sid)
}

/** The run's generator g: SHA-512 of the generator string, through ristretto255's one-way map. */
export function calculateGenerator(inputs: CpaceInputs) {
  return ristretto255_hasher.deriveToCurve!(sha512(generatorString(inputs.prs, inputs.ci, inputs.sid)))
}

/**
 * G.sample_scalar: a uniform scalar in [1, order), from 64 random bytes reduced modulo the order (RFC 9496's
 * way of making a uniform scalar; the bias is below 2^-250); zero is resampled.
 */
export function sampleScalar(randomBytes: (n: number) => Uint8Array): bigint {
  for (;;) {
    const y = bytesToNumberLE(randomBytes(64)) % ORDER
    if (y !== 0n) return y
  }
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let v = 0n
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!)
  return v
}

/** Parses prefix_free_cat(Y, AD), refusing anything else. */
export function parseMessage(msg: Uint8Array): Result<{ share: Uint8Array; ad: Uint8Array }> {
  const fields: Uint8Array[] = []
  let at = 0
  while (at < msg.length && fields.length < 2) {
    let length = 0
    let shift = 0
    let byte: number
    do {
      if (at >= msg.length || shift > 21) return err('CPace message: bad length prefix')
      byte = msg[at++]!
      length |= (byte & 0x7f) << shift
      shift += 7
    } while (byte & 0x80)
    if (at + length > msg.length) return err('CPace message: a field runs past the end')
    fields.push(msg.subarray(at, at + length))
    at += length
  }
  if (fields.length !== 2 || at !== msg.length)
    return err('CPace message: expected exactly a share and associated data')
  if (fields[0]!.length !== POINT_BYTES) return err(`CPace message: a share is ${POINT_BYTES} bytes`)
  return ok({ share: fields[0]!, ad: fields[1]! })
}

/** One side of a CPace run. */
export class CpaceParty {
  /** This side's message: prefix_free_cat(Y, AD). */
  readonly message: Uint8Array
  private readonly y: bigint

  constructor(
    private readonly inputs: CpaceInputs,
    ad: Uint8Array,
    randomBytes: (n: number) => Uint8Array,
    /** For test vectors only: a given scalar instead of a sampled one. */
    scalar?: bigint,
  ) {
    this.y = scalar ?? sampleScalar(randomBytes)
    const share = calculateGenerator(inputs).multiply(this.y).toBytes()
    this.message = prefixFreeCat(share, ad)
  }

  /**
   * The intermediate session key (ISK) from the peer's message, with messages in initiator-responder order.
   * Fails if the message is malformed, its share does not decode, or the shared point is the identity.
   */
  finish(peerMessage: Uint8Array, role: 'initiator' | 'responder'): Result<Uint8Array> {
    const parsed = parseMessage(peerMessage)
    if (!parsed.ok) return parsed
    let peerShare
    try {
      peerShare = Point.fromBytes(parsed.value.share)
    } catch {
      return err('CPace: the peer share is not a ristretto255 element')
    }
    const k = peerShare.multiply(this.y)
    if (k.is0()) return err('CPace: the shared element is the identity')
    const [msgA, msgB] = role === 'initiator' ? [this.message, peerMessage] : [peerMessage, this.message]
    return ok(sha512(concat(prefixFreeCat(DSI_ISK, this.inputs.sid, k.toBytes()), msgA, msgB)))
  }
}
