/**
 * A least-recently-used map bounded by its number of entries, that takes memory as it fills. lru-cache's `max`
 * option allocates its storage for `max` entries up front (6.4 MB for 210,000), which an idle node would carry for
 * every table of every part; `maxSize` with a size of one per entry bounds the same count without that.
 */
import { LRUCache } from 'lru-cache'

export type BoundedCacheOptions<K extends NonNullable<unknown>, V extends NonNullable<unknown>> = Omit<
  LRUCache.Options<K, V, unknown>,
  'max' | 'maxSize' | 'sizeCalculation'
>

export function boundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  entries: number,
  options: BoundedCacheOptions<K, V> = {},
): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: entries, sizeCalculation: () => 1 })
}
