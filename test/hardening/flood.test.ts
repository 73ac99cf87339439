/** A short flood (the long one: `ime bench flood --invites 10000`): unticketed INVITEs refused cheaply, while ticketed calls still connect. */
import { describe, expect, it } from 'vitest'
import { runFlood } from '../../bench/flood.js'

describe('a flood of unticketed INVITEs at the edge', () => {
  it('is refused (first with reasons, then cheaply), and ticketed calls at the same time all connect', async () => {
    const r = await runFlood({ invites: 2_000, rate: 1_000, calls: 50 })
    expect(r.flood.sent).toBe(2_000)
    expect(r.flood.refusedWithReason + r.flood.rateLimited + r.flood.ignored).toBeGreaterThanOrEqual(1_990)
    expect(r.flood.rateLimited).toBeGreaterThan(1_000)
    expect(r.ticketed.alone).toMatchObject({ ok: 50, failed: 0 })
    expect(r.ticketed.underFlood).toMatchObject({ ok: 50, failed: 0 })
  }, 120_000)
})
