/** Chord tunables. Times in milliseconds. Each can be overridden per node through ChordConfig. */
import type { ChordConfig } from './chord-node.js'

export const DEFAULT_CHORD_CONFIG: ChordConfig = {
  // r: the successor list. With r = 8 a node survives 7 successive neighbours failing at once (a quarter of a
  // ring failing leaves a run of 8 dead with probability 0.25^8 = 0.0015 %). It must be at least replicas + 1
  // so that a lookup's answer names every holder of a record; beyond that, a node whose successor list
  // covers a key answers a lookup at once, saving a hop.
  successorListSize: 8,
  // Copies of each record on the successors of the responsible node, in addition to its own copy (4 holders in
  // all): with a quarter of the ring failing at once, all four are lost for 0.25^4 = 0.4 % of keys.
  replicas: 3,
  // RELOAD's chord-update-interval is 600 s; enterprise rings are small and change rarely, and reactive repair
  // (on any failed request) does most of the work, so 30 s (the Chord paper's simulations) is plenty.
  stabiliseIntervalMs: 30_000,
  fixFingersIntervalMs: 10_000,
  checkPredecessorIntervalMs: 30_000,
  // Loopback and LAN answers take milliseconds; 3 s tolerates a busy peer without stalling lookups for long.
  requestTimeoutMs: 3_000,
  // A claim lives 24 h and is re-stored every 6 h: an owner that vanishes stops being found within a day.
  recordTtlMs: 24 * 3600_000,
  republishIntervalMs: 6 * 3600_000,
  // A partition splits the ring into rings that Chord alone never joins again: each node retries one node it lost
  // this often. A minute heals a partition within minutes of its end, at one ping per node per minute.
  rediscoverIntervalMs: 60_000,
  // Several domains may claim one number, but not hundreds: more is an attack, not a business.
  maxRecordsPerKey: 32,
  maxRecordsPerStore: 2_000_000,
  // Lookups take ~1/2 log2 N steps; 64 is far beyond any honest ring and stops routing loops.
  maxLookupSteps: 64,
}

/**
 * How many next-hop candidates a node offers in answer to find-next, closest to the key first, so dead ones
 * can be skipped: with a quarter of the ring dead at once, all five are dead for 0.1 % of steps.
 */
export const NEXT_HOP_CANDIDATES = 5

/**
 * Each maintenance tick comes after its interval times a factor drawn in [1 - j, 1 + j]. Ticks of one node's
 * tasks, and of nodes started together, drift apart instead of firing together: with many nodes on one event
 * loop (a benchmark) or one host, bursts of stabilise and fix-fingers requests would queue behind each other
 * and behind lookups. 0.25 keeps the mean interval and spreads ticks over half of it.
 */
export const MAINTENANCE_JITTER = 0.25

/**
 * Requests in a row that must time out before a node is dropped from the routing tables (one that is refused or
 * reset is dropped at once). One timeout marks it suspected: lookups and holder walks route around it, and the
 * next request (a stabilisation, a ping, a lookup step) settles it. A hung node is thus forgotten one
 * maintenance round later than a crashed one; a live node behind a stalled event loop keeps its place.
 */
export const TIMEOUTS_BEFORE_FORGETTING = 2

/**
 * A get asks the key's holders at once (4 with 3 replicas) and merges their answers. Once all but this many have
 * answered, the rest get fetchGraceMs more and are then not waited for: every holder is sent every claim, so the
 * last answer rarely adds one, and waiting for it made the get's latency that of the slowest of four processes
 * (a stalled one costs hundreds of milliseconds on a loaded host).
 */
export const FETCH_STRAGGLERS_NOT_AWAITED = 1
/**
 * How long the last holder gets once the others have answered: as long again as they took, at least 25 ms.
 * Holders answer within a few milliseconds of each other unless one is stalled.
 */
export const fetchGraceMs = (msToQuorum: number): number => Math.max(25, msToQuorum)

/** Of n holders asked at once, how many answers a get waits for (then fetchGraceMs for the rest). */
export const fetchQuorum = (n: number): number =>
  n > FETCH_STRAGGLERS_NOT_AWAITED + 2 ? n - FETCH_STRAGGLERS_NOT_AWAITED : n

/**
 * A node answering a get's lookup with 'found' fetches from the holders for the asker (fetch-proof.ts): at most
 * this many such fetches at once (each is up to 4 requests; past it, the asker asks the holders itself), and for
 * at most this share of the request timeout, so that its answer reaches the asker well before the asker gives up
 * on it. A holder that has not answered by then is left out; the asker asks it itself.
 */
export const MAX_PASSED_ON_FETCHES = 64
export const PASSED_ON_FETCH_BUDGET = 1 / 3
/**
 * A node asked to forward a lookup step (find-next with forward) waits at most this share of the request timeout
 * for the node it asks (which may fetch for the asker in turn, within PASSED_ON_FETCH_BUDGET); past it, it answers
 * with its own candidates alone. Forwards count towards MAX_PASSED_ON_FETCHES.
 */
export const FORWARD_BUDGET = 2 / 3

/** Upper bound on a record's lifetime as received: twice the default TTL allows for config differences. */
export const MAX_RECORD_TTL_MS = 2 * 24 * 3600_000

/** Size limits on what a peer may send (bytes): a libp2p Ed25519 public key is 36 bytes, a signature 64. */
export const MAX_PUBLIC_KEY_BYTES = 128
export const MAX_SIGNATURE_BYTES = 128
/** At most this many records in one store or answer. */
export const MAX_RECORDS_PER_MESSAGE = 1024
/**
 * A joining node takes its share of the records in pages of MAX_RECORDS_PER_MESSAGE; at most this many pages
 * (about 1 million records, half the default store limit), so a peer answering badly cannot keep it busy.
 */
export const TAKE_RANGE_MAX_PAGES = 1024
/** At most this many node refs in one answer. */
export const MAX_NODE_REFS_PER_MESSAGE = 32
