/**
 * SIP codec tunables. Sizes in bytes (UTF-8 octets on the wire) unless the name says otherwise. Every limit is
 * checked before the work it bounds, so a hostile peer cannot make the parser buffer or scan more than this.
 */

/**
 * Largest message head (start line + headers + the empty line). Real INVITEs through a few proxies are 1-3 KiB;
 * 70 Via lines of ~120 bytes (the Max-Forwards ceiling) still fit in 16 KiB, so 32 KiB leaves room to spare.
 */
export const MAX_HEAD_BYTES = 32 * 1024

/** Largest body. SDP with ICE candidates and many codecs is under 10 KiB; multipart bodies stay well below this. */
export const MAX_BODY_BYTES = 64 * 1024

/** Largest whole message (head + body). RFC 3261 section 18.1.1's UDP concerns do not apply; this bounds memory. */
export const MAX_MESSAGE_BYTES = MAX_HEAD_BYTES + MAX_BODY_BYTES

/** Most header fields in one message (folded lines count once). 70 Via lines plus the usual 20 headers fit. */
export const MAX_HEADER_COUNT = 256

/** Longest logical header line (after unfolding), and longest start line. A Request-URI over 8 KiB is an attack. */
export const MAX_LINE_LENGTH = 8 * 1024

/** Most comma-separated values split out of one header (Contact, Route...): bounds work on `a,a,a,...` floods. */
export const MAX_VALUES_PER_HEADER = 256

/** Most `;param` entries on one URI or header value: bounds work on `;a;a;a...` floods. */
export const MAX_PARAMS = 64

/** Largest CSeq number: RFC 3261 section 8.1.1.5 says it must fit a 32-bit unsigned integer. */
export const MAX_CSEQ = 0xffff_ffff

/** Largest Max-Forwards: RFC 3261 section 20.22 bounds it to 0-255. */
export const MAX_MAX_FORWARDS = 255

/** Max-Forwards a request starts with (RFC 3261 section 8.1.1.6 recommends 70). */
export const DEFAULT_MAX_FORWARDS = 70

/** Largest Expires value accepted (RFC 3261 section 20.19: a 32-bit value in seconds). */
export const MAX_EXPIRES_S = 0xffff_ffff

/** The magic cookie that marks an RFC 3261 branch (section 8.1.1.7); transaction matching relies on it. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK'
