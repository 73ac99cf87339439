/** A short run of the soak (the long one is `ime bench soak --minutes 30`): calls with churn, none failing. */
import { describe, expect, it } from 'vitest'
import { runSoak } from '../bench/soak.js'

describe('soak, briefly', () => {
  it('places calls across PSTN and IME through an edge outage and a node restart, none failing', async () => {
    const r = await runSoak({ minutes: 0.4, churnEveryS: 6, holdMs: 1_100, callIntervalMs: 100 })
    expect(r.failures).toEqual([])
    expect(r.callsPlaced).toBeGreaterThan(10)
    expect(r.byPath.pstn).toBeGreaterThan(0)
    expect(r.byPath.ime).toBeGreaterThan(0)
    expect(r.edgeOutages).toBeGreaterThanOrEqual(1)
    expect(r.restarts).toBeGreaterThanOrEqual(1)
  }, 120_000)
})
