import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { migrate, openDatabase, schemaVersion, transaction } from './database.js'
import { SqliteNodeIdentityStore } from './identity-store.js'
import { SqliteTicketKeyStore } from './ticket-key-store.js'
import { SqliteCallRecordStore } from './call-record-store.js'
import { SqliteCallsInProgress } from './calls-in-progress-store.js'
import { SqliteValidationLog } from './validation-log-store.js'
import { SqliteLearnedRouteStore } from './learned-route-store.js'
import type { E164 } from '../core/e164.js'
import { TicketKeyRing } from '../tickets/key-ring.js'
import { mintTicket, verifyTicket } from '../tickets/mint.js'
import { randomBytes } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-store-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('store', () => {
  it('migrates a new database and reopens it at the same version', () => {
    const path = join(tempDir(), 'node.db')
    const db = openDatabase(path)
    const version = schemaVersion(db)
    expect(version).toBeGreaterThanOrEqual(3)
    db.close()
    const again = openDatabase(path)
    expect(schemaVersion(again)).toBe(version)
    again.close()
  })

  it('keeps call records and calls in progress when it adds the internal path (version 12 -> 13)', () => {
    const path = join(tempDir(), 'node.db')
    const old = new DatabaseSync(path)
    old.exec('PRAGMA foreign_keys = ON')
    migrate(old, 12)
    old.exec(`INSERT INTO call_records (id, direction, caller, called, start_ms, end_ms, path, outcome, user_name, fallback)
              VALUES ('out-1', 'outbound', '+14085550100', '+12015550100', 1000, NULL, 'pstn', NULL, 'alice', 1)`)
    old.exec(`INSERT INTO calls_in_progress (sip_call_id, record_id, start_ms) VALUES ('c1@host', 'out-1', 1000)`)
    expect(() =>
      old.exec(`INSERT INTO call_records (id, direction, caller, called, start_ms, path)
                VALUES ('x', 'outbound', '+14085550100', '+12015550100', 1, 'internal')`),
    ).toThrow(/CHECK/)
    old.close()

    const db = openDatabase(path)
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(13)
    const records = new SqliteCallRecordStore(db)
    expect(records.get('out-1')).toMatchObject({ path: 'pstn', fallback: true, end: null, user: 'alice' })
    expect(new SqliteCallsInProgress(db).get('c1@host')).toEqual([{ recordId: 'out-1', start: 1000 }])
    const internal = {
      id: 'in-2',
      direction: 'inbound',
      caller: '+14085550100' as E164,
      called: '+14085550101' as E164,
      start: 2000,
      path: 'internal',
      user: 'anna',
    } as const
    expect(records.add(internal).ok).toBe(true)
    expect(records.list({ user: 'anna' }).map((r) => r.path)).toEqual(['internal'])
    db.close()
  })

  it('refuses a database from a newer program, saying so', () => {
    const path = join(tempDir(), 'node.db')
    const db = openDatabase(path)
    db.exec('PRAGMA user_version = 999')
    db.close()
    expect(() => openDatabase(path)).toThrow(/schema version 999 is newer than this program knows/)
  })

  it('keeps the node identity across restarts', async () => {
    const path = join(tempDir(), 'node.db')
    const db = openDatabase(path)
    const first = await new SqliteNodeIdentityStore(db).loadOrCreate()
    db.close()
    const reopened = openDatabase(path)
    const second = await new SqliteNodeIdentityStore(reopened).loadOrCreate()
    expect(second.equals(first)).toBe(true)
    reopened.close()
  })

  it('keeps ticket keys, so tickets minted before a restart verify after it, rotation included', () => {
    const path = join(tempDir(), 'node.db')
    const rand = (n: number) => new Uint8Array(randomBytes(n))
    const now = Date.parse('2026-11-25T10:00:00Z')
    const db = openDatabase(path)
    const ring = new TicketKeyRing(new SqliteTicketKeyStore(db), rand, 3600)
    const expected = { calledNumber: '+14085550100', callingDomain: 'a.example', callerPeer: Uint8Array.of(1, 2, 3) }
    const old = mintTicket(expected, ring, now, rand)
    expect(ring.rotate(now + 1000).ok).toBe(true)
    const fresh = mintTicket(expected, ring, now + 2000, rand)
    db.close()
    const reopened = openDatabase(path)
    const again = new TicketKeyRing(new SqliteTicketKeyStore(reopened), rand, 3600)
    expect(again.describe().map((k) => [k.epoch, k.retiredAt])).toEqual([
      [1, now + 1000],
      [2, null],
    ])
    expect(old.ok && verifyTicket(old.value.text, expected, again, now + 3000).ok).toBe(true)
    expect(fresh.ok && verifyTicket(fresh.value.text, expected, again, now + 3000).ok).toBe(true)
    reopened.close()
  })

  it('rolls back a failed transaction entirely', () => {
    const db = openDatabase(':memory:')
    db.exec('CREATE TABLE t (x INTEGER)')
    expect(() =>
      transaction(db, () => {
        db.prepare('INSERT INTO t VALUES (1)').run()
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(0)
  })

  it('loses nothing committed when the writing process is killed with SIGKILL', async () => {
    const dir = tempDir()
    const path = join(dir, 'node.db')
    const lastReported = await writeUntilKilled(
      dir,
      `const db = openDatabase(${JSON.stringify(path)})
db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
const insert = db.prepare('INSERT INTO t VALUES (?)')
for (let i = 1; ; i++) {
  transaction(db, () => insert.run(i))
  if (i % 50 === 0) process.stdout.write(i + '\\n')
}`,
    )
    const db = openDatabase(path)
    expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
    const { n, max } = db.prepare('SELECT count(*) AS n, max(x) AS max FROM t').get() as { n: number; max: number }
    // Every row it reported as committed is there, and the rows are exactly 1..max with no gap.
    expect(max).toBeGreaterThanOrEqual(lastReported)
    expect(n).toBe(max)
    db.close()
  }, 60_000)
})

describe('call records', () => {
  const base = { direction: 'outbound' as const, path: 'pstn' as const, user: 'alice' }
  const caller = '+12015550100' as E164
  const called = '+12025550102' as E164

  it('are added, finished once, listed per user newest first, found for validation, and purged', () => {
    const store = new SqliteCallRecordStore(openDatabase(':memory:'))
    expect(store.add({ ...base, id: 'c1', caller, called, start: 1000 }).ok).toBe(true)
    expect(store.add({ ...base, id: 'c1', caller, called, start: 1000 })).toEqual({
      ok: false,
      error: 'a call record with id c1 exists already',
    })
    expect(store.finish('c1', 61_000, 'answered')).toMatchObject({ ok: true, value: { end: 61_000 } })
    expect(store.finish('c1', 62_000, 'answered')).toEqual({
      ok: false,
      error: 'call c1 already ended at 1970-01-01T00:01:01.000Z',
    })
    expect(store.finish('nope', 1, 'failed')).toEqual({ ok: false, error: 'no call record with id nope' })
    store.add({ ...base, id: 'c2', caller, called, start: 5000, user: 'bob' })
    store.add({ id: 'in1', direction: 'inbound', path: 'pstn', user: 'bob', caller, called, start: 2000, end: 9000 })
    store.add({ id: 'in2', direction: 'inbound', path: 'pstn', user: 'bob', caller, called, start: 3000 })
    expect(store.list({ user: 'bob' }).map((r) => r.id)).toEqual(['c2', 'in2', 'in1'])
    expect(store.list().map((r) => r.id)).toEqual(['c2', 'in2', 'in1', 'c1'])
    // Only finished inbound PSTN calls to the number, in the window.
    expect(store.inboundTo(called, 0, 10_000).map((r) => r.id)).toEqual(['in1'])
    expect(store.inboundTo(called, 2001, 10_000)).toEqual([])
    expect(store.purgeBefore(2500)).toBe(2)
    expect(store.list().map((r) => r.id)).toEqual(['c2', 'in2'])
  })

  it('give the earliest inbound candidates up to a limit, and the latest validatable outbound call to a number', () => {
    const store = new SqliteCallRecordStore(openDatabase(':memory:'))
    const inbound = { direction: 'inbound' as const, path: 'pstn' as const, user: null, caller, called }
    for (let i = 1; i <= 4; i++) store.add({ ...inbound, id: `in${i}`, start: i * 1000, end: i * 1000 + 500 })
    expect(store.inboundTo(called, 0, 10_000, 2).map((r) => r.id)).toEqual(['in1', 'in2'])
    const out = { ...base, caller, called, outcome: 'answered' as const }
    store.add({ ...out, id: 'o1', start: 10_000, end: 40_000 })
    store.add({ ...out, id: 'o2', start: 50_000, end: 55_000 }) // too short
    store.add({ ...out, id: 'o3', start: 60_000, end: 90_000, outcome: 'failed' })
    store.add({ ...out, id: 'o4', start: 70_000 }) // still going
    store.add({ ...out, id: 'o5', start: 80_000, end: 120_000, path: 'ime' })
    store.add({ ...out, id: 'o6', start: 90_000, end: 120_000, called: '+12025550199' as E164 })
    expect(store.lastOutboundTo(called, 10_000)?.id).toBe('o1')
    expect(store.lastOutboundTo(called, 5000)?.id).toBe('o2')
    expect(store.lastOutboundTo(called, 31_000)).toBeUndefined()
  })

  it('refuses bad records with a reason naming the field', () => {
    const store = new SqliteCallRecordStore(openDatabase(':memory:'))
    const good = { ...base, id: 'x', caller, called, start: 1000 }
    const cases: [object, RegExp][] = [
      [{ caller: '2015550100' }, /^caller "2015550100" is not an E.164 number/],
      [{ called: '' }, /^called "" is not an E.164 number/],
      [{ start: -5 }, /^start must be/],
      [{ end: 500 }, /^end must be a time not before start/],
      [{ direction: 'sideways' }, /^direction must be/],
      [{ path: 'carrier-pigeon' }, /^path must be one of pstn, ime, internal/],
      [{ id: 'a b' }, /^id must be/],
      [{ user: 'x'.repeat(65) }, /^user must be/],
    ]
    for (const [change, reason] of cases) {
      const result = store.add({ ...good, ...change } as typeof good)
      expect(result.ok ? 'stored' : result.error).toMatch(reason)
    }
    expect(store.list()).toEqual([])
  })

  it('survive SIGKILL of the recording process', async () => {
    const dir = tempDir()
    const path = join(dir, 'node.db')
    const storeModule = JSON.stringify(join(process.cwd(), 'src/store/call-record-store.ts'))
    const lastReported = await writeUntilKilled(
      dir,
      `import { SqliteCallRecordStore } from ${storeModule}
const store = new SqliteCallRecordStore(openDatabase(${JSON.stringify(path)}))
for (let i = 1; ; i++) {
  const r = store.add({ id: 'call-' + i, direction: 'outbound', path: 'pstn', user: 'alice', caller: '+12015550100', called: '+12025550102', start: 1_800_000_000_000 + i })
  if (!r.ok) throw new Error(r.error)
  if (i % 50 === 0) process.stdout.write(i + '\\n')
}`,
    )
    const store = new SqliteCallRecordStore(openDatabase(path))
    for (let i = 1; i <= lastReported; i++) expect(store.get(`call-${i}`)?.caller).toBe('+12015550100')
  }, 60_000)
})

describe('learned routes', () => {
  const route = {
    number: '+12025550102' as E164,
    sipUri: 'sip:+12025550102@bravo.example;transport=ws',
    domain: 'bravo.example',
    ticket: 'AQFrBrGgaw_sIIVKGq-r7rYMAR8EYS5hYVx5ovn315gj7p9t40a5TZc',
    claimer: '7f89ced54f85033cb169dbb914f2e139',
    validatedAt: 1000,
    expiresAt: 100_000,
  }

  it('keep one route per number and domain, drop expired ones, and survive a reopen', () => {
    const path = join(tempDir(), 'node.db')
    const store = new SqliteLearnedRouteStore(openDatabase(path))
    expect(store.put(route).ok).toBe(true)
    expect(store.put({ ...route, validatedAt: 2000, ticket: 'newer' }).ok).toBe(true)
    expect(store.put({ ...route, domain: 'other.example', validatedAt: 1500 }).ok).toBe(true)
    expect(store.routesTo(route.number, 5000).map((r) => [r.domain, r.ticket])).toEqual([
      ['bravo.example', 'newer'],
      ['other.example', route.ticket],
    ])
    expect(store.routesTo(route.number, 100_000)).toEqual([])
    const reopened = new SqliteLearnedRouteStore(openDatabase(path))
    expect(reopened.list(5000)).toHaveLength(2)
    expect(reopened.remove(route.number)).toBe(2)
    expect(reopened.list(5000)).toEqual([])
  })

  it('blocking a domain drops its routes and refuses new ones until unblocked', () => {
    const store = new SqliteLearnedRouteStore(openDatabase(':memory:'))
    store.put(route)
    expect(store.blockDomain('Bravo.Example')).toBe(1)
    expect(store.put(route)).toEqual({ ok: false, error: 'domain bravo.example is blocked by the operator' })
    store.unblockDomain('bravo.example')
    expect(store.put(route).ok).toBe(true)
  })

  it('refuse malformed routes, naming the field', () => {
    const store = new SqliteLearnedRouteStore(openDatabase(':memory:'))
    const cases: [object, RegExp][] = [
      [{ number: '555' }, /^number "555" is not an E.164 number/],
      [{ sipUri: 'http://x' }, /^sipUri "http:\/\/x" is not a SIP URI/],
      [{ domain: 'Bad Domain' }, /^domain "Bad Domain" is not a lowercase domain name/],
      [{ ticket: 'not base64!' }, /^ticket must be base64url/],
      [{ claimer: 'xyz' }, /^claimer must be a node id/],
      [{ expiresAt: 10 }, /^expiresAt must be a time after validatedAt/],
    ]
    for (const [change, reason] of cases) {
      const result = store.put({ ...route, ...change })
      expect(result.ok ? 'stored' : result.error).toMatch(reason)
    }
  })
})

/**
 * Runs a writer script (with openDatabase and transaction in scope) in a child process that prints a running
 * count of what it has committed; kills it with SIGKILL after 500; returns the last count it reported.
 */
async function writeUntilKilled(dir: string, body: string): Promise<number> {
  const script = join(dir, 'writer.ts')
  const database = JSON.stringify(join(process.cwd(), 'src/store/database.ts'))
  writeFileSync(script, `import { openDatabase, transaction } from ${database}\nvoid transaction\n${body}\n`)
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/node'),
    ['--import', 'tsx', '--disable-warning=ExperimentalWarning', script],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const last = await new Promise<number>((resolve, reject) => {
    let reported = 0
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line !== '') reported = Number(line)
      if (reported >= 500) {
        child.kill('SIGKILL')
        resolve(reported)
      }
    })
    child.on('exit', () => (reported >= 500 ? undefined : reject(new Error('writer exited early'))))
  })
  await new Promise((r) => child.once('exit', r))
  return last
}

describe('calls in progress', () => {
  const record = (id: string) => ({
    id,
    direction: 'outbound' as const,
    caller: '+16505550101' as E164,
    called: '+14085550100' as E164,
    start: 1_000,
    path: 'pstn' as const,
    user: 'alice',
  })

  it('outlive a reopened database, and go with their call record when it is purged', () => {
    const path = join(tempDir(), 'node.db')
    const db = openDatabase(path)
    const records = new SqliteCallRecordStore(db)
    const open = new SqliteCallsInProgress(db)
    expect(records.add(record('out-1')).ok).toBe(true)
    open.set('sip-call-1@host', { recordId: 'out-1', start: 1_000 })
    db.close()

    const again = openDatabase(path)
    const reopened = new SqliteCallsInProgress(again)
    expect(reopened.get('sip-call-1@host')).toEqual([{ recordId: 'out-1', start: 1_000 }])
    expect(reopened.get('other@host')).toEqual([])
    new SqliteCallRecordStore(again).purgeBefore(2_000)
    expect(reopened.get('sip-call-1@host')).toEqual([])
    again.close()
  })

  it('keep nothing for a record that was not stored, and forget a call once deleted', () => {
    const db = openDatabase(':memory:')
    const open = new SqliteCallsInProgress(db)
    open.set('lost@host', { recordId: 'out-missing', start: 1 })
    expect(open.get('lost@host')).toEqual([])
    new SqliteCallRecordStore(db).add(record('out-2'))
    open.set('c2@host', { recordId: 'out-2', start: 1_000 })
    open.delete('c2@host')
    expect(open.get('c2@host')).toEqual([])
    db.close()
  })

  it("keep both records of an internal call (the caller's and the callee's), each forgotten when it ends", () => {
    const db = openDatabase(':memory:')
    const records = new SqliteCallRecordStore(db)
    const open = new SqliteCallsInProgress(db)
    for (const id of ['out-3', 'in-3']) {
      expect(records.add({ ...record(id), path: 'internal' }).ok).toBe(true)
      open.set('c3@host', { recordId: id, start: 1_000 })
    }
    expect(open.get('c3@host')).toEqual([
      { recordId: 'in-3', start: 1_000 },
      { recordId: 'out-3', start: 1_000 },
    ])
    open.delete('c3@host', 'out-3')
    expect(open.get('c3@host')).toEqual([{ recordId: 'in-3', start: 1_000 }])
    db.close()
  })
})

describe('validation log', () => {
  const outcome = (callId: string) => ({
    callId,
    number: '+14085550100' as E164,
    kind: 'first' as const,
    outcome: 'validated' as const,
    dropped: false,
    claimer: 'ab'.repeat(16),
    domain: 'b.example',
  })

  it('lists the newest outcomes first, keeps at most its bound, and outlives a reopened database', () => {
    const path = join(tempDir(), 'node.db')
    const db = openDatabase(path)
    const log = new SqliteValidationLog(db, 3)
    for (let i = 1; i <= 5; i++) log.add(outcome(`c${i}`), i * 1_000)
    expect(log.recent(10).map((v) => v.outcome.callId)).toEqual(['c5', 'c4', 'c3'])
    expect(log.recent(1)).toEqual([{ at: 5_000, outcome: outcome('c5') }])
    db.close()
    const again = new SqliteValidationLog(openDatabase(path), 3)
    expect(again.recent(10)).toHaveLength(3)
    expect(again.purgeBefore(4_500)).toBe(2)
    expect(again.recent(10).map((v) => v.outcome.callId)).toEqual(['c5'])
  })
})
