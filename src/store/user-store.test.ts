import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { SqliteCallRecordStore } from './call-record-store.js'
import { openDatabase } from './database.js'
import { checkPassword, hashPassword, hashToken, SqliteUserStore } from './user-store.js'

const cost = { N: 1024, r: 8, p: 1 }
const store = () => {
  const db = openDatabase(':memory:')
  return { db, users: new SqliteUserStore(db, { realm: 'a.example', cost }) }
}

describe('user store', () => {
  it('adds, updates, lists and removes users; refuses bad input with a reason', async () => {
    const { users } = store()
    expect(await users.put({ name: 'alice', password: 'correct horse', number: '+12015550100' }, 1)).toEqual({
      ok: true,
      value: { name: 'alice', role: 'user', number: '+12015550100' },
    })
    await users.put({ name: 'op', password: 'operator pass', role: 'operator' }, 1)
    expect(users.list().map((u) => [u.name, u.role])).toEqual([
      ['alice', 'user'],
      ['op', 'operator'],
    ])
    expect(await users.put({ name: 'alice', password: 'new password', number: '201' }, 2)).toMatchObject({ ok: true })
    expect(users.get('alice')).toEqual({ name: 'alice', role: 'user', number: '201' })
    expect(await users.verifyPassword('alice', 'correct horse')).toBeUndefined()
    expect(await users.verifyPassword('alice', 'new password')).toMatchObject({ name: 'alice' })
    expect(await users.put({ name: 'bad name', password: 'long enough' }, 1)).toEqual({
      ok: false,
      error: 'user name must be 1..64 letters, digits or ._-',
    })
    expect(await users.put({ name: 'bob', password: 'short' }, 1)).toEqual({
      ok: false,
      error: 'password of bob must be 8..1024 characters',
    })
    expect((await users.put({ name: 'bob', password: 'long enough', number: 'abc' }, 1)).ok).toBe(false)
    expect(users.remove('op')).toBe(true)
    expect(users.remove('op')).toBe(false)
    expect(users.get('op')).toBeUndefined()
  })

  it('stores a salted scrypt hash, never the password, and verifies in constant time', async () => {
    const { db, users } = store()
    await users.put({ name: 'alice', password: 'correct horse' }, 1)
    await users.put({ name: 'bob', password: 'correct horse' }, 1)
    const rows = db.prepare('SELECT password_hash FROM users ORDER BY name').all() as { password_hash: string }[]
    expect(rows[0]!.password_hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash)
    expect(JSON.stringify(rows)).not.toContain('horse')
    expect(await users.verifyPassword('alice', 'correct horsf')).toBeUndefined()
    expect(await users.verifyPassword('nobody', 'correct horse')).toBeUndefined()
    expect(await checkPassword('x', 'scrypt$1$1$1$bad$bad')).toBe(false)
    expect(await checkPassword('x', 'plain')).toBe(false)
    expect(await checkPassword('pw', await hashPassword('pw', cost))).toBe(true)
  })

  it('spends a full scrypt on an unknown name, as on a known one', async () => {
    const db = openDatabase(':memory:')
    const users = new SqliteUserStore(db, { realm: 'a.example', cost: { N: 1 << 14, r: 8, p: 1 } })
    await users.put({ name: 'alice', password: 'correct horse' }, 1)
    await users.verifyPassword('nobody', 'warm-up') // the dummy hash is ready
    const time = async (name: string) => {
      const started = performance.now()
      await users.verifyPassword(name, 'wrong password')
      return performance.now() - started
    }
    const known = Math.min(await time('alice'), await time('alice'))
    const unknown = Math.min(await time('nobody'), await time('nobody'))
    // A 16 MiB scrypt takes milliseconds; a lookup that skipped it would take microseconds.
    expect(known).toBeGreaterThan(2)
    expect(unknown).toBeGreaterThan(known / 3)
  })

  it('gives the SIP digest HA1 for its realm only, for MD5 and SHA-256', async () => {
    const { users } = store()
    await users.put({ name: 'alice', password: 'correct horse' }, 1)
    const h = (alg: string) => createHash(alg).update('alice:a.example:correct horse').digest('hex')
    expect(users.ha1('alice', 'a.example', 'MD5')).toBe(h('md5'))
    expect(users.ha1('alice', 'a.example', 'SHA-256')).toBe(h('sha256'))
    expect(users.ha1('alice', 'b.example', 'MD5')).toBeUndefined()
    expect(users.ha1('nobody', 'a.example', 'MD5')).toBeUndefined()
  })

  it('keeps only token hashes; sessions expire, are revoked, and go with their user', async () => {
    const { db, users } = store()
    await users.put({ name: 'alice', password: 'correct horse' }, 1)
    const issued = users.issueToken('alice', 'session', 1000)
    if (!issued.ok) throw new Error(issued.error)
    const stored = db.prepare('SELECT token_hash FROM user_sessions').all() as { token_hash: string }[]
    expect(stored).toEqual([{ token_hash: hashToken(issued.value.token) }])
    expect(users.lookupToken(issued.value.token, 'session', 999)?.user.name).toBe('alice')
    expect(users.lookupToken(issued.value.token, 'login', 999)).toBeUndefined()
    expect(users.lookupToken(issued.value.token, 'session', 1000)).toBeUndefined()
    expect(users.issueToken('nobody', 'session', 1000)).toEqual({ ok: false, error: 'no user nobody' })
    const second = users.issueToken('alice', 'session', 5000)
    if (!second.ok) throw new Error(second.error)
    expect(users.purgeExpired(1000)).toBe(1)
    expect(users.revokeToken(second.value.token)).toBe(true)
    expect(users.lookupToken(second.value.token, 'session', 1)).toBeUndefined()
    const third = users.issueToken('alice', 'session', 5000)
    users.remove('alice')
    expect(third.ok && users.lookupToken(third.value.token, 'session', 1)).toBeUndefined()
  })

  it('lets a one-time sign-in token be used once, before it expires', async () => {
    const { users } = store()
    await users.put({ name: 'alice', password: 'correct horse' }, 1)
    const once = users.issueToken('alice', 'login', 1000)
    if (!once.ok) throw new Error(once.error)
    expect(users.consumeToken(once.value.token, 'session', 1)).toBeUndefined()
    expect(users.consumeToken(once.value.token, 'login', 1)?.name).toBe('alice')
    expect(users.consumeToken(once.value.token, 'login', 1)).toBeUndefined()
    const late = users.issueToken('alice', 'login', 1000)
    expect(late.ok && users.consumeToken(late.value.token, 'login', 1000)).toBeUndefined()
  })
})

describe('call records with the fallback flag', () => {
  it('keeps whether an IME call fell back to the PSTN', () => {
    const calls = new SqliteCallRecordStore(openDatabase(':memory:'))
    const base = { direction: 'outbound' as const, caller: '+12015550100' as E164, called: '+12025550102' as E164 }
    calls.add({ ...base, id: 'a', path: 'pstn', start: 1, end: 2, user: 'alice', fallback: true })
    calls.add({ ...base, id: 'b', path: 'ime', start: 3, end: 4, user: 'alice' })
    expect(calls.get('a')?.fallback).toBe(true)
    expect(calls.get('b')?.fallback).toBeUndefined()
  })
})
