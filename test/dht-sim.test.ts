import { describe, expect, it } from 'vitest'
import { runSimBench } from '../bench/dht-sim.js'

// The in-memory network holds a 10,000-node ring in one process; the same scenario as `ime bench dht --sim`,
// with fewer lookups, so the targets are checked by the test command too. Each run draws a new seed (a
// new ring, keys and failures); a failing run names its seed: DHT_SIM_SEED=<seed> replays it exactly.
const seed =
  process.env.DHT_SIM_SEED !== undefined ? Number(process.env.DHT_SIM_SEED) : Math.floor(Math.random() * 2 ** 32)

describe('simulated ring of 10,000 nodes', () => {
  it(`meets the Chord targets: hops, success, survival of a quarter failing at once, and recovery (seed ${seed})`, async () => {
    const result = await runSimBench({ nodes: 10_000, lookups: 400, fail: 0.25, seed })
    expect(result.seed).toBe(seed)
    expect(result.healthy.success).toBe(1)
    expect(result.healthy.meanHops).toBeLessThanOrEqual(Math.log2(10_000) / 2)
    expect(result.afterFailure!.success).toBeGreaterThanOrEqual(0.98)
    expect(result.afterRefresh!.success, `after one refresh period (seed ${seed})`).toBe(1)
    // Routing alone, both styles on the same tables: both find the live responsible node of every key on the
    // healthy ring; recursive takes the same hops with fewer delays on the critical path, and more messages.
    const { iterative, recursive } = result.healthy.routing
    expect(iterative.correct).toBe(1)
    expect(recursive.correct).toBe(1)
    expect(Math.abs(recursive.meanHops - iterative.meanHops)).toBeLessThan(0.05)
    expect(recursive.meanLatencyMs).toBeLessThan(iterative.meanLatencyMs)
    expect(recursive.meanMessages).toBeGreaterThan(iterative.meanMessages)
    expect(result.afterFailure!.routing.iterative.correct).toBeGreaterThanOrEqual(0.98)
  }, 120_000)
})
