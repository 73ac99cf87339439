/**
 * Ticket keys, versioned by epoch (1..255). One key is active for minting at a time; after a rotation the
 * previous keys still verify for a grace period, then are refused. Pure: time comes in as an argument,
 * randomness and persistence are injected.
 */
import { err, ok, type Result } from '../core/result.js'
import { DEFAULT_EPOCH_GRACE_S, TICKET_KEY_BYTES } from './constants.js'

export interface TicketKey {
  readonly epoch: number
  readonly secret: Uint8Array
  /** When it became the active key (ms since the Unix epoch). */
  readonly activatedAt: number
  /** When a newer key replaced it (ms), or null while it is the active one. */
  readonly retiredAt: number | null
}

/** Where keys are kept (the node's SQLite store, or memory in tests). */
export interface TicketKeyStore {
  loadKeys(): TicketKey[]
  saveKey(key: TicketKey): void
}

export class TicketKeyRing {
  private readonly keys = new Map<number, TicketKey>()

  constructor(
    private readonly store: TicketKeyStore,
    private readonly randomBytes: (n: number) => Uint8Array,
    readonly graceSeconds: number = DEFAULT_EPOCH_GRACE_S,
  ) {
    for (const key of store.loadKeys()) this.keys.set(key.epoch, key)
  }

  /** The key that mints new tickets; creates the first one (epoch 1) on a fresh store. */
  active(nowMs: number): TicketKey {
    for (const key of this.keys.values()) if (key.retiredAt === null) return key
    return this.install(1, nowMs)
  }

  /**
   * Makes a fresh key active and retires the current one (its tickets stay valid for the grace period).
   * Epochs count 1..255 and wrap; an epoch is reused only once its old key is past its grace period.
   */
  rotate(nowMs: number): Result<TicketKey> {
    const current = this.active(nowMs)
    for (let step = 1; step <= 255; step++) {
      const epoch = ((current.epoch - 1 + step) % 255) + 1
      const old = this.keys.get(epoch)
      if (old === undefined || this.pastGrace(old, nowMs)) {
        const retired: TicketKey = { ...current, retiredAt: nowMs }
        this.keys.set(retired.epoch, retired)
        this.store.saveKey(retired)
        return ok(this.install(epoch, nowMs))
      }
    }
    return err('all 255 key epochs are still within their grace period; wait before rotating again')
  }

  /** The key for a ticket's epoch, if that epoch may still verify tickets now. */
  verifyingKey(epoch: number, nowMs: number): Result<TicketKey> {
    const key = this.keys.get(epoch)
    if (key === undefined) return err(`key epoch ${epoch} is unknown here`)
    if (this.pastGrace(key, nowMs)) {
      return err(`key epoch ${epoch} retired at ${new Date(key.retiredAt!).toISOString()} and its grace period ended`)
    }
    return ok(key)
  }

  /** What an operator page shows: epochs and dates, never secrets. */
  describe(): { epoch: number; activatedAt: number; retiredAt: number | null }[] {
    return [...this.keys.values()]
      .sort((a, b) => a.activatedAt - b.activatedAt)
      .map(({ epoch, activatedAt, retiredAt }) => ({ epoch, activatedAt, retiredAt }))
  }

  private pastGrace(key: TicketKey, nowMs: number): boolean {
    return key.retiredAt !== null && nowMs > key.retiredAt + this.graceSeconds * 1000
  }

  private install(epoch: number, nowMs: number): TicketKey {
    const key: TicketKey = { epoch, secret: this.randomBytes(TICKET_KEY_BYTES), activatedAt: nowMs, retiredAt: null }
    this.keys.set(epoch, key)
    this.store.saveKey(key)
    return key
  }
}

/** Keys kept in memory only: for tests and for throwaway nodes. */
export class MemoryTicketKeyStore implements TicketKeyStore {
  private readonly keys = new Map<number, TicketKey>()
  loadKeys(): TicketKey[] {
    return [...this.keys.values()]
  }
  saveKey(key: TicketKey): void {
    this.keys.set(key.epoch, key)
  }
}
