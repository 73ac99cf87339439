import { describe, expect, it } from 'vitest'
import { AttemptCaps, DEFAULT_ATTEMPT_CAPS, MemoryAttemptCapStore } from './attempt-caps.js'
import { ATTEMPTS_PER_CALL_RECORD, ATTEMPTS_PER_PEER_PER_HOUR } from './constants.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')

describe('attempt caps', () => {
  it('take their defaults from constants.ts', () => {
    expect(DEFAULT_ATTEMPT_CAPS).toEqual({
      perPeerPerHour: ATTEMPTS_PER_PEER_PER_HOUR,
      failuresPerRecord: ATTEMPTS_PER_CALL_RECORD,
    })
  })

  it('admit a peer N times in any hour, per peer, and again once the oldest run is an hour old', () => {
    const caps = new AttemptCaps(new MemoryAttemptCapStore(), { perPeerPerHour: 3, failuresPerRecord: 3 })
    for (let i = 0; i < 3; i++) expect(caps.admitPeer('p', T + i * 1000).ok).toBe(true)
    expect(caps.admitPeer('p', T + 10_000)).toEqual({
      ok: false,
      reason: 'too many proof attempts from this peer (3 per hour)',
    })
    expect(caps.admitPeer('q', T + 10_000).ok).toBe(true)
    // A refused run is not counted: at T + 1 h the run at T has left the window, so one more is admitted.
    expect(caps.admitPeer('p', T + HOUR - 1).ok).toBe(false)
    expect(caps.admitPeer('p', T + HOUR).ok).toBe(true)
    expect(caps.admitPeer('p', T + HOUR).ok).toBe(false)
    expect(caps.admitPeer('p', T + HOUR + 1000).ok).toBe(true)
  })

  it('spend a record after its failures, and forget counts last touched before a cut-off', () => {
    const caps = new AttemptCaps(new MemoryAttemptCapStore(), { perPeerPerHour: 20, failuresPerRecord: 2 })
    caps.recordFailure('r1', T)
    expect(caps.recordUsable('r1')).toBe(true)
    caps.recordFailure('r1', T + 1000)
    expect(caps.recordUsable('r1')).toBe(false)
    expect(caps.recordUsable('r2')).toBe(true)
    caps.forgetRecordsBefore(T + 1000)
    expect(caps.recordUsable('r1')).toBe(false)
    caps.forgetRecordsBefore(T + 1001)
    expect(caps.recordUsable('r1')).toBe(true)
  })
})
