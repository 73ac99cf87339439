import { describe, expect, it } from 'vitest'
import { ringId } from '../core/ring.js'
import type { NodeRef } from './messages.js'
import { cleanSuccessorList, closestFollowing, closestPreceding, responsibleAmong } from './routing.js'

const node = (n: number): NodeRef => ({ id: ringId(BigInt(n)), peer: `n${n}`, addrs: [] })
const ids = (list: readonly NodeRef[] | null) => list?.map((n) => Number(n.id)) ?? null

describe('routing', () => {
  const successors = [10, 20, 30, 40, 50].map(node)

  it('knows the responsible node when the key lies within its successor list', () => {
    expect(ids(responsibleAmong(ringId(5n), ringId(7n), successors, 3))).toEqual([10, 20, 30, 40, 50])
    expect(ids(responsibleAmong(ringId(5n), ringId(10n), successors, 3))).toEqual([10, 20, 30, 40, 50])
    expect(ids(responsibleAmong(ringId(5n), ringId(25n), successors, 3))).toEqual([30, 40, 50])
    // Too few holders left in the list after 40: a node nearer the key must answer, so replicas are not missed.
    expect(responsibleAmong(ringId(5n), ringId(45n), successors, 3)).toBeNull()
    expect(responsibleAmong(ringId(5n), ringId(60n), successors, 3)).toBeNull()
  })

  it('picks the node just after the key when none precedes it', () => {
    expect(closestFollowing(ringId(25n), [50, 30, 90].map(node))?.id).toBe(30n)
    expect(closestFollowing(ringId(95n), [50, 30, 90].map(node))?.id).toBe(30n)
  })

  it('offers the known nodes closest before the key, best first', () => {
    const known = [10, 20, 90, 200, 60, 20].map(node)
    expect(ids(closestPreceding(ringId(5n), ringId(100n), known, 3))).toEqual([90, 60, 20])
    expect(ids(closestPreceding(ringId(5n), ringId(15n), known, 3))).toEqual([10])
    expect(ids(closestPreceding(ringId(5n), ringId(6n), known, 3))).toEqual([])
  })

  it('cleans successor lists of self and repeats, keeping order', () => {
    expect(ids(cleanSuccessorList(ringId(5n), [10, 5, 10, 20, 30].map(node), 2))).toEqual([10, 20])
  })
})
