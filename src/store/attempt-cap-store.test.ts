import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AttemptCaps } from '../validation/attempt-caps.js'
import { SqliteAttemptCapStore } from './attempt-cap-store.js'
import { openDatabase } from './database.js'

const HOUR = 3600_000
const T = Date.parse('2026-11-25T10:00:00Z')
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function reopenable() {
  const dir = mkdtempSync(join(tmpdir(), 'ime-caps-'))
  dirs.push(dir)
  const path = join(dir, 'node.db')
  return () => {
    const db = openDatabase(path)
    return {
      db,
      caps: new AttemptCaps(new SqliteAttemptCapStore(db), {
        perPeerPerHour: 3,
        failuresPerPeerPerHour: 20,
        failuresPerRecordAndPeer: 2,
        failuresPerRecord: 3,
      }),
    }
  }
}

describe('attempt caps kept in SQLite', () => {
  it('a restart does not reset the per-peer allowance', () => {
    const open = reopenable()
    const first = open()
    for (let i = 0; i < 3; i++) expect(first.caps.admitPeer('peer-a', T + i).ok).toBe(true)
    first.db.close()
    const second = open()
    expect(second.caps.admitPeer('peer-a', T + 60_000).ok).toBe(false)
    expect(second.caps.admitPeer('peer-b', T + 60_000).ok).toBe(true)
    // The window still slides after the reopen.
    expect(second.caps.admitPeer('peer-a', T + HOUR).ok).toBe(true)
    second.db.close()
  })

  it('a restart does not unspend a call record, per peer or in all, and old counts are forgotten', () => {
    const open = reopenable()
    const first = open()
    first.caps.recordFailure('in-1', 'x', T)
    first.db.close()
    const second = open()
    expect(second.caps.recordUsable('in-1', 'x')).toBe(true)
    second.caps.recordFailure('in-1', 'x', T + 1000)
    second.caps.recordFailure('in-2', 'x', T + 2000)
    second.db.close()
    const third = open()
    expect(third.caps.recordUsable('in-1', 'x')).toBe(false)
    expect(third.caps.recordUsable('in-1', 'o')).toBe(true)
    expect(third.caps.recordUsable('in-2', 'x')).toBe(true)
    third.caps.recordFailure('in-1', 'y', T + 1200)
    third.db.close()
    const fourth = open()
    // Three failures in all: spent for everyone.
    expect(fourth.caps.recordUsable('in-1', 'o')).toBe(false)
    fourth.caps.forgetRecordsBefore(T + 1500)
    expect(fourth.caps.recordUsable('in-1', 'x')).toBe(true)
    expect(fourth.caps.recordUsable('in-1', 'o')).toBe(true)
    const rows = (table: string) =>
      (fourth.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE record_id = 'in-1'`).get() as { n: number }).n
    expect([rows('proof_record_failures'), rows('proof_record_peer_failures')]).toEqual([0, 0])
    fourth.caps.admitPeer('peer-a', T)
    fourth.caps.admitPeer('peer-a', T + 2 * HOUR)
    // Runs older than an hour are deleted, not just ignored.
    expect((fourth.db.prepare('SELECT count(*) AS n FROM proof_runs').get() as { n: number }).n).toBe(1)
    fourth.db.close()
  })

  it('keeps which records were proven for which peer across a restart, until the retention forgets them', () => {
    const open = reopenable()
    const first = open()
    first.caps.recordProof('rec-1', 'peer-a', T)
    first.caps.recordProof('rec-1', 'peer-a', T + 5) // noted once
    first.db.close()
    const second = open()
    expect(second.caps.provenFor('rec-1', 'peer-a')).toBe(true)
    expect(second.caps.provenFor('rec-1', 'peer-b')).toBe(false)
    expect(second.caps.provenFor('rec-2', 'peer-a')).toBe(false)
    second.caps.forgetRecordsBefore(T + 1)
    expect(second.caps.provenFor('rec-1', 'peer-a')).toBe(false)
    second.db.close()
  })
})
