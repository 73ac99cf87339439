/**
 * Tunables of the knowledge proof (call secret, CPace run, caps). Times in milliseconds, sizes in bytes.
 * docs/validation.md explains each choice and what it costs an attacker.
 */

/**
 * Clock skew plus setup delay at ONE end of a call, at most (the issue's +/-2 s): two ends' records of the
 * same call may then differ by up to twice this, for the start and for the end independently.
 */
export const MAX_SKEW_PER_END_MS = 2_000

/** The largest difference between the two ends' records that must still agree: 4 s. */
export const MAX_RECORD_DIFFERENCE_MS = 2 * MAX_SKEW_PER_END_MS

/**
 * Grid quantum for start and end times. The originator centres its own times in their cells, so the other
 * end agrees while the difference is under Q/2 = 5 s: 1 s of margin over the 4 s needed. A larger Q would
 * give away bits of the secret for nothing (each doubling costs one bit per time, two per call); a Q of 8 s
 * or less would leave no margin at all.
 */
export const CALL_TIME_QUANTUM_MS = 10_000

/**
 * The originator tells the claimer which hour (since the Unix epoch) the call started in, so that the claimer
 * can find its record. The claimer already knows roughly when the call was, since a validation follows a call
 * within the scheduler's 1 to 60 min delay, so an hour gives away little (docs: about 1 bit); a minute would
 * cut the start's uncertainty from ~360 cells to ~6.
 */
export const START_HINT_PERIOD_MS = 3_600_000

/**
 * Inbound records the claimer considers for one hint, at most (the query's LIMIT, earliest first), and the
 * originator's own calls it weighs when choosing the call (call-choice.ts). A call a second for the whole hour
 * fits. It was 256: a number called every 10 s takes about 360 calls an hour, so the records of the hour's last
 * part were never candidates, and the busy-number simulation with the node's scheduler fell from 100 % to 71 %
 * at 256 (busy-number.test.ts). Cost: the pick reads and scores every candidate, about 1 ms per 1,000.
 */
export const MAX_CANDIDATE_RECORDS = 4096

/** Fresh per run, chosen by the originator: 128 bits make a collision between two runs negligible. */
export const SID_BYTES = 16

/** Key confirmation tags (HMAC-SHA-512, truncated): 256 bits, no forgery by guessing. */
export const TAG_BYTES = 32

/** The session key handed to the exchange that follows a proof: a ChaCha20-Poly1305 key. */
export const SESSION_KEY_BYTES = 32

/** The DHT key of a number (src/core/number-key.ts): 128 bits. */
export const NUMBER_KEY_BYTES = 16

/**
 * Caps enforced by the claimer (src/validation/attempt-caps.ts, counts kept in the node's database). Failed runs
 * one remote peer may take part in with one of the claimer's call records, after which the record is spent FOR
 * THAT PEER: the originator that made the call needs one run per call, and three leave it room for a transient
 * failure or two (a timeout after the claimer picked the record counts as a failure too).
 */
export const FAILED_RUNS_PER_RECORD_AND_PEER = 3

/**
 * Failed runs a call record may take part in from all peers together, after which it is spent for everyone.
 * Counting per peer first means a stranger can no longer spend someone else's record alone (the denial of
 * service in docs/validation.md): it needs ceil(10 / 3) = 4 peer ids, each its own key pair and Noise session.
 * Peer ids are cheap, so this raises the cost, it does not remove the attack. The price: impostor originators
 * together get up to 10 guesses per record instead of 3 (about 1.7 bits), which the total keeps bounded.
 */
export const FAILED_RUNS_PER_RECORD = 10

/**
 * FAILED proof runs one remote peer may take part in per hour at a claimer (any run admitted that did not end in
 * a confirmed proof, with or without a record): a peer that asks without having called fails nearly every run
 * and is stopped after 20 an hour (480 a day, as before); an honest enterprise that calls this one's numbers
 * often fails rarely, so its successful runs no longer count against it (before, all runs counted, and a busy
 * caller hit the cap: 305 of 409 failures in the 30-minute soak).
 */
export const FAILED_RUNS_PER_PEER_PER_HOUR = 20

/**
 * Proof runs, successful ones included, one remote peer may start per hour: only a bound on work (a run costs
 * the claimer about 2.5 ms of CPU), one a second on average.
 */
export const ATTEMPTS_PER_PEER_PER_HOUR = 3600

/**
 * The claimer learns, per asking peer, where that peer's times sit against its own records (clock offset and
 * setup delay: mostly the same call after call) from the offsets of the records it proved for that peer, the
 * median of the last this many; its pick then scores records against that expectation instead of the cell's
 * middle. Uses only what the claimer already knows: costs the secret nothing.
 */
export const OFFSET_CALIBRATION_PROOFS = 16

/**
 * Proposed: runs the ORIGINATOR makes per call record and claimer. One: a claimer that fails is not asked
 * again about that call, so a domain claiming a number it does not own gets one guess per call it did not
 * receive, however many times it asks to be retried.
 */
export const RUNS_PER_CALL_AND_CLAIMER = 1

/**
 * The longest a learned route is kept after a validation, whatever expiry the claimer's offer names: the
 * ticket validity the claimer side mints by default (src/tickets/constants.ts). A claimer that stops answering
 * keeps its route until it expires (only a failed proof drops one), so the claimer must not be the one to
 * choose how long that is.
 */
export const MAX_ROUTE_LIFETIME_MS = 7 * 24 * 3600_000

/**
 * A learned route is dropped when its claimer fails the proof on this many distinct calls in a row (no success
 * between). The originator cannot tell an honest claimer's wrong pick from an impostor's wrong guess, and a
 * single wrong pick must not undo what an earlier proof established; two in a row happen to an honest claimer
 * with probability q^2 (q its wrong-pick rate), while a claimer holding a route it guessed loses it after two
 * later calls' validations. (Each run is about a distinct call: RUNS_PER_CALL_AND_CLAIMER.)
 */
export const FAILED_CALLS_TO_DROP_ROUTE = 2

/**
 * Distinct calls a claimer must prove, in a row, before its route to a number is used for calls, when it was
 * not trusted for the number before. An impostor claimer that knows the caller guesses one call's secret with
 * p = 3.7e-4 (guessing.ts), so a route it can use costs it p^2 = 1.4e-7 (target: 1e-6 per route); one proof
 * would be p itself. Two PSTN calls before IME for a new number: the target's maximum. A claimer trusted for the
 * number before (its route expired and is re-learned) needs one (trust.ts); in a conflict, more (ibid.).
 */
export const PROOFS_TO_TRUST = 2

/**
 * How much worse a record already proven scores in the claimer's pick (pickCallRecord): more than the right
 * record's usual distance from the expectation (under 1 s even uncalibrated: the issue-18 call-back needed
 * 110 ms), so a call-back proves the new call; small enough that a re-validation of the same call still finds
 * its record unless another of the hour's records fits within 1 s (4 % per other record: (2 x 1 s / Q)^2).
 */
export const PROVEN_RECORD_MARGIN_MS = 1_000

/**
 * The originator validates, of its calls to a number in the scheduled call's hour (same caller hint, ended within
 * the scheduler's delay range, not asked about before), the one whose nearest other call sits furthest from it on
 * the grids centred on it (call-choice.ts), unless the scheduled call's nearest is this far already: the claimer
 * can then mistake another call for it only if the two ends' records of the call differ from the pair's usual
 * offset by about 1 s, ten times the per-call jitter the busy-number bench assumes.
 */
export const SEPARATION_ENOUGH_MS = 2_000
