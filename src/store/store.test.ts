import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, schemaVersion, transaction } from './database.js'
import { SqliteNodeIdentityStore } from './identity-store.js'
import { SqliteTicketKeyStore } from './ticket-key-store.js'
import { TicketKeyRing } from '../tickets/key-ring.js'
import { mintTicket, verifyTicket } from '../tickets/mint.js'
import { randomBytes } from 'node:crypto'

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
    const expected = { calledNumber: '+14085550100', callingDomain: 'a.example' }
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
    const script = join(dir, 'writer.ts')
    writeFileSync(
      script,
      `import { openDatabase, transaction } from ${JSON.stringify(join(process.cwd(), 'src/store/database.ts'))}
const db = openDatabase(${JSON.stringify(path)})
db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)')
const insert = db.prepare('INSERT INTO t VALUES (?)')
for (let i = 1; ; i++) {
  transaction(db, () => insert.run(i))
  if (i % 50 === 0) process.stdout.write(i + '\\n')
}
`,
    )
    const child = spawn(
      join(process.cwd(), 'node_modules/.bin/node'),
      ['--import', 'tsx', '--disable-warning=ExperimentalWarning', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    // Wait until it reports at least 500 committed rows, then kill it mid-stream.
    const lastReported = await new Promise<number>((resolve, reject) => {
      let last = 0
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line !== '') last = Number(line)
        if (last >= 500) {
          child.kill('SIGKILL')
          resolve(last)
        }
      })
      child.on('exit', () => (last >= 500 ? undefined : reject(new Error('writer exited early'))))
    })
    await new Promise((r) => child.once('exit', r))
    const db = openDatabase(path)
    expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
    const { n, max } = db.prepare('SELECT count(*) AS n, max(x) AS max FROM t').get() as { n: number; max: number }
    // Every row it reported as committed is there, and the rows are exactly 1..max with no gap.
    expect(max).toBeGreaterThanOrEqual(lastReported)
    expect(n).toBe(max)
    db.close()
  }, 60_000)
})
