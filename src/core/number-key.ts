/**
 * How a phone number becomes a DHT key: scrypt, a deliberately slow and memory-hard function, salted with the
 * overlay's name, cut to the 128-bit ring. Every place a number becomes a key goes through deriveNumberKey, so
 * the overlay stores only these keys, and reading a published number back means paying scrypt's cost for
 * every number one tries. See docs/protocol.md, "Number keys", for the parameters and the arithmetic.
 */
import { scrypt } from 'node:crypto'
import type { E164 } from './e164.js'
import { truncateToRingId, type RingId } from './ring.js'

export interface NumberKeyParams {
  /** Bumped whenever the construction or its defaults change; part of the salt and the cache key. */
  readonly version: 1
  readonly algorithm: 'scrypt'
  /** scrypt cost: CPU/memory cost N (a power of two), block size r, parallelism p. Memory is 128 * N * r bytes. */
  readonly N: number
  readonly r: number
  readonly p: number
  /** The overlay's name: keys computed for one overlay are useless for another. */
  readonly overlay: string
}

/**
 * N = 2^14, r = 8, p = 1: 16 MiB and about 47 ms per derivation on one core of the 2-core reference machine
 * (`ime bench keys`), so enumerating 10^10 numbers costs about 15 CPU-years there.
 */
export function numberKeyParams(overlay: string, cost: Partial<Pick<NumberKeyParams, 'N' | 'r' | 'p'>> = {}) {
  const params: NumberKeyParams = { version: 1, algorithm: 'scrypt', N: 2 ** 14, r: 8, p: 1, overlay, ...cost }
  checkParams(params)
  return params
}

function checkParams(params: NumberKeyParams): void {
  if (params.overlay.length === 0 || params.overlay.length > 200)
    throw new RangeError('overlay name must be 1..200 characters')
  if (!Number.isInteger(Math.log2(params.N)) || params.N < 2 || params.N > 2 ** 22) {
    throw new RangeError(`scrypt N must be a power of two up to 2^22; got ${params.N}`)
  }
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > 32) throw new RangeError(`scrypt r must be 1..32`)
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > 16) throw new RangeError(`scrypt p must be 1..16`)
}

/** Identifies a parameter set, e.g. for the persistent cache: keys from different sets never mix. */
export const paramsId = (params: NumberKeyParams): string =>
  `v${params.version}/${params.algorithm}/N=${params.N},r=${params.r},p=${params.p}/${params.overlay}`

/** The salt: a versioned, domain-separated label with the overlay's name. */
export const numberKeySalt = (params: NumberKeyParams): string => `ime/number-key/v${params.version}/${params.overlay}`

/** The DHT key of a number. Runs in libuv's thread pool, so the event loop keeps turning meanwhile. */
export function deriveNumberKey(number: E164, params: NumberKeyParams): Promise<RingId> {
  return new Promise((resolve, reject) => {
    scrypt(
      number,
      numberKeySalt(params),
      16,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p + 2 ** 20 },
      (error, derived) => (error ? reject(error) : resolve(truncateToRingId(derived))),
    )
  })
}

/** Where derived keys persist (the node's SQLite store), so a restart does not pay for them again. */
export interface NumberKeyStore {
  get(paramsId: string, number: E164): RingId | undefined
  put(paramsId: string, entries: readonly (readonly [E164, RingId])[]): void
}

/** Derives each number's key at most once: from memory, else from the store, else by scrypt (then kept). */
export class NumberKeyCache {
  private readonly memory = new Map<E164, RingId>()
  private readonly id: string

  constructor(
    readonly params: NumberKeyParams,
    private readonly store?: NumberKeyStore,
    private readonly maxInMemory = 100_000,
  ) {
    this.id = paramsId(params)
  }

  async key(number: E164): Promise<RingId> {
    const [key] = await this.keys([number])
    return key!
  }

  /**
   * Keys for many numbers; the slow ones are derived `concurrency` at a time (default: 2, the cores here) with
   * progress reported after each, and stored in one transaction per batch.
   */
  async keys(
    numbers: readonly E164[],
    options: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<RingId[]> {
    const out: RingId[] = new Array(numbers.length)
    const missing: number[] = []
    numbers.forEach((n, i) => {
      const known = this.memory.get(n) ?? this.store?.get(this.id, n)
      if (known === undefined) missing.push(i)
      else {
        out[i] = known
        this.remember(n, known)
      }
    })
    let done = 0
    const batch: [E164, RingId][] = []
    const flush = () => {
      if (batch.length > 0) this.store?.put(this.id, batch.splice(0))
    }
    const worker = async () => {
      for (let next = missing.shift(); next !== undefined; next = missing.shift()) {
        const number = numbers[next]!
        const key = this.memory.get(number) ?? (await deriveNumberKey(number, this.params))
        out[next] = key
        this.remember(number, key)
        batch.push([number, key])
        if (batch.length >= 100) flush()
        options.onProgress?.(++done, done + missing.length)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker))
    flush()
    return out
  }

  private remember(number: E164, key: RingId): void {
    if (this.memory.size >= this.maxInMemory) this.memory.delete(this.memory.keys().next().value!)
    this.memory.set(number, key)
  }
}
