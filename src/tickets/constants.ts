/** Ticket tunables. Times in seconds unless the name says otherwise. */

/** Wire format version; a verifier refuses versions it does not know, so the format can evolve. */
export const TICKET_VERSION = 2

/** Ticket key size: a 128-bit secret of the terminating side, as in the original IME. */
export const TICKET_KEY_BYTES = 16

/** MAC length: HMAC-SHA-256 truncated to 128 bits (RFC 2104 section 5 allows truncation to >= half). */
export const TICKET_MAC_BYTES = 16

/** Random ticket id, so that two tickets minted in the same second differ and can be told apart in logs. */
export const TICKET_ID_BYTES = 8

/** Default validity of a minted ticket: routes are re-validated before they expire (protocol-notes.md section 4). */
export const DEFAULT_TICKET_VALIDITY_S = 7 * 24 * 3600

/** How long the previous epoch's tickets stay valid after a rotation; then they are refused. */
export const DEFAULT_EPOCH_GRACE_S = 24 * 3600

/** Tolerated clock difference when checking "not yet valid": two enterprises' clocks are not perfectly in step. */
export const ISSUE_TIME_SKEW_S = 300

/** A libp2p peer id's multihash: 38 bytes for an Ed25519 key (identity hash), 34 for a SHA-256 one. */
export const MAX_CALLER_PEER_BYTES = 64

/** Base64url of the largest ticket (253-byte domain, 15 digits, 64-byte peer) is under 500 characters; refuse longer at once. */
export const MAX_TICKET_TEXT_LENGTH = 512

/** Domain-separation prefix for the MAC, so the key can never be confused with another use. */
export const TICKET_MAC_CONTEXT = 'ime-ticket-v2'

/** Domain-separation prefix for a ticket's call key (call-key.ts), distinct from the MAC's. */
export const CALL_KEY_CONTEXT = 'ime-call-key-v1'

/** A call key: the full HMAC-SHA-256 output, the key size RFC 7518 section 3.2 asks of HS256. */
export const CALL_KEY_BYTES = 32

/**
 * Tickets an edge remembers as verified, with their call keys (verified-tickets.ts): one per calling route in
 * use, so a few thousand cover many enterprises; only tickets whose MAC held take a place.
 */
export const VERIFIED_TICKET_CACHE_ENTRIES = 10_000
