import { describe, expect, it } from 'vitest'
import { countSipEvent, NodeMetrics, processMetricsRegistry } from './metrics.js'

const gauges = { learnedRoutes: () => 0, pendingValidations: () => 0, registrations: () => 0 }

describe('node metrics', () => {
  it('expose process metrics from one registry per process, however many nodes come and go', async () => {
    const shared = processMetricsRegistry()
    const before = shared.getMetricsAsArray().length
    const nodes = Array.from({ length: 5 }, (_, i) => new NodeMetrics(gauges, i === 0))
    expect(processMetricsRegistry()).toBe(shared)
    expect(shared.getMetricsAsArray()).toHaveLength(before)
    const [withProcess, without] = await Promise.all([nodes[0]!.exposition(), nodes[1]!.exposition()])
    expect(withProcess.text).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(withProcess.text).toMatch(/^ime_learned_routes 0$/m)
    expect(without.text).not.toMatch(/^process_cpu/m)
    expect(without.text).toMatch(/^ime_learned_routes 0$/m)
    // The node's own registry holds only the node's figures: nothing process-wide keeps it alive.
    expect(nodes[0]!.registry.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined()
  })

  it('count SIP events: tickets by outcome, calls by path, fallbacks, auth failures, scans by face', async () => {
    const m = new NodeMetrics(gauges, false)
    countSipEvent(m, { type: 'ticket-checked', ok: false, code: 'expired' })
    countSipEvent(m, { type: 'call-started', path: 'ime', direction: 'inbound' })
    countSipEvent(m, { type: 'fallback' })
    countSipEvent(m, { type: 'auth-failed' })
    countSipEvent(m, { type: 'scan-detected', face: 'edge', source: '192.0.2.7', why: 'scanner user agent' })
    countSipEvent(m, { type: 'scan-detected', face: 'edge', source: '192.0.2.8', why: 'scanner user agent' })
    const { text } = await m.exposition()
    expect(text).toMatch(/^ime_tickets_checked_total\{outcome="expired"\} 1$/m)
    expect(text).toMatch(/^ime_calls_total\{path="ime",direction="inbound"\} 1$/m)
    expect(text).toMatch(/^ime_fallbacks_total 1$/m)
    expect(text).toMatch(/^ime_sip_auth_failures_total 1$/m)
    expect(text).toMatch(/^ime_sip_scans_detected_total\{face="edge"\} 2$/m)
  })
})
