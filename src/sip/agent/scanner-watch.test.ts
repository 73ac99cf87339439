import { describe, expect, it } from 'vitest'
import { newRequest, SipHeaders } from '../message/index.js'
import { ScannerWatch, SOURCES_REMEMBERED } from './scanner-watch.js'

const scanner = (() => {
  const h = new SipHeaders()
  h.add('User-Agent', 'friendly-scanner')
  return newRequest('OPTIONS', 'sip:100@victim.example', h)
})()

describe('scanner watch', () => {
  it('forgets the least recently seen source when full, never every block at once', () => {
    const watch = new ScannerWatch()
    const now = 1_000
    expect(watch.check(scanner, 'first', now)).toMatchObject({ blocked: true, first: true })
    // A scanner churning addresses fills the table, then one more.
    for (let i = 0; i < SOURCES_REMEMBERED; i++) watch.check(scanner, `churn-${i}`, now)
    // The oldest block made room; the others (all but the first) still hold.
    expect(watch.check(scanner, 'first', now)).toMatchObject({ blocked: true, first: true })
    expect(watch.check(scanner, `churn-${SOURCES_REMEMBERED - 1}`, now)).toMatchObject({ blocked: true, first: false })
    expect(watch.check(scanner, 'churn-10', now)).toMatchObject({ blocked: true, first: false })
  })
})
