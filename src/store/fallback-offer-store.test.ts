import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import type { Allocation } from '../fallback/allocator.js'
import { midcallFallbackSettings } from '../fallback/settings.js'
import { openMidcallFallback } from '../fallback/midcall-fallback.js'
import { openDatabase } from './database.js'
import { SqliteFallbackOffers } from './fallback-offer-store.js'

const D1 = '+12025550190' as E164
const offer = (callId: string, expiresAt: number, caller?: E164): Allocation => ({
  callId,
  did: D1,
  digits: '0042',
  user: 'bob',
  caller,
  expiresAt,
})

describe('fallback offer store', () => {
  it('gives back what was added, in the order the offers were made, leading zeros and no caller kept', () => {
    const store = new SqliteFallbackOffers(openDatabase(':memory:'))
    expect(store.load()).toEqual({ ok: true, value: [] })
    const a = offer('call-a', 2_000, '+12015550100' as E164)
    const b = offer('call-b', 1_000)
    store.add(a)
    store.add(b)
    expect(store.load()).toEqual({ ok: true, value: [b, a] })
  })

  it('deletes an offer by call ID, and the lapsed ones up to a time', () => {
    const store = new SqliteFallbackOffers(openDatabase(':memory:'))
    for (const [id, at] of [
      ['c1', 1_000],
      ['c2', 2_000],
      ['c3', 3_000],
    ] as const)
      store.add(offer(id, at))
    store.remove('c3')
    store.remove('c3') // already gone: nothing to do
    expect(store.load()).toMatchObject({ value: [{ callId: 'c1' }, { callId: 'c2' }] })
    store.removeLapsed(1_999)
    expect(store.load()).toMatchObject({ value: [{ callId: 'c2' }] })
    store.removeLapsed(2_000) // an offer lapses at its expiry
    expect(store.load()).toEqual({ ok: true, value: [] })
  })

  it('names the table, the row and the fix when a row cannot be read', () => {
    const db = openDatabase(':memory:')
    const store = new SqliteFallbackOffers(db)
    store.add(offer('good', 5_000))
    db.prepare(
      `INSERT INTO midcall_fallback_offers (call_id, did, digits, user_name, caller, expires_at)
       VALUES ('it''s', '555', '1234', 'bob', NULL, 1)`,
    ).run()
    expect(store.load()).toEqual({
      ok: false,
      error:
        `table midcall_fallback_offers, row call_id = 'it''s': the DID "555" is not an E.164 number; the node ` +
        `writes no such row (edited by hand, or the database is damaged): delete it ` +
        `(DELETE FROM midcall_fallback_offers WHERE call_id = 'it''s') and start again`,
    })
    db.prepare(`UPDATE midcall_fallback_offers SET did = ?, digits = '12a4' WHERE call_id = 'it''s'`).run(D1)
    expect(store.load()).toMatchObject({ ok: false, error: /the digits "12a4" are not 4 to 12 decimal digits/ })
  })

  it('keeps a live call across a restart of the mid-call fallback on the same database', () => {
    const settings = midcallFallbackSettings({ dids: [D1], maxConcurrent: 2 })
    if (!settings.ok) throw new Error(settings.error)
    const db = openDatabase(':memory:')
    let t = 1_700_000_000_000
    const first = openMidcallFallback(
      settings.value,
      () => 0,
      () => t,
      new SqliteFallbackOffers(db),
    )
    if (!first.ok) throw new Error(first.error)
    expect(first.value.offer('call-1', 'bob', undefined)).toMatch(/digits=0000/)
    t += 60_000
    const again = openMidcallFallback(
      settings.value,
      () => 0,
      () => t,
      new SqliteFallbackOffers(db),
    )
    if (!again.ok) throw new Error(again.error)
    expect(again.value.legFor(D1, undefined)).toEqual({ ok: true, value: { user: 'bob', callIds: ['call-1'] } })
    // The same draws (all zeros) would give call-1's digits: the restored offer makes the allocator draw again,
    // and with nothing but zeros it finds none free.
    expect(again.value.offer('call-2', 'bert', undefined)).toBeUndefined()
    expect(again.value.release('call-1', false)).toBe(true)
    expect(new SqliteFallbackOffers(db).load()).toEqual({ ok: true, value: [] })
  })
})
