/** Caller-identity tunables. Times in seconds unless the name says otherwise. */

/** An assertion is for one call placed now: an edge accepts it only this long after its issue time. */
export const ASSERTION_FRESH_S = 60

/**
 * Tolerated clock difference between the calling node and the edge, both ways: NTP keeps enterprises' clocks
 * within well under a second, and a call must not fail because one is a few seconds off.
 */
export const ASSERTION_SKEW_S = 10

/**
 * Assertions an edge remembers (each for FRESH + SKEW seconds, the time it could still be accepted): 3,000
 * calls/s for 70 s. When that many fresh ones are held, further calls are refused rather than an entry evicted,
 * since an evicted entry could be replayed.
 */
export const REPLAY_CACHE_MAX_ENTRIES = 210_000

/** The PASSporT extension (RFC 8225 section 8.1 "ppt") that names this profile, and the Identity header's ppt. */
export const PASSPORT_EXTENSION = 'ime'

/** An Identity header longer than this is refused before parsing: an assertion here is about 400 characters. */
export const MAX_IDENTITY_HEADER_LENGTH = 2048

/** Public keys of calling peers kept ready for verification (one per calling enterprise, so small). */
export const PEER_KEY_CACHE_ENTRIES = 10_000
