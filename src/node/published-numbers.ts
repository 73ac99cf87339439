/**
 * The numbers this enterprise publishes on the ring: claimed in the DHT, kept in the store (so that one dropped
 * from the plan is withdrawn at the next start), and looked up by key when a validating peer names one.
 */
import { isE164, type E164 } from '../core/e164.js'
import type { NumberKeyCache } from '../core/number-key.js'
import { ringIdToHex, type RingId } from '../core/ring.js'
import { err, ok, type Result } from '../core/result.js'
import type { ChordNode } from '../dht/chord-node.js'
import type { SqlitePublishedNumberStore } from '../store/published-number-store.js'

export class PublishedNumbers {
  private readonly byNumber = new Map<E164, RingId>()
  private readonly byKey = new Map<string, E164>()

  constructor(
    private readonly deps: {
      readonly chord: Pick<ChordNode, 'publish' | 'withdraw'>
      readonly store: SqlitePublishedNumberStore
      readonly numberKeys: NumberKeyCache
    },
  ) {}

  /** Numbers published, with their keys. */
  get published(): ReadonlyMap<E164, RingId> {
    return this.byNumber
  }

  /** The published number with this key (its bytes), if any. */
  numberOf(key: Uint8Array): E164 | undefined {
    return this.byKey.get(Buffer.from(key).toString('hex'))
  }

  /**
   * Publishes the plan's numbers; with a plan given, withdraws the numbers published before that it no longer
   * lists (a signed withdrawal replaces their claims). Without a plan, earlier claims are left as they are.
   */
  async publishPlan(
    plan: readonly E164[] | undefined,
    onProgress?: (done: number, total: number) => void,
  ): Promise<void> {
    const numbers = plan ?? []
    const keys = await this.deps.numberKeys.keys(numbers, { ...(onProgress !== undefined && { onProgress }) })
    for (let i = 0; i < numbers.length; i++) await this.publishKeyed(numbers[i]!, keys[i]!)
    for (const old of plan === undefined ? [] : this.deps.store.list()) {
      if (this.byNumber.has(old.number)) continue
      await this.deps.chord.withdraw(old.key)
      this.deps.store.remove(old.number)
    }
  }

  /** The operator's publish: an E.164 number not yet published. */
  async publish(number: string): Promise<Result<{ number: string; published: true }>> {
    if (!isE164(number)) return err(`${number} is not an E.164 number`)
    if (!this.byNumber.has(number)) await this.publishKeyed(number, await this.deps.numberKeys.key(number))
    return ok({ number, published: true })
  }

  /** The operator's withdrawal of a number this node publishes. */
  async withdraw(number: string): Promise<Result<{ number: string; withdrawn: true }>> {
    const key = isE164(number) ? this.byNumber.get(number) : undefined
    if (key === undefined) return err(`${number} is not published by this node`)
    await this.deps.chord.withdraw(key)
    this.deps.store.remove(number as E164)
    this.byNumber.delete(number as E164)
    this.byKey.delete(ringIdToHex(key))
    return ok({ number, withdrawn: true })
  }

  private async publishKeyed(number: E164, key: RingId): Promise<void> {
    await this.deps.chord.publish(key)
    this.deps.store.add(number, key)
    this.byNumber.set(number, key)
    this.byKey.set(ringIdToHex(key), number)
  }
}

export interface NumberPublication {
  readonly chord: Pick<ChordNode, 'publish' | 'withdraw'>
  readonly store: SqlitePublishedNumberStore
  readonly numberKeys: NumberKeyCache
  /** The numbers to publish; without a plan, earlier claims are left as they are. */
  readonly plan: readonly E164[] | undefined
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * Publishes the plan's numbers (withdrawing dropped ones). Nothing to stop: the claims stay in the DHT, which
 * is what a restart relies on.
 */
export async function publishNumbers(options: NumberPublication): Promise<{ numbers: PublishedNumbers; stop(): void }> {
  const numbers = new PublishedNumbers(options)
  await numbers.publishPlan(options.plan, options.onProgress)
  return { numbers, stop: () => undefined }
}
