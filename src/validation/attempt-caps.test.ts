import { describe, expect, it } from 'vitest'
import { AttemptCaps, DEFAULT_ATTEMPT_CAPS, MemoryAttemptCapStore } from './attempt-caps.js'
import {
  ATTEMPTS_PER_PEER_PER_HOUR,
  FAILED_RUNS_PER_PEER_PER_HOUR,
  FAILED_RUNS_PER_RECORD,
  FAILED_RUNS_PER_RECORD_AND_PEER,
} from './constants.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')
const caps = (
  perPeerPerHour: number,
  failuresPerRecordAndPeer: number,
  failuresPerRecord: number,
  failuresPerPeerPerHour = 20,
) =>
  new AttemptCaps(new MemoryAttemptCapStore(), {
    perPeerPerHour,
    failuresPerPeerPerHour,
    failuresPerRecordAndPeer,
    failuresPerRecord,
  })

describe('attempt caps', () => {
  it('take their defaults from constants.ts', () => {
    expect(DEFAULT_ATTEMPT_CAPS).toEqual({
      perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
      failuresPerPeerPerHour: FAILED_RUNS_PER_PEER_PER_HOUR,
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

  it('count failed runs per peer per hour: successes never stop a busy caller, failures stop a guesser', () => {
    const c = caps(1000, 3, 10, 3)
    // A busy honest peer: 100 runs in the hour, all proven.
    for (let i = 0; i < 100; i++) expect(c.admitPeer('busy', T + i * 1000).ok).toBe(true)
    // A peer that asks without having called fails every run: refused after 3 failures in the hour.
    for (let i = 0; i < 3; i++) {
      expect(c.admitPeer('guesser', T + i).ok).toBe(true)
      c.peerFailure('guesser', T + i)
    }
    expect(c.admitPeer('guesser', T + 10)).toEqual({
      ok: false,
      reason: 'too many failed proof attempts from this peer (3 per hour)',
    })
    expect(c.admitPeer('guesser', T + HOUR).ok).toBe(true)
  })

  it("learn where a peer's times sit from the offsets of its proofs: the median of the last ones", () => {
    const c = caps(1000, 3, 10)
    expect(c.expectedOffset('p')).toEqual({ start: 0, end: 0 })
    const offsets = [
      { start: -980, end: -352 },
      { start: -1010, end: -300 },
      { start: -950, end: -420 },
    ]
    offsets.forEach((o, i) => c.recordProof(`r${i}`, 'p', T + i, o))
    expect(c.expectedOffset('p')).toEqual({ start: -980, end: -352 })
    expect(c.expectedOffset('q')).toEqual({ start: 0, end: 0 })
    expect(c.provenFor('r1', 'p')).toBe(true)
    expect(c.provenFor('r1', 'q')).toBe(false)
    expect(c.provenFor('r1')).toBe(true)
  })
})
