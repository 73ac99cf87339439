/**
 * The caller assertion: a PASSporT (RFC 8225) carried in the SIP Identity header (RFC 8224) in its full form:
 *
 *   Identity: <base64url header>.<base64url claims>.<base64url signature>;info=<urn:ime:peer:ID>;alg=HS256;ppt=ime
 *
 * Two algorithms, both tied to the one node the ticket was issued to:
 * - HS256 (RFC 7518 section 3.2), keyed with the ticket's call key (src/tickets/call-key.ts), which only the
 *   claimer and that node hold: what a node sends when its route came with a call key. ~2 us to check.
 * - EdDSA (RFC 8037), signed with the calling node's libp2p key, whose public half is in the peer id the ticket
 *   names: for routes learned without a call key. ~50-100 us to check.
 * The protected header is {"alg":"<alg>","ppt":"ime","typ":"passport"}; the "ime" extension (RFC 8225 section
 * 8) adds the claim "ime": {"tkt": <hex id of the X-IME-Ticket this call presents>}, so an assertion is good
 * only beside its ticket. There is no "x5u": the key is not in a certificate but follows from the ticket, and
 * "info" names the calling peer for people reading a trace. Claims are written with their keys in lexicographic
 * order and no spaces (RFC 8225 section 9), so that anyone can rebuild the signed bytes.
 */
import {
  createHmac,
  createPrivateKey,
  randomUUID,
  sign as edSign,
  timingSafeEqual,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto'
import { err, ok, type Result } from '../core/result.js'
import { MAX_IDENTITY_HEADER_LENGTH, PASSPORT_EXTENSION } from './constants.js'

/** Who is calling: an E.164 number without its "+" (RFC 8224 section 8.3), or a SIP URI for a user without one. */
export type Originator = { readonly tn: string } | { readonly uri: string }

export interface CallerAssertionClaims {
  readonly orig: Originator
  /** The called number, E.164 digits without "+". */
  readonly dest: { readonly tn: readonly string[] }
  /** Issue time, seconds since the Unix epoch. */
  readonly iat: number
  /** Unique per call (RFC 8588's origid): what the edge's replay cache remembers. */
  readonly origid: string
  readonly ime: { readonly tkt: string }
}

/** EdDSA: signed with the calling node's key. HS256: a MAC under the ticket's call key. */
export type AssertionAlgorithm = 'EdDSA' | 'HS256'

export interface ParsedAssertion {
  readonly alg: AssertionAlgorithm
  readonly claims: CallerAssertionClaims
  /** The bytes the signature covers: "<header>.<claims>" as sent. */
  readonly signingInput: Buffer
  readonly signature: Buffer
}

const protectedHeader = (alg: AssertionAlgorithm): string =>
  Buffer.from(JSON.stringify({ alg, ppt: PASSPORT_EXTENSION, typ: 'passport' })).toString('base64url')
/** The protected headers this side writes, recognised without parsing their JSON again. */
const PROTECTED_HEADERS: ReadonlyMap<string, AssertionAlgorithm> = new Map([
  [protectedHeader('EdDSA'), 'EdDSA'],
  [protectedHeader('HS256'), 'HS256'],
])
const SIGNATURE_BYTES: Readonly<Record<AssertionAlgorithm, number>> = { EdDSA: 64, HS256: 32 }
const E164_DIGITS = /^[1-9][0-9]{0,14}$/

/** Signs with a node's Ed25519 key given as libp2p keeps it raw: 32-byte seed then 32-byte public key. */
export function ed25519Signer(raw: Uint8Array): (data: Uint8Array) => Uint8Array {
  if (raw.length !== 64) throw new Error(`an Ed25519 private key is kept as 64 bytes; got ${raw.length}`)
  const key = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(raw.subarray(0, 32)).toString('base64url'),
      x: Buffer.from(raw.subarray(32)).toString('base64url'),
    },
    format: 'jwk',
  })
  return (data) => new Uint8Array(edSign(null, data, key))
}

/** MACs with a ticket's call key (HS256). */
export function hs256Signer(callKey: Uint8Array): (data: Uint8Array) => Uint8Array {
  if (callKey.length < 32) throw new Error(`an HS256 key has at least 32 bytes; got ${callKey.length}`)
  return (data) => new Uint8Array(createHmac('sha256', callKey).update(data).digest())
}

/** The claims for one call now, with a new origid. */
export function assertionClaims(
  call: { readonly caller: Originator; readonly calledNumber: string; readonly ticketId: string },
  nowMs: number,
  newId: () => string = randomUUID,
): CallerAssertionClaims {
  return {
    dest: { tn: [call.calledNumber.replace(/^\+/, '')] },
    iat: Math.floor(nowMs / 1000),
    ime: { tkt: call.ticketId },
    orig: call.caller,
    origid: newId(),
  }
}

/** The Identity header value for the claims, signed. */
export function identityHeader(
  claims: CallerAssertionClaims,
  sign: (data: Uint8Array) => Uint8Array,
  signerPeer: string,
  alg: AssertionAlgorithm = 'EdDSA',
): string {
  // Keys in lexicographic order, as RFC 8225 section 9 asks (JSON.stringify keeps insertion order).
  const orig = 'tn' in claims.orig ? { tn: claims.orig.tn } : { uri: claims.orig.uri }
  const body = {
    dest: { tn: [...claims.dest.tn] },
    iat: claims.iat,
    ime: { tkt: claims.ime.tkt },
    orig,
    origid: claims.origid,
  }
  const input = `${protectedHeader(alg)}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`
  const signature = Buffer.from(sign(Buffer.from(input, 'ascii'))).toString('base64url')
  return `${input}.${signature};info=<urn:ime:peer:${signerPeer}>;alg=${alg};ppt=${PASSPORT_EXTENSION}`
}

/** Reads an Identity header value; checks the form, not the signature (verifyAssertion does). */
export function parseIdentityHeader(value: string): Result<ParsedAssertion> {
  if (value.length > MAX_IDENTITY_HEADER_LENGTH) return err(`longer than ${MAX_IDENTITY_HEADER_LENGTH} characters`)
  const [jws, ...params] = value.trim().split(';')
  const parts = jws!.trim().split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    return err('not a PASSporT (three base64url parts)')
  }
  const ppt = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('ppt='))
  if (ppt !== undefined && ppt !== `ppt=${PASSPORT_EXTENSION}` && ppt !== `ppt="${PASSPORT_EXTENSION}"`) {
    return err(`PASSporT extension ${ppt.slice(4)} is not "${PASSPORT_EXTENSION}"`)
  }
  const alg = PROTECTED_HEADERS.get(parts[0]!) ?? protectedHeaderAlg(jsonOf(parts[0]!))
  if (typeof alg === 'object') return alg
  const claims = checkClaims(jsonOf(parts[1]!))
  if (!claims.ok) return claims
  const signature = Buffer.from(parts[2]!, 'base64url')
  if (signature.length !== SIGNATURE_BYTES[alg]) {
    return err(`an ${alg} signature has ${SIGNATURE_BYTES[alg]} bytes; got ${signature.length}`)
  }
  const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii')
  return ok({ alg, claims: claims.value, signingInput, signature })
}

/** The algorithm of a protected header written by another implementation (other key order, spaces), or why not. */
function protectedHeaderAlg(
  header: Record<string, unknown> | undefined,
): AssertionAlgorithm | { ok: false; error: string } {
  if (header === undefined) return err('PASSporT header is not JSON')
  if (header.alg !== 'EdDSA' && header.alg !== 'HS256') {
    return err(`PASSporT algorithm ${JSON.stringify(header.alg)} is neither EdDSA nor HS256`)
  }
  if (header.typ !== undefined && header.typ !== 'passport') return err('PASSporT typ is not "passport"')
  if (header.ppt !== PASSPORT_EXTENSION) return err(`PASSporT extension is not "${PASSPORT_EXTENSION}"`)
  return header.alg
}

/** Whether an HS256 assertion's MAC is right under the call key (constant-time comparison). */
export function macHolds(assertion: ParsedAssertion, callKey: Uint8Array): boolean {
  const expected = createHmac('sha256', callKey).update(assertion.signingInput).digest()
  return assertion.signature.length === expected.length && timingSafeEqual(expected, assertion.signature)
}

/**
 * Whether the assertion was signed with the key. Verified on libuv's thread pool (crypto.verify with a callback),
 * not on the event loop: an Ed25519 verification costs about 50 us, which at thousands of calls a second would
 * be most of the SIP edge's single thread.
 */
export function signatureHolds(assertion: ParsedAssertion, key: KeyObject): Promise<boolean> {
  return new Promise((resolve) => {
    edVerify(null, assertion.signingInput, key, assertion.signature, (error, valid) => resolve(error === null && valid))
  })
}

function jsonOf(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function checkClaims(c: Record<string, unknown> | undefined): Result<CallerAssertionClaims> {
  if (c === undefined) return err('PASSporT claims are not JSON')
  const orig = c.orig as Record<string, unknown> | undefined
  const dest = c.dest as Record<string, unknown> | undefined
  const ime = c.ime as Record<string, unknown> | undefined
  let originator: Originator
  if (typeof orig?.tn === 'string' && E164_DIGITS.test(orig.tn)) originator = { tn: orig.tn }
  else if (typeof orig?.uri === 'string' && /^sips?:[^\s<>"]{1,256}$/.test(orig.uri)) originator = { uri: orig.uri }
  else return err('PASSporT "orig" is neither a telephone number nor a SIP URI')
  const tns = dest?.tn
  if (!Array.isArray(tns) || tns.length !== 1 || typeof tns[0] !== 'string' || !E164_DIGITS.test(tns[0])) {
    return err('PASSporT "dest" must name one telephone number')
  }
  if (typeof c.iat !== 'number' || !Number.isSafeInteger(c.iat) || c.iat < 0) return err('PASSporT "iat" is not a time')
  if (typeof c.origid !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(c.origid)) return err('PASSporT "origid" is missing')
  if (typeof ime?.tkt !== 'string' || !/^[0-9a-f]{16}$/.test(ime.tkt)) return err('PASSporT "ime.tkt" is missing')
  return ok({ orig: originator, dest: { tn: [tns[0]] }, iat: c.iat, origid: c.origid, ime: { tkt: ime.tkt } })
}
