/**
 * One Chord node: routing state (predecessor, successor list, fingers), the protocol's request handler,
 * iterative lookups, signed claim records with replication, and the maintenance that keeps all of it right.
 * Independent of any transport: it talks through a ChordTransport.
 */
import type { LRUCache } from 'lru-cache'
import { randomBytes } from 'node:crypto'
import { boundedCache } from '../core/bounded-cache.js'
import { systemClock, type Clock } from '../core/clock.js'
import { err, type Result } from '../core/result.js'
import {
  fingerStart,
  inHalfOpenInterval,
  inOpenInterval,
  RING_BITS,
  RING_SIZE,
  ringDistance,
  ringId,
  ringIdToHex,
  type RingId,
} from '../core/ring.js'
import {
  DEFAULT_CHORD_CONFIG,
  fetchGraceMs,
  fetchQuorum,
  FORWARD_BUDGET,
  MAINTENANCE_JITTER,
  MAX_PASSED_ON_FETCHES,
  MAX_NODE_REFS_PER_MESSAGE,
  MAX_RECORDS_PER_MESSAGE,
  NEXT_HOP_CANDIDATES,
  PASSED_ON_FETCH_BUDGET,
  TAKE_RANGE_MAX_PAGES,
  TIMEOUTS_BEFORE_FORGETTING,
} from './constants.js'
import {
  PeerUnreachableError,
  type ChordRequest,
  type ChordRequestHandler,
  type ChordResponse,
  type ChordTransport,
  type ClaimRecord,
  type HolderAnswer,
  type NodeRef,
} from './messages.js'
import { FETCH_NONCE_BYTES, holderSigned, signFetchAnswer } from './fetch-proof.js'
import { MemoryRecordStore, type RecordStore } from './record-store.js'
import { signClaim, verifyClaim, type ClaimSigner } from './records.js'
import { cleanSuccessorList, closestFollowing, closestPreceding, responsibleAmong } from './routing.js'
import { LATE, settleWithGrace } from './stragglers.js'

export type { ClaimSigner } from './records.js'

export interface ChordConfig {
  successorListSize: number
  replicas: number
  stabiliseIntervalMs: number
  fixFingersIntervalMs: number
  checkPredecessorIntervalMs: number
  requestTimeoutMs: number
  recordTtlMs: number
  republishIntervalMs: number
  maxRecordsPerKey: number
  maxRecordsPerStore: number
  maxLookupSteps: number
  /** How often a node tries to reach a node it lost (ms): how rings split by a partition merge again. */
  rediscoverIntervalMs: number
}

export interface LookupResult {
  /** The node responsible for the key (the first live one the lookup knows of). */
  readonly responsible: NodeRef
  /** The responsible node and the nodes after it: where the key's replicas live. */
  readonly successors: readonly NodeRef[]
  /** Remote nodes asked before the responsible node was known (0: this node knew already). */
  readonly hops: number
  /** Nodes that did not answer on the way (each cost a timeout on a real network). */
  readonly failures: number
  /** The holders' answers the answering node passed on (a get's lookup only; checked by the get). */
  readonly fetched?: readonly HolderAnswer[]
}

export type ChordEvent =
  | { type: 'successor'; node: NodeRef | null }
  | { type: 'predecessor'; node: NodeRef | null }
  /** A request failed; `forgotten`: the node was dropped from the tables (else it is only suspected, see ask()). */
  | { type: 'peer-failed'; node: NodeRef; reason: string; forgotten: boolean }
  | { type: 'record-refused'; from: NodeRef; reason: string }
  | { type: 'joined'; via: NodeRef }
  | { type: 'left' }

export interface ChordSnapshot {
  self: NodeRef
  predecessor: NodeRef | null
  successors: NodeRef[]
  /** Distinct finger nodes, nearest first. */
  fingers: NodeRef[]
  records: number
  ownClaims: number
}

interface OwnClaim {
  seq: bigint
  withdrawn: boolean
  republishAt: number
}

/**
 * Nodes remembered as failed or suspected at most; past it the oldest are forgotten first (a flood of node ids
 * must not wipe what is known of the nodes at hand, as clearing the whole table did).
 */
const MAX_DOUBTED_NODES = 10_000

export class ChordNode {
  readonly self: NodeRef
  readonly config: ChordConfig
  readonly handleRequest: ChordRequestHandler
  private readonly transport: ChordTransport
  private readonly signer: ClaimSigner
  private readonly clock: Clock
  private readonly records: RecordStore
  private readonly log: (event: ChordEvent) => void

  private predecessor: NodeRef | null = null
  private successors: NodeRef[] = []
  private readonly fingers: (NodeRef | undefined)[] = new Array<NodeRef | undefined>(RING_BITS)
  private distinctFingers: NodeRef[] | null = []
  private nextFingerToFix = RING_BITS - 1
  private readonly ownClaims = new Map<RingId, OwnClaim>()
  /** Nodes whose last request failed (bounded): a holder walk extends its list only from one that answered. */
  private readonly failed: LRUCache<RingId, true> = boundedCache(MAX_DOUBTED_NODES)
  /** Nodes whose last requests timed out, with how many in a row: forgotten at TIMEOUTS_BEFORE_FORGETTING. */
  private readonly suspected: LRUCache<RingId, number> = boundedCache(MAX_DOUBTED_NODES)
  /** Nodes this one lost contact with (and the node it joined through): tried again now and then. */
  private readonly lost = new Map<RingId, NodeRef>()
  private lastSeq = 0n
  /** Fetches and forwards this node is making for askers of gets (MAX_PASSED_ON_FETCHES at most). */
  private passingOn = 0
  private timers: ReturnType<typeof setTimeout>[] = []
  private running = false
  private stopped = false

  constructor(deps: {
    self: NodeRef
    transport: ChordTransport
    signer: ClaimSigner
    clock?: Clock
    config?: Partial<ChordConfig>
    records?: RecordStore
    log?: (event: ChordEvent) => void
  }) {
    this.self = deps.self
    this.transport = deps.transport
    this.signer = deps.signer
    this.clock = deps.clock ?? systemClock
    this.config = { ...DEFAULT_CHORD_CONFIG, ...deps.config }
    if (this.config.successorListSize < this.config.replicas + 1) {
      throw new RangeError(
        `successorListSize (${this.config.successorListSize}) must be at least replicas + 1 (${this.config.replicas + 1})`,
      )
    }
    this.records = deps.records ?? new MemoryRecordStore(this.config)
    this.log = deps.log ?? (() => {})
    this.handleRequest = (from, req) => this.answer(from, req)
  }

  // ---- membership -------------------------------------------------------------------------------------------

  /** Starts a new ring with this node alone on it. */
  create(): void {
    this.predecessor = null
    this.successors = []
  }

  /** Joins the ring that `bootstrap` belongs to, and takes over this node's share of the records. */
  async join(bootstrap: NodeRef): Promise<void> {
    this.remember(bootstrap)
    // A joining node's first request to a node may have to dial it (a connection and a Noise handshake), which on
    // a busy machine can outlast one request's timeout; a second try goes over the connection made by then.
    const found = await this.lookupFrom(this.self.id, [bootstrap]).catch(() =>
      this.lookupFrom(this.self.id, [bootstrap]),
    )
    const successor = found.responsible
    if (successor.id === this.self.id) throw new Error('another node on the ring already has this node id')
    this.setSuccessors([successor, ...found.successors.slice(1)])
    const getNeighbours = () => this.ask(successor, { type: 'get-neighbours' })
    const neighbours = await getNeighbours().catch(getNeighbours)
    if (neighbours.type === 'neighbours') {
      this.setSuccessors([successor, ...neighbours.successors])
      await this.takeRange(successor, (neighbours.predecessor ?? successor).id)
    }
    await this.ask(successor, { type: 'notify', candidate: this.self }).catch(() => undefined)
    this.log({ type: 'joined', via: bootstrap })
  }

  /**
   * Takes over the records with keys in (from, self] from the successor, page by page: each answer holds at most
   * MAX_RECORDS_PER_MESSAGE records, in ring order from `from`, cut between keys (so a full page may hold a few
   * less), and the next page starts after its last key. An empty page ends it: one extra request per join.
   */
  private async takeRange(successor: NodeRef, from: RingId): Promise<void> {
    for (let page = 0; page < TAKE_RANGE_MAX_PAGES; page++) {
      // A page is asked again once (it is idempotent): on a loaded host one request that timed out should not
      // fail the whole join (seen in CI: faults.test.ts's 16 joins at load 10).
      const ask = () => this.ask(successor, { type: 'take-range', from, to: this.self.id })
      const handed = await ask().catch(ask)
      if (handed.type !== 'records') return
      await this.keepVerified(successor, handed.records)
      if (handed.records.length === 0) return
      const last = handed.records[handed.records.length - 1]!.key
      // No progress (a peer ignoring the order) would loop: stop, and let replication and republishing fill in.
      if (!inOpenInterval(last, from, this.self.id)) return
      from = last
    }
  }

  /** Leaves gracefully: hands records to the successor and tells both neighbours, then stops. */
  async leave(): Promise<void> {
    this.stop()
    const successor = this.successors[0]
    const now = this.clock.now()
    const everything = this.records.range(this.self.id, this.self.id, now)
    const message: ChordRequest = { type: 'leaving', predecessor: this.predecessor, successors: this.successors }
    const notices: Promise<unknown>[] = []
    if (successor !== undefined) {
      for (let i = 0; i < everything.length; i += MAX_RECORDS_PER_MESSAGE) {
        notices.push(
          this.ask(successor, { type: 'store', records: everything.slice(i, i + MAX_RECORDS_PER_MESSAGE) }).catch(
            () => undefined,
          ),
        )
      }
      notices.push(this.ask(successor, message).catch(() => undefined))
    }
    if (this.predecessor !== null && this.predecessor.id !== successor?.id) {
      notices.push(this.ask(this.predecessor, message).catch(() => undefined))
    }
    await Promise.all(notices)
    this.successors = []
    this.predecessor = null
    this.log({ type: 'left' })
  }

  // ---- maintenance ------------------------------------------------------------------------------------------

  /** Starts the periodic maintenance timers (unref'd: they never keep a process alive). */
  start(): void {
    this.stopped = false
    // One slot per task, reused by each rescheduling: the list stays as long as the number of tasks. stop()
    // replaces the list, which also ends a task that was running then (even if the node is started again).
    const timers = this.timers
    const every = (ms: number, task: () => Promise<void>) => {
      const slot = timers.length
      const schedule = (delay: number) => {
        const t = setTimeout(tick, delay)
        t.unref?.()
        timers[slot] = t
      }
      const tick = () => {
        if (this.stopped || timers !== this.timers) return
        task()
          .catch(() => undefined)
          .finally(() => {
            if (!this.stopped && timers === this.timers) schedule(jittered(ms))
          })
      }
      // The first tick anywhere in the interval, the next ones spread around it: nodes started together (a
      // benchmark, a data centre after a power cut) would otherwise tick together, in bursts.
      schedule(ms * Math.random())
    }
    every(this.config.stabiliseIntervalMs, () => this.stabilise())
    every(this.config.checkPredecessorIntervalMs, () => this.checkPredecessor())
    every(this.config.fixFingersIntervalMs, () => this.fixNextFinger())
    every(Math.min(this.config.republishIntervalMs / 4, 60_000), () => this.republishDue())
    every(this.config.rediscoverIntervalMs, () => this.rediscover())
  }

  /** Stops the timers; the node answers requests until its transport is closed. Abrupt: no goodbye. */
  stop(): void {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
  }

  /** One full maintenance round now: predecessor check, stabilisation, every finger, due republications. */
  async maintain(): Promise<void> {
    await this.checkPredecessor()
    await this.stabilise()
    await this.fixFingers()
    await this.republishDue()
    await this.rediscover()
    this.records.purgeExpired(this.clock.now())
  }

  /**
   * Merging rings: after a partition each side repairs itself into a ring of its own, and Chord alone never
   * joins them again. So a node now and then tries one node it lost; if that node answers, the node looks its
   * own successor up through it, and adopts a nearer successor from the other ring. Stabilisation then weaves
   * the two rings into one, as after a join.
   */
  async rediscover(): Promise<void> {
    const candidates = [...this.lost.values()]
    const candidate = candidates[Math.floor(Math.random() * candidates.length)]
    if (candidate === undefined) return
    try {
      await this.transport.request(candidate, { type: 'ping' })
    } catch {
      return // still unreachable: kept, tried again later
    }
    this.lost.delete(candidate.id)
    this.failed.delete(candidate.id)
    // As in a join: who is responsible for our own id over there is our successor in that ring.
    const found = await this.lookupFrom(this.self.id, [candidate]).catch(() => undefined)
    const theirs = found?.responsible
    if (theirs === undefined || theirs.id === this.self.id) return
    const mine = this.successors[0]
    if (mine === undefined || inOpenInterval(theirs.id, this.self.id, mine.id)) {
      this.setSuccessors([theirs, ...(found?.successors.slice(1) ?? []), ...this.successors])
      await this.ask(theirs, { type: 'notify', candidate: this.self }).catch(() => undefined)
    } else {
      // Our successor is nearer: let it learn of the other ring's node, so that its side merges too.
      await this.ask(mine, { type: 'notify', candidate: theirs }).catch(() => undefined)
    }
  }

  /** Remembers a node to try again later (bounded: the most recent 64). */
  private remember(node: NodeRef): void {
    if (node.id === this.self.id) return
    this.lost.delete(node.id)
    this.lost.set(node.id, node)
    if (this.lost.size > 64) this.lost.delete(this.lost.keys().next().value!)
  }

  /**
   * Chord's stabilise: learn the successor's predecessor and successor list, then notify the successor. When the
   * successor's predecessor lies between this node and it, that node becomes the successor and is asked in turn,
   * in this same call: several nodes that joined one gap at once are so found in one stabilisation, where taking
   * one per call took one stabilisation period per node (a 128-node ring joined 16 nodes at a time came right 3
   * nodes per round).
   */
  async stabilise(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      const before = this.successors.map((s) => s.id).join()
      const listed = new Set(this.successors.map((s) => s.id))
      const maxSteps = 2 * this.config.successorListSize + 1
      for (let steps = 0; steps < maxSteps; steps++) {
        const successor = this.successors[0]
        if (successor === undefined) {
          // Alone, or all successors lost: a known predecessor is the way back into the ring.
          if (this.predecessor !== null) this.setSuccessors([this.predecessor])
          else return
          continue
        }
        let answer: ChordResponse
        try {
          answer = await this.ask(successor, { type: 'get-neighbours' })
        } catch {
          // Dropped by ask() (refused, or timed out again): try the next successor. Only suspected (one timeout):
          // it stays, and the next round asks it again; lookups meanwhile route around it.
          if (this.successors[0]?.id === successor.id) return
          continue
        }
        if (answer.type !== 'neighbours') return
        const x = answer.predecessor
        if (x !== null && x.id !== this.self.id && inOpenInterval(x.id, this.self.id, successor.id)) {
          this.setSuccessors([x, successor, ...answer.successors])
          // A node whose last request from here failed is taken, as plain Chord does, but not walked through.
          if (this.isKnownAlive(x)) continue
        } else {
          this.setSuccessors([successor, ...answer.successors])
        }
        break
      }
      const successor = this.successors[0]
      if (successor === undefined) return
      await this.ask(successor, { type: 'notify', candidate: this.self }).catch(() => undefined)
      if (this.successors.map((s) => s.id).join() === before) return
      // Nodes new to the list are pinged: a dead one is dropped now rather than at a lookup, and on libp2p the
      // connection stays open. This node answers 'found' for keys its list covers and then fetches from those
      // nodes for the asker (a get); dialling them then cost a TCP connect and a Noise handshake each time.
      const fresh = this.successors.filter((s) => !listed.has(s.id) && s.id !== successor.id)
      await Promise.all(fresh.map((s) => this.ask(s, { type: 'ping' }).catch(() => undefined)))
      await this.replicateOwnRange()
    } finally {
      this.running = false
    }
  }

  async checkPredecessor(): Promise<void> {
    const p = this.predecessor
    if (p === null) return
    await this.ask(p, { type: 'ping' }).catch(() => undefined)
  }

  private async fixNextFinger(): Promise<void> {
    const i = this.nextFingerToFix
    this.nextFingerToFix = i === 0 ? RING_BITS - 1 : i - 1
    await this.fixFinger(i)
  }

  /** Refreshes every finger now (about log2 N lookups, all at once). */
  async fixFingers(): Promise<void> {
    // From the farthest finger down; once a finger's start falls within (self, successor], all lower ones do
    // too and are simply the successor: about log2 N lookups instead of 128. The lookups do not depend on each
    // other, so they run together: one after another, a 128-node ring's set-up spent most of its time waiting
    // on them (each a few hops, most of them dialling).
    const successor = this.successors[0]
    const far: number[] = []
    for (let i = RING_BITS - 1; i >= 0; i--) {
      if (successor !== undefined && inHalfOpenInterval(fingerStart(this.self.id, i), this.self.id, successor.id)) {
        for (let j = i; j >= 0; j--) this.fingers[j] = successor
        this.distinctFingers = null
        break
      }
      far.push(i)
    }
    await Promise.all(far.map((i) => this.fixFinger(i)))
  }

  private async fixFinger(i: number): Promise<void> {
    if (this.successors.length === 0) return
    let finger: NodeRef | undefined
    try {
      const found = await this.lookup(fingerStart(this.self.id, i))
      // The answering node's list may still name nodes that have failed since it last stabilised: a finger
      // is taken only once it answers a ping (one message per finger), else the next in the list is tried.
      for (const candidate of found.successors.slice(0, this.config.replicas + 1)) {
        if (candidate.id === this.self.id) break
        if (
          await this.ask(candidate, { type: 'ping' }).then(
            () => true,
            () => false,
          )
        ) {
          finger = candidate
          break
        }
      }
    } catch {
      finger = undefined
    }
    this.fingers[i] = finger
    this.distinctFingers = null
  }

  /** Pushes the records this node is responsible for to its replica successors (after they changed). */
  private async replicateOwnRange(): Promise<void> {
    if (this.predecessor === null) return
    const mine = this.records.range(this.predecessor.id, this.self.id, this.clock.now())
    if (mine.length === 0) return
    await this.storeOn(this.successors.slice(0, this.config.replicas), mine)
  }

  // ---- lookups and records ----------------------------------------------------------------------------------

  /** Finds the node responsible for a key, iteratively, routing around nodes that do not answer. */
  lookup(key: RingId): Promise<LookupResult> {
    return this.lookupFrom(key, [])
  }

  /** Publishes (or refreshes) this node's signed claim on a key, on the responsible node and its replicas. */
  async publish(key: RingId): Promise<void> {
    await this.storeOwnClaim(key, false)
  }

  /** Replaces this node's claim on a key with a signed withdrawal. */
  async withdraw(key: RingId): Promise<void> {
    await this.storeOwnClaim(key, true)
  }

  /** The live claims on a key, from every owner, each verified here. */
  async get(key: RingId): Promise<{ records: ClaimRecord[]; hops: number }> {
    // The node that answers 'found' fetches from the holders for us (fetch-proof.ts): they are its successors,
    // to which it is connected, while from here most of them would have to be dialled first.
    const nonce = randomBytes(FETCH_NONCE_BYTES)
    const found = await this.lookupFrom(key, [], nonce)
    const now = this.clock.now()
    const latest = new Map<RingId, ClaimRecord>()
    const merge = async (records: readonly ClaimRecord[]) => {
      for (const r of records) {
        const known = latest.get(r.owner)
        // Checked before it competes: a forged or altered record with a higher seq must not push its owner's
        // real one out (it would then be dropped too, and the claim lost).
        if (r.key !== key || (known !== undefined && r.seq <= known.seq)) continue
        if ((await verifyClaim(r, now)).ok) latest.set(r.owner, r)
      }
    }
    // Every holder (the responsible node and its replicas) is asked, in parallel, and the answers merged: a
    // claim stored while the ring was changing may have reached only some of them, and several owners may
    // claim one key. Holders that do not answer are skipped (the walk extends past them) and do not count.
    const wanted = this.config.replicas + 1
    const named = new Set(found.successors.slice(0, wanted).map((n) => n.id))
    const passedOn = new Set<RingId>()
    for (const answer of found.fetched ?? []) {
      if (!named.has(answer.holder) || passedOn.has(answer.holder)) continue
      if (!(await holderSigned(answer, nonce, key))) continue
      passedOn.add(answer.holder)
      await merge(answer.records)
    }
    // As many answers as asking them all from here would have waited for: the others count as not waited for.
    let answered = passedOn.size >= fetchQuorum(wanted) ? wanted : passedOn.size
    const walk = this.holders(found.successors, passedOn)
    while (answered < wanted) {
      const batch: NodeRef[] = []
      while (batch.length < wanted - answered) {
        const next = await walk.next()
        if (next.done === true) break
        batch.push(next.value)
      }
      if (batch.length === 0) break
      // Of four holders, the last to answer is not waited for past a grace once the other three have answered:
      // a claim is stored on every holder, and one holder whose process stalls would set the get's latency alone.
      // A holder not waited for counts as asked (the walk does not go past it).
      const answers = await settleWithGrace(
        batch.map((holder) =>
          holder.id === this.self.id
            ? Promise.resolve(this.fetchLocal(key))
            : this.ask(holder, { type: 'fetch', key }).catch(() => null),
        ),
        fetchQuorum(batch.length),
        fetchGraceMs,
      )
      for (const answer of answers) {
        if (answer === null) continue
        answered++
        if (answer === LATE) continue
        if (answer.type === 'records') await merge(answer.records)
      }
    }
    const live = [...latest.values()].filter((r) => !r.withdrawn)
    return { records: live, hops: found.hops }
  }

  /**
   * For a get's lookup this node answered with 'found': the holders' signed answers to the asker's nonce, those
   * that came within the budget. The asker checks each, and asks the holders left out itself.
   */
  private async fetchForAsker(key: RingId, nonce: Uint8Array, successors: readonly NodeRef[]): Promise<HolderAnswer[]> {
    const holders = successors.slice(0, this.config.replicas + 1)
    const answers = await this.forAsker(PASSED_ON_FETCH_BUDGET, (expired) =>
      settleWithGrace(
        holders.map((holder) =>
          Promise.race([
            expired,
            holder.id === this.self.id
              ? this.signedFetchLocal(key, nonce).catch(() => null)
              : this.ask(holder, { type: 'fetch', key, nonce }).catch(() => null),
          ]).then((answer): HolderAnswer | null =>
            answer?.type === 'records' && answer.proof !== undefined
              ? { holder: holder.id, records: answer.records, proof: answer.proof }
              : null,
          ),
        ),
        fetchQuorum(holders.length),
        fetchGraceMs,
      ),
    )
    // A holder that had not answered within the budget is left to the asker; one message's worth of records.
    const out: HolderAnswer[] = []
    let records = 0
    for (const answer of answers) {
      if (answer === null || answer === LATE || records + answer.records.length > MAX_RECORDS_PER_MESSAGE) continue
      records += answer.records.length
      out.push(answer)
    }
    return out
  }

  snapshot(): ChordSnapshot {
    return {
      self: this.self,
      predecessor: this.predecessor,
      successors: [...this.successors],
      fingers: [...this.knownFingers()],
      records: this.records.size(),
      ownClaims: this.ownClaims.size,
    }
  }

  private async storeOwnClaim(key: RingId, withdrawn: boolean): Promise<void> {
    const now = this.clock.now()
    // Seq follows the clock (in microseconds) so it keeps increasing across restarts of the owner.
    const seq = BigInt(now) * 1000n > this.lastSeq ? BigInt(now) * 1000n : this.lastSeq + 1n
    this.lastSeq = seq
    const record = await signClaim(this.signer, { key, seq, expiresAt: now + this.config.recordTtlMs, withdrawn })
    this.ownClaims.set(key, { seq, withdrawn, republishAt: now + this.config.republishIntervalMs })
    const found = await this.lookup(key)
    // The responsible node and its replicas are the first replicas + 1 live nodes of the successor list.
    let stored = 0
    for await (const holder of this.holders(found.successors)) {
      stored += await this.storeOn([holder], [record])
      if (stored > this.config.replicas) break
    }
    if (stored === 0) throw new Error('no holder of the key accepted the claim')
  }

  private async republishDue(): Promise<void> {
    const now = this.clock.now()
    for (const [key, claim] of this.ownClaims) {
      if (claim.republishAt > now) continue
      await this.storeOwnClaim(key, claim.withdrawn).catch(() => undefined)
      // A withdrawal only needs to outlive the claim it replaces; then it is forgotten.
      if (claim.withdrawn && claim.republishAt + this.config.recordTtlMs < now) this.ownClaims.delete(key)
    }
  }

  /** Stores records on each of the nodes (self included, directly); returns how many nodes accepted. */
  private async storeOn(holders: readonly NodeRef[], records: readonly ClaimRecord[]): Promise<number> {
    const results = await Promise.all(
      holders.map(async (holder) => {
        if (holder.id === this.self.id) {
          const answer = await this.keepVerified(this.self, records)
          return answer.accepted > 0 || records.length === 0
        }
        for (let i = 0; i < records.length; i += MAX_RECORDS_PER_MESSAGE) {
          const answer = await this.ask(holder, {
            type: 'store',
            records: records.slice(i, i + MAX_RECORDS_PER_MESSAGE),
          }).catch(() => null)
          if (answer === null || answer.type !== 'stored') return false
        }
        return true
      }),
    )
    return results.filter(Boolean).length
  }

  /**
   * The holders of a key, in ring order, from a lookup's successor list. When the list runs out (its first
   * nodes did not answer, or the answering node knew only a few), it is extended with the successor list of
   * the last node that answered, so replicas further round the ring are still found. Nodes in `skip` (their
   * answers are in already) are not yielded.
   */
  private async *holders(list: readonly NodeRef[], skip: ReadonlySet<RingId> = new Set()): AsyncGenerator<NodeRef> {
    const seen = new Set<RingId>(skip)
    let pending = [...list]
    for (let extensions = 0; extensions <= 2; extensions++) {
      for (const node of pending) {
        if (seen.has(node.id)) continue
        seen.add(node.id)
        yield node
      }
      // Judged now, once the nodes yielded have been asked: a node named last but dead cannot extend the list.
      const lastAlive = pending.findLast((node) => node.id === this.self.id || this.isKnownAlive(node))
      const last = pending[pending.length - 1]
      let more: readonly NodeRef[] = []
      if (lastAlive !== undefined) {
        more =
          lastAlive.id === this.self.id
            ? this.successors
            : await this.ask(lastAlive, { type: 'get-neighbours' }).then(
                (a) => (a.type === 'neighbours' ? a.successors : []),
                () => [],
              )
      }
      if (more.every((n) => seen.has(n.id)) && last !== undefined && last.id !== this.self.id) {
        // No node named could extend the list (all failed): the answer came from a node whose successor list
        // was out of date, several of its neighbours having failed at once (it learns of that at its next
        // stabilisation). The live holders follow the last node named: found by looking up the point just
        // past it, which routes around the failed nodes this node now knows of.
        more = await this.lookup(ringId((last.id + 1n) % RING_SIZE)).then(
          (found) => found.successors,
          () => [],
        )
      }
      pending = more.filter((n) => !seen.has(n.id))
      if (pending.length === 0) return
    }
  }

  /** A node is taken to be alive until a request to it fails (then it is forgotten everywhere). */
  private isKnownAlive(node: NodeRef): boolean {
    return !this.failed.has(node.id)
  }

  /**
   * `fetch`: a get's nonce, sent with each step (the node that answers 'found' fetches from the holders), and
   * each step asks for one forward (the node asked passes on its best candidate's answer).
   */
  private async lookupFrom(key: RingId, start: readonly NodeRef[], fetch?: Uint8Array): Promise<LookupResult> {
    // Local step: this node may know the answer already.
    const local = start.length === 0 ? this.findNextLocal(key) : null
    if (local?.type === 'found') {
      return { responsible: local.successors[0]!, successors: local.successors, hops: 0, failures: 0 }
    }
    const precedes = (n: NodeRef) => inOpenInterval(n.id, this.self.id, key)
    // Candidates before the key, to route through: every node this one knows, so dead next hops can be skipped.
    const before = new Map<RingId, NodeRef>()
    // Nodes just after the key, named by a node whose successor list reaches past it: one of them is responsible.
    const after = new Map<RingId, NodeRef>()
    // Nodes whose last request from here failed or timed out (suspected, or forgotten but named again by a peer
    // whose tables are older): asked only when no other candidate is left, so one slow node costs one timeout.
    const doubtful = new Map<RingId, NodeRef>()
    const consider = (nodes: readonly NodeRef[], fromAnswer: boolean) => {
      for (const n of nodes) {
        if (asked.has(n.id)) continue
        if (this.failed.has(n.id)) doubtful.set(n.id, n)
        else if (precedes(n)) before.set(n.id, n)
        else if (fromAnswer) after.set(n.id, n)
      }
    }
    const asked = new Set<RingId>([this.self.id])
    if (start.length > 0) for (const n of start) before.set(n.id, n)
    else consider([...this.successors, ...this.knownFingers()], false)
    if (local?.type === 'next') consider(local.candidates, true)
    // Progress: a node before the key that answered sets how near we are; candidates nearer than that come first,
    // then the nodes just after the key (when every node just before it has failed), then farther ones.
    let nearest = start.length === 0 ? ringDistance(this.self.id, key) : RING_SIZE
    let hops = 0
    let failures = 0
    let implausible: LookupResult | undefined
    /** One answer to a step, from `from`: the result if it ends the lookup, else its candidates are considered. */
    const take = (from: NodeRef, answer: ChordResponse): LookupResult | undefined => {
      if (answer.type === 'found') {
        if (answer.successors.length === 0) return undefined
        const result = {
          responsible: answer.successors[0]!,
          successors: answer.successors,
          hops,
          failures,
          ...(answer.fetched !== undefined && { fetched: answer.fetched }),
        }
        // A node that names itself responsible, while a node known here to be alive lies between the key and it,
        // cannot be right (a node that lies claims every key as its own). Route on around it; its answer is kept
        // only as a last resort. Only such self-claims are checked: an honest node's answer naming its successors
        // is often checked against nodes that have just failed, and rejecting it would slow recovery from churn.
        const seen = [...before.values(), ...after.values()]
        if (result.responsible.id === from.id && this.knowsNodeBefore(key, result.responsible, seen)) {
          implausible ??= result
          return undefined
        }
        return result
      }
      if (answer.type !== 'next') return undefined
      if (precedes(from) && ringDistance(from.id, key) < nearest) nearest = ringDistance(from.id, key)
      consider(answer.candidates, true)
      return undefined
    }
    for (let step = 0; step < this.config.maxLookupSteps; step++) {
      const best = closestPreceding(this.self.id, key, before.values(), 1)[0]
      const next =
        (best !== undefined && ringDistance(best.id, key) < nearest
          ? best
          : (closestFollowing(key, after.values()) ?? best)) ??
        closestPreceding(this.self.id, key, doubtful.values(), 1)[0] ??
        doubtful.values().next().value
      if (next === undefined) break
      asked.add(next.id)
      before.delete(next.id)
      after.delete(next.id)
      doubtful.delete(next.id)
      let answer: ChordResponse
      try {
        answer = await this.ask(next, { type: 'find-next', key, ...(fetch !== undefined && { fetch, forward: true }) })
        hops++
      } catch {
        failures++
        continue
      }
      const result = take(next, answer)
      if (result !== undefined) return result
      // The node asked its best candidate for us: that answer counts as a step of ours (hops included). Only a
      // node it named, and one not asked yet.
      if (answer.type !== 'next' || answer.forwarded === undefined) continue
      const { from: via, answer: viaAnswer } = answer.forwarded
      if (asked.has(via.id) || !answer.candidates.some((n) => n.id === via.id)) continue
      asked.add(via.id)
      before.delete(via.id)
      after.delete(via.id)
      doubtful.delete(via.id)
      hops++
      const viaResult = take(via, viaAnswer)
      if (viaResult !== undefined) return viaResult
    }
    if (implausible !== undefined) return { ...implausible, hops, failures }
    throw new Error(`lookup of ${ringIdToHex(key)} failed after ${hops} hops and ${failures} unanswered requests`)
  }

  /**
   * Whether a node this one knows and takes to be alive (its tables, or `seen` in this lookup) lies in
   * [key, claimed): then `claimed` cannot be the key's successor.
   */
  private knowsNodeBefore(key: RingId, claimed: NodeRef, seen: readonly NodeRef[]): boolean {
    const known = [...this.successors, ...this.knownFingers(), ...(this.predecessor ? [this.predecessor] : []), ...seen]
    return known.some(
      (n) => n.id !== claimed.id && this.isKnownAlive(n) && (n.id === key || inOpenInterval(n.id, key, claimed.id)),
    )
  }

  /** The find-next step, answered from this node's own tables. */
  private findNextLocal(key: RingId): Extract<ChordResponse, { type: 'found' | 'next' }> {
    if (this.successors.length === 0) return { type: 'found', successors: [this.self] }
    if (this.predecessor !== null && inHalfOpenInterval(key, this.predecessor.id, this.self.id)) {
      return { type: 'found', successors: [this.self, ...this.successors] }
    }
    const known = responsibleAmong(this.self.id, key, this.successors, this.config.replicas + 1)
    if (known !== null) return { type: 'found', successors: known }
    // Nodes suspected here (their last request timed out) are offered only when no other node before the key is
    // known: with none offered, this node would answer 'found' with its own successors, which is wrong.
    const table = [...this.successors, ...this.knownFingers()]
    const trusted = closestPreceding(
      this.self.id,
      key,
      table.filter((n) => this.isKnownAlive(n)),
      NEXT_HOP_CANDIDATES,
    )
    const candidates = trusted.length > 0 ? trusted : closestPreceding(this.self.id, key, table, NEXT_HOP_CANDIDATES)
    // The key lies within the successor list but too near its end to name every holder: the nodes just before
    // it answer better; the nodes just after it are offered too, for when all those before it have failed.
    const after = this.successors.filter((s) => !inOpenInterval(s.id, this.self.id, key))
    if (after.length > 0 && after.length < this.successors.length) {
      return { type: 'next', candidates: [...candidates, ...after.slice(0, 3)] }
    }
    if (candidates.length === 0) return { type: 'found', successors: this.successors }
    return { type: 'next', candidates }
  }

  private fetchLocal(key: RingId): Extract<ChordResponse, { type: 'records' }> {
    return { type: 'records', records: this.records.get(key, this.clock.now()).slice(0, MAX_RECORDS_PER_MESSAGE) }
  }

  /** The records held here for a key, signed with the nonce so that another node can pass them on. */
  private async signedFetchLocal(key: RingId, nonce: Uint8Array): Promise<Extract<ChordResponse, { type: 'records' }>> {
    const { records } = this.fetchLocal(key)
    return { type: 'records', records, proof: await signFetchAnswer(this.signer, nonce, key, this.self.id, records) }
  }

  // ---- answering requests -----------------------------------------------------------------------------------

  private async answer(from: NodeRef, req: ChordRequest): Promise<ChordResponse> {
    switch (req.type) {
      case 'ping':
        return { type: 'pong' }
      case 'get-neighbours':
        return { type: 'neighbours', predecessor: this.predecessor, successors: this.successors }
      case 'notify':
        // The candidate carries the sender's own addresses; it must be the sender (authenticated by the transport).
        if (req.candidate.id !== from.id) return { type: 'error', reason: 'notify: the candidate must be the sender' }
        this.considerPredecessor(req.candidate)
        return { type: 'ack' }
      case 'find-next':
        return this.answerFindNext(req)
      case 'store': {
        if (req.records.length > MAX_RECORDS_PER_MESSAGE) {
          return { type: 'error', reason: `at most ${MAX_RECORDS_PER_MESSAGE} records per store` }
        }
        const result = await this.keepVerified(from, req.records)
        return { type: 'stored', accepted: result.accepted, rejected: result.rejected }
      }
      case 'fetch':
        if (req.nonce === undefined) return this.fetchLocal(req.key)
        if (req.nonce.length !== FETCH_NONCE_BYTES)
          return { type: 'error', reason: `fetch: the nonce must be ${FETCH_NONCE_BYTES} bytes` }
        return this.signedFetchLocal(req.key, req.nonce)
      case 'take-range':
        return { type: 'records', records: rangePage(this.records.range(req.from, req.to, this.clock.now()), req.from) }
      case 'leaving': {
        // The sender is departing: close the gap with the neighbours it names (stabilise corrects any lie).
        const wasSuccessor = this.successors[0]?.id === from.id
        const wasPredecessor = this.predecessor?.id === from.id
        this.forget(from)
        if (wasSuccessor || this.successors.length === 0) this.setSuccessors([...this.successors, ...req.successors])
        if (wasPredecessor && req.predecessor !== null && req.predecessor.id !== this.self.id) {
          this.setPredecessor(req.predecessor)
        }
        return { type: 'ack' }
      }
      default: {
        const unknown: never = req
        return { type: 'error', reason: `unknown request ${(unknown as { type: string }).type}` }
      }
    }
  }

  /**
   * A lookup step. For a get (`fetch`), the node answering 'found' fetches from the holders for the asker; with
   * `forward`, a node answering 'next' asks its best candidate itself and passes that answer on: the asker's next
   * step would have dialled a node it seldom knows, while this node is connected to it (its finger or successor).
   * One level only: the node asked does not forward again. Past MAX_PASSED_ON_FETCHES of these at once, the plain
   * answer.
   */
  private async answerFindNext(req: Extract<ChordRequest, { type: 'find-next' }>): Promise<ChordResponse> {
    const local = this.findNextLocal(req.key)
    if (req.fetch !== undefined && req.fetch.length !== FETCH_NONCE_BYTES) {
      return { type: 'error', reason: `find-next: the fetch nonce must be ${FETCH_NONCE_BYTES} bytes` }
    }
    if (this.passingOn >= MAX_PASSED_ON_FETCHES) return local
    if (local.type === 'found') {
      if (req.fetch === undefined) return local
      return { ...local, fetched: await this.fetchForAsker(req.key, req.fetch, local.successors) }
    }
    const via = local.candidates[0]
    if (req.forward !== true || via === undefined) return local
    const step: ChordRequest =
      req.fetch === undefined
        ? { type: 'find-next', key: req.key }
        : { type: 'find-next', key: req.key, fetch: req.fetch }
    const answer = await this.forAsker(FORWARD_BUDGET, (expired) =>
      Promise.race([expired, this.ask(via, step).catch(() => null)]),
    )
    if (answer?.type === 'found') {
      const { successors, fetched } = answer
      return { ...local, forwarded: { from: via, answer: { type: 'found', successors, ...(fetched && { fetched }) } } }
    }
    if (answer?.type === 'next') {
      return { ...local, forwarded: { from: via, answer: { type: 'next', candidates: answer.candidates } } }
    }
    // It did not answer in time (now suspected, or forgotten): this node's own answer, without it if need be.
    return this.findNextLocal(req.key)
  }

  /**
   * Work done for an asker: counted towards MAX_PASSED_ON_FETCHES while it runs; each task's value, or null for
   * those still running at `share` of the request timeout.
   */
  private async forAsker<T>(share: number, tasks: (expired: Promise<null>) => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const expired = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.config.requestTimeoutMs * share)
    })
    this.passingOn++
    try {
      return await tasks(expired)
    } finally {
      clearTimeout(timer)
      this.passingOn--
    }
  }

  private considerPredecessor(candidate: NodeRef): void {
    if (candidate.id === this.self.id) return
    if (this.predecessor === null || inOpenInterval(candidate.id, this.predecessor.id, this.self.id)) {
      this.setPredecessor(candidate)
    }
    // A node alone on its ring takes the first node that finds it as its successor too.
    if (this.successors.length === 0) this.setSuccessors([candidate])
  }

  private async keepVerified(
    from: NodeRef,
    records: readonly ClaimRecord[],
  ): Promise<{ accepted: number; rejected: { index: number; reason: string }[] }> {
    const now = this.clock.now()
    let accepted = 0
    const rejected: { index: number; reason: string }[] = []
    for (let index = 0; index < records.length; index++) {
      const checked: Result<ClaimRecord> = await verifyClaim(records[index]!, now)
      const put = checked.ok ? this.records.put(checked.value, now) : err(checked.error)
      if (put.ok) accepted++
      else {
        rejected.push({ index, reason: put.error })
        this.log({ type: 'record-refused', from, reason: put.error })
      }
    }
    return { accepted, rejected }
  }

  // ---- routing state ----------------------------------------------------------------------------------------

  /**
   * Sends a request. A peer that cannot be reached (refused, reset, gone) is dropped from every table at once. A
   * peer that only ran out of time is suspected: lookups route around it, but it keeps its place in the tables
   * until TIMEOUTS_BEFORE_FORGETTING requests in a row time out. On a busy machine (or behind a busy event loop,
   * ours or the peer's) one timeout says little; forgetting a live successor or predecessor on it put claims on
   * the wrong nodes while a 64-node ring was being filled (docs/chord.md).
   */
  private async ask(to: NodeRef, req: ChordRequest): Promise<ChordResponse> {
    try {
      // The transport enforces the request timeout (libp2p: config.requestTimeoutMs); no timer is made here,
      // which matters when a simulation sends millions of requests a minute.
      const answer = await this.transport.request(to, req)
      this.failed.delete(to.id)
      this.suspected.delete(to.id)
      return answer
    } catch (e) {
      if (e instanceof PeerUnreachableError) {
        this.noteFailed(to)
        const timeouts = e.timedOut ? (this.suspected.get(to.id) ?? 0) + 1 : TIMEOUTS_BEFORE_FORGETTING
        const forgotten = timeouts >= TIMEOUTS_BEFORE_FORGETTING
        if (forgotten) {
          this.suspected.delete(to.id)
          this.forget(to)
          this.remember(to)
        } else {
          this.suspected.set(to.id, timeouts)
        }
        this.log({ type: 'peer-failed', node: to, reason: e.message, forgotten })
      }
      throw e
    }
  }

  /** Remembers recent failures (bounded), so a holder walk knows which nodes answered. */
  private noteFailed(node: NodeRef): void {
    this.failed.set(node.id, true)
  }

  /** Reactive repair: removes a failed or departed node from the predecessor, successor list and fingers. */
  private forget(node: NodeRef): void {
    if (this.predecessor?.id === node.id) this.setPredecessor(null)
    if (this.successors.some((s) => s.id === node.id))
      this.setSuccessors(this.successors.filter((s) => s.id !== node.id))
    let changed = false
    for (let i = 0; i < RING_BITS; i++) {
      if (this.fingers[i]?.id === node.id) {
        this.fingers[i] = undefined
        changed = true
      }
    }
    if (changed) this.distinctFingers = null
    // Every successor gone (a run of r failures): the nearest node still known, going clockwise, stands in
    // until stabilisation finds the real one. Without this the node would think itself alone on the ring and
    // answer every lookup with itself.
    if (this.successors.length === 0) {
      const known = [...this.knownFingers(), ...(this.predecessor === null ? [] : [this.predecessor])]
      known.sort((a, b) => {
        const da = ringDistance(this.self.id, a.id)
        const db = ringDistance(this.self.id, b.id)
        return da < db ? -1 : da > db ? 1 : 0
      })
      if (known.length > 0) this.setSuccessors(known)
    }
  }

  private setSuccessors(nodes: Iterable<NodeRef>): void {
    const before = this.successors[0]?.id
    this.successors = cleanSuccessorList(
      this.self.id,
      nodes,
      Math.min(this.config.successorListSize, MAX_NODE_REFS_PER_MESSAGE),
    )
    if (this.successors[0]?.id !== before) this.log({ type: 'successor', node: this.successors[0] ?? null })
  }

  private setPredecessor(node: NodeRef | null): void {
    if (node?.id === this.predecessor?.id) return
    this.predecessor = node
    this.log({ type: 'predecessor', node })
  }

  private knownFingers(): NodeRef[] {
    if (this.distinctFingers === null) {
      const seen = new Set<RingId>()
      this.distinctFingers = []
      for (const f of this.fingers) {
        if (f === undefined || seen.has(f.id)) continue
        seen.add(f.id)
        this.distinctFingers.push(f)
      }
    }
    return this.distinctFingers
  }

  /** For simulations that build a converged ring directly: sets the routing state as Chord would reach it. */
  installRoutingState(state: {
    predecessor: NodeRef | null
    successors: readonly NodeRef[]
    fingers: readonly (NodeRef | undefined)[]
  }): void {
    this.predecessor = state.predecessor
    this.successors = cleanSuccessorList(this.self.id, state.successors, this.config.successorListSize)
    for (let i = 0; i < RING_BITS; i++) this.fingers[i] = state.fingers[i]
    this.distinctFingers = null
  }
}

/** An interval with MAINTENANCE_JITTER applied: uniform in [ms (1 - j), ms (1 + j)]. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return ms * (1 + MAINTENANCE_JITTER * (2 * random() - 1))
}

/**
 * One page of a take-range answer: the records in ring order from `from`, at most MAX_RECORDS_PER_MESSAGE,
 * cut between two keys so that no key's claims are split across pages (the asker resumes after the last key).
 */
export function rangePage(records: readonly ClaimRecord[], from: RingId): ClaimRecord[] {
  const sorted = [...records].sort((a, b) => {
    const da = ringDistance(from, a.key)
    const db = ringDistance(from, b.key)
    return da < db ? -1 : da > db ? 1 : 0
  })
  if (sorted.length <= MAX_RECORDS_PER_MESSAGE) return sorted
  let end = MAX_RECORDS_PER_MESSAGE
  const boundary = sorted[end]!.key
  while (end > 0 && sorted[end - 1]!.key === boundary) end--
  // One key with more claims than a page (impossible with maxRecordsPerKey = 32): send a full page anyway.
  return sorted.slice(0, end === 0 ? MAX_RECORDS_PER_MESSAGE : end)
}
