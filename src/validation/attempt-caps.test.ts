import { describe, expect, it } from 'vitest'
import { AttemptCaps, DEFAULT_ATTEMPT_CAPS, MemoryAttemptCapStore } from './attempt-caps.js'
import { ATTEMPTS_PER_PEER_PER_HOUR, FAILED_RUNS_PER_RECORD, FAILED_RUNS_PER_RECORD_AND_PEER } from './constants.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')
const caps = (perPeerPerHour: number, failuresPerRecordAndPeer: number, failuresPerRecord: number) =>
  new AttemptCaps(new MemoryAttemptCapStore(), { perPeerPerHour, failuresPerRecordAndPeer, failuresPerRecord })

describe('attempt caps', () => {
  it('take their defaults from constants.ts', () => {
    expect(DEFAULT_ATTEMPT_CAPS).toEqual({
      perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
      failuresPerRecordAndPeer: FAILED_RUNS_PER_RECORD_AND_PEER,
      failuresPerRecord: FAILED_RUNS_PER_RECORD,
    })
    expect(FAILED_RUNS_PER_RECORD).toBeGreaterThan(FAILED_RUNS_PER_RECORD_AND_PEER)
  })

  it('refuse a configuration whose total is below the per-peer count, or counts that are not whole', () => {
    expect(() => caps(20, 3, 2)).toThrow('failuresPerRecord (2) must be at least failuresPerRecordAndPeer (3)')
    expect(() => caps(0, 3, 10)).toThrow('perPeerPerHour must be a whole number >= 1; got 0')
    expect(() => caps(20, 1.5, 10)).toThrow('failuresPerRecordAndPeer must be a whole number >= 1; got 1.5')
  })

  it('admit a peer N times in any hour, per peer, and again once the oldest run is an hour old', () => {
    const c = caps(3, 3, 10)
    for (let i = 0; i < 3; i++) expect(c.admitPeer('p', T + i * 1000).ok).toBe(true)
    expect(c.admitPeer('p', T + 10_000)).toEqual({
      ok: false,
      reason: 'too many proof attempts from this peer (3 per hour)',
    })
    expect(c.admitPeer('q', T + 10_000).ok).toBe(true)
    // A refused run is not counted: at T + 1 h the run at T has left the window, so one more is admitted.
    expect(c.admitPeer('p', T + HOUR - 1).ok).toBe(false)
    expect(c.admitPeer('p', T + HOUR).ok).toBe(true)
    expect(c.admitPeer('p', T + HOUR).ok).toBe(false)
    expect(c.admitPeer('p', T + HOUR + 1000).ok).toBe(true)
  })

  it('spend a record for one peer after its failures, for everyone after the total', () => {
    const c = caps(20, 2, 5)
    c.recordFailure('r1', 'x', T)
    expect(c.recordUsable('r1', 'x')).toBe(true)
    c.recordFailure('r1', 'x', T + 1)
    expect(c.recordUsable('r1', 'x')).toBe(false)
    // The stranger x spent it for itself only: the originator o and the other records are untouched.
    expect(c.recordUsable('r1', 'o')).toBe(true)
    expect(c.recordUsable('r2', 'x')).toBe(true)
    c.recordFailure('r1', 'y', T + 2)
    c.recordFailure('r1', 'y', T + 3)
    expect(c.recordUsable('r1', 'o')).toBe(true)
    // The fifth failure, from a third peer: spent for everyone, o included, though o never failed with it.
    c.recordFailure('r1', 'z', T + 4)
    expect(c.recordUsable('r1', 'z')).toBe(false)
    expect(c.recordUsable('r1', 'o')).toBe(false)
  })

  it('forget both counts of records last touched before a cut-off', () => {
    const c = caps(20, 2, 3)
    c.recordFailure('r1', 'x', T)
    c.recordFailure('r1', 'x', T + 1000)
    expect(c.recordUsable('r1', 'x')).toBe(false)
    c.forgetRecordsBefore(T + 1000)
    expect(c.recordUsable('r1', 'x')).toBe(false)
    c.forgetRecordsBefore(T + 1001)
    expect(c.recordUsable('r1', 'x')).toBe(true)
    c.recordFailure('r1', 'x', T + 2000)
    expect(c.recordUsable('r1', 'x')).toBe(true)
  })
})
