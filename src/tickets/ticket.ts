/**
 * The ticket's wire format: compact, versioned binary, carried as base64url in the SIP header X-IME-Ticket.
 *
 *   offset  size        field
 *   0       1           version (2; version 1 had no caller peer and is refused as outdated)
 *   1       1           key epoch (1..255)
 *   2       4           issuedAt, seconds since the Unix epoch (big-endian)
 *   6       4           expiresAt, seconds since the Unix epoch (big-endian)
 *   10      8           ticket id (random)
 *   18      1           n = number of digits of the called number (1..15)
 *   19      ceil(n/2)   the digits, packed two per byte (BCD, high nibble first, 0xF pad)
 *   ..      1           m = length of the calling domain (1..253)
 *   ..      m           the calling domain, lowercase ASCII
 *   ..      1           k = length of the caller peer (1..64)
 *   ..      k           the caller peer: the libp2p peer id (multihash bytes) of the node that validated
 *   ..      16          MAC: HMAC-SHA-256(key of the epoch, "ime-ticket-v2" || all bytes above), first 16 bytes
 *
 * BCD and the layout are written by hand: a protobuf would be larger and its encoding is not canonical,
 * and the MAC must cover exact bytes.
 */
import { err, ok, type Result } from '../core/result.js'
import {
  MAX_CALLER_PEER_BYTES,
  MAX_TICKET_TEXT_LENGTH,
  TICKET_ID_BYTES,
  TICKET_MAC_BYTES,
  TICKET_VERSION,
} from './constants.js'

export interface TicketClaims {
  /** The called number this ticket lets the holder call, E.164 with its +. */
  readonly calledNumber: string
  /** The domain the ticket was issued to (shown and logged; the caller peer is what a call must prove). */
  readonly callingDomain: string
  /**
   * The libp2p peer id (multihash bytes) of the node that validated and to which the ticket was issued: each call
   * must carry an assertion signed with that peer's key (src/caller-identity).
   */
  readonly callerPeer: Uint8Array
  readonly epoch: number
  /** Seconds since the Unix epoch. */
  readonly issuedAt: number
  readonly expiresAt: number
  readonly id: Uint8Array
}

export interface Ticket extends TicketClaims {
  /** The bytes the MAC covers. */
  readonly signedBytes: Uint8Array
  readonly mac: Uint8Array
}

const E164 = /^\+[1-9][0-9]{0,14}$/
// A DNS name: labels of letters, digits and hyphens, not starting or ending with a hyphen.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

/** What parseTicket says of a version-1 ticket (minted before tickets named the caller peer). */
export const OUTDATED_TICKET =
  'ticket format 1 is no longer accepted (tickets now name the calling node): the route must be validated again'

/** Whether a ticket text is of the outdated format 1, which carries no caller peer (its routes re-validate). */
export function isOutdatedTicket(text: string): boolean {
  return /^[A-Za-z0-9_-]{2}/.test(text) && Buffer.from(text.slice(0, 4), 'base64url')[0] === 1
}

export function checkClaims(claims: TicketClaims): Result<TicketClaims> {
  if (!E164.test(claims.calledNumber)) return err(`called number ${JSON.stringify(claims.calledNumber)} is not E.164`)
  const domain = claims.callingDomain.toLowerCase()
  if (!DOMAIN.test(domain)) return err(`calling domain ${JSON.stringify(claims.callingDomain)} is not a domain name`)
  if (!Number.isInteger(claims.epoch) || claims.epoch < 1 || claims.epoch > 255) {
    return err(`key epoch must be 1..255; got ${claims.epoch}`)
  }
  for (const [name, t] of [
    ['issuedAt', claims.issuedAt],
    ['expiresAt', claims.expiresAt],
  ] as const) {
    if (!Number.isInteger(t) || t < 0 || t > 0xffffffff) return err(`${name} must be whole seconds in 0..2^32-1`)
  }
  if (claims.expiresAt <= claims.issuedAt) return err('expiresAt must be after issuedAt')
  if (claims.id.length !== TICKET_ID_BYTES) return err(`ticket id must be ${TICKET_ID_BYTES} bytes`)
  if (claims.callerPeer.length < 1 || claims.callerPeer.length > MAX_CALLER_PEER_BYTES) {
    return err(`caller peer must be 1..${MAX_CALLER_PEER_BYTES} bytes; got ${claims.callerPeer.length}`)
  }
  return ok({ ...claims, callingDomain: domain })
}

/** The bytes a MAC is computed over (everything but the MAC). Claims must have passed checkClaims. */
export function encodeSignedPart(claims: TicketClaims): Uint8Array {
  const digits = claims.calledNumber.slice(1)
  const domain = Buffer.from(claims.callingDomain, 'ascii')
  const bcdLength = Math.ceil(digits.length / 2)
  const out = new Uint8Array(19 + bcdLength + 1 + domain.length + 1 + claims.callerPeer.length)
  const view = new DataView(out.buffer)
  out[0] = TICKET_VERSION
  out[1] = claims.epoch
  view.setUint32(2, claims.issuedAt)
  view.setUint32(6, claims.expiresAt)
  out.set(claims.id, 10)
  out[18] = digits.length
  for (let i = 0; i < bcdLength; i++) {
    const high = digits.charCodeAt(2 * i) - 48
    const low = 2 * i + 1 < digits.length ? digits.charCodeAt(2 * i + 1) - 48 : 0xf
    out[19 + i] = (high << 4) | low
  }
  out[19 + bcdLength] = domain.length
  out.set(domain, 20 + bcdLength)
  const peerAt = 20 + bcdLength + domain.length
  out[peerAt] = claims.callerPeer.length
  out.set(claims.callerPeer, peerAt + 1)
  return out
}

export function ticketToText(signedBytes: Uint8Array, mac: Uint8Array): string {
  return Buffer.concat([signedBytes, mac]).toString('base64url')
}

/** Parses the header value. Checks only the format; the MAC and the claims are checked by verifyTicket. */
export function parseTicket(text: string): Result<Ticket> {
  if (text.length === 0) return err('empty')
  if (text.length > MAX_TICKET_TEXT_LENGTH) return err(`longer than ${MAX_TICKET_TEXT_LENGTH} characters`)
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return err('not base64url')
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'))
  // Node's decoder ignores stray trailing bits and a dangling last character: one ticket, one text.
  if (Buffer.from(bytes).toString('base64url') !== text) return err('not canonical base64url')
  if (bytes.length < 19) return err(`truncated: ${bytes.length} bytes`)
  if (bytes[0] === 1) return err(OUTDATED_TICKET)
  if (bytes[0] !== TICKET_VERSION) return err(`unknown ticket version ${bytes[0]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const epoch = bytes[1]!
  const issuedAt = view.getUint32(2)
  const expiresAt = view.getUint32(6)
  const id = bytes.slice(10, 18)
  const digitCount = bytes[18]!
  if (digitCount < 1 || digitCount > 15) return err(`called number has ${digitCount} digits; E.164 allows 1 to 15`)
  const bcdLength = Math.ceil(digitCount / 2)
  const domainLengthAt = 19 + bcdLength
  if (bytes.length < domainLengthAt + 1) return err('truncated in the called number')
  let digits = ''
  for (let i = 0; i < digitCount; i++) {
    const byte = bytes[19 + (i >> 1)]!
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0xf
    if (nibble > 9) return err('called number has a non-digit')
    digits += String(nibble)
  }
  if (digitCount % 2 === 1 && (bytes[19 + bcdLength - 1]! & 0xf) !== 0xf) return err('bad padding in called number')
  const domainLength = bytes[domainLengthAt]!
  const peerLengthAt = domainLengthAt + 1 + domainLength
  if (bytes.length < peerLengthAt + 1) return err('truncated in the calling domain')
  const macAt = peerLengthAt + 1 + bytes[peerLengthAt]!
  if (bytes.length !== macAt + TICKET_MAC_BYTES) {
    return err(`length ${bytes.length} bytes does not match its fields (${macAt + TICKET_MAC_BYTES})`)
  }
  const callingDomain = Buffer.from(bytes.subarray(domainLengthAt + 1, peerLengthAt)).toString('latin1')
  const claims = checkClaims({
    calledNumber: '+' + digits,
    callingDomain,
    callerPeer: bytes.slice(peerLengthAt + 1, macAt),
    epoch,
    issuedAt,
    expiresAt,
    id,
  })
  if (!claims.ok) return claims
  if (claims.value.callingDomain !== callingDomain) return err('calling domain is not in lowercase')
  return ok({ ...claims.value, signedBytes: bytes.subarray(0, macAt), mac: bytes.subarray(macAt) })
}
