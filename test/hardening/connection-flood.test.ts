/**
 * Floods of connections that send nothing, or only the start of a message (issue 20; the long run:
 * `ime bench flood --connections 20000 --listener L`). 300 connections from 127.0.0.1 against one listener at a
 * time, with low limits, while from 127.0.0.2 bob registers, ticketed calls are placed, the ring pings and
 * /api/health is asked. Without the limits every one of the 300 would be held (for 10 minutes on SIP, 20 s on
 * HTTP) and, at 20,000, the process would run out of descriptors.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runConnectionFlood } from '../../bench/connection-flood.js'
import { FloodWorld } from '../../bench/flood-world.js'
import { floodConnections, HALF_SENT } from '../../src/testing/connection-flood.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'

// 3 s for a first message: a legitimate TLS handshake and REGISTER take longer than 1 s on a loaded machine.
const LOW = { perSource: 64, perSourcePending: 16, max: 200, reserve: 40, firstMessageMs: 3_000 }
/** The figures are read once the flood's pending connections have had their time. */
const SETTLE_MS = 3_500
const CALLS = 20

const allWell = (f: Awaited<ReturnType<typeof runConnectionFlood>>['underFlood']) => {
  expect(f.errors).toEqual([])
  expect(f.registered).toBe(true)
  expect(f.calls).toMatchObject({ ok: CALLS, failed: 0 })
  expect(f.health).toEqual({ ok: 5, failed: 0 })
  expect(f.ring).toMatchObject({ ok: 5, failed: 0 })
}

describe('a flood of connections from one source', () => {
  for (const [listener, halfSent] of [
    ['sip-tcp', false],
    ['sip-ws', true],
    ['sip-tls', true],
  ] as const) {
    it(`against ${listener} (${halfSent ? 'half-sent' : 'idle'}): the source keeps 16 pending, no longer than 3 s; calls from another source all connect`, async () => {
      const r = await runConnectionFlood({
        connections: 300,
        listener,
        calls: CALLS,
        halfSent,
        limits: { sip: LOW },
        settleMs: SETTLE_MS,
      })
      allWell(r.alone)
      allWell(r.underFlood)
      expect(r.flood.connected + r.flood.failed).toBe(300)
      // Refused at accept beyond 16 pending; the rest closed when their first message did not come.
      expect(r.node.refused!['per-source-pending']).toBeGreaterThanOrEqual(280)
      expect(r.node.closed!['first-message-timeout']).toBeGreaterThanOrEqual(16)
      expect(r.node.held).toBe(0)
    }, 60_000)
  }

  it('against HTTP (headers that never end): health from another source is answered; the flood is refused and timed out', async () => {
    const r = await runConnectionFlood({
      connections: 300,
      listener: 'http',
      calls: CALLS,
      halfSent: true,
      limits: { http: LOW },
      settleMs: SETTLE_MS,
    })
    allWell(r.underFlood)
    expect(r.node.refused!['per-source-pending']).toBeGreaterThanOrEqual(280)
    expect(r.node.closed!['first-message-timeout']).toBeGreaterThanOrEqual(16)
    expect(r.node.held).toBe(0)
  }, 60_000)

  it('against libp2p, sustained (each closed connection reopened): the ring member still connects and pings', async () => {
    // With libp2p's defaults (10 pending handshakes for 10 s each) this source locks the member out: 2 of 5 pings.
    const r = await runConnectionFlood({ connections: 300, listener: 'libp2p', calls: 5, sustained: true })
    expect(r.underFlood.ring).toMatchObject({ ok: 5, failed: 0 })
    expect(r.flood.connected).toBeGreaterThan(300)
  }, 60_000)
})

describe('the overall cap', () => {
  let world: FloodWorld | undefined
  afterEach(async () => {
    await world?.stop()
    world = undefined
  })

  it('closes the oldest pending connection for a newcomer, never a registered flow', async () => {
    // No per-source limit to speak of: the flood fills all 120 slots pending connections may take.
    world = await FloodWorld.start({
      sip: { perSource: 1_000, perSourcePending: 1_000, max: 150, reserve: 30, firstMessageMs: 5_000 },
    })
    const bob = await SipPhone.connect({
      transport: 'TCP',
      port: world.agent.addresses.edge.tcp!,
      user: 'x',
      password: '',
      domain: 'b.example',
      localAddress: '127.0.0.2',
    })
    // Any complete message makes a flow established (this one is refused: REGISTER is not for the edge).
    expect((await bob.register()).status).toBe(405)
    const flood = floodConnections({
      host: '127.0.0.1',
      port: world.port('sip-ws'),
      from: '127.0.0.1',
      count: 300,
      halfSent: HALF_SENT.ws,
    })
    try {
      await flood.opened
      const under = await world.legit('127.0.0.2', 5, 'sip-ws')
      expect(under.errors).toEqual([])
      expect(under.calls).toMatchObject({ ok: 5, failed: 0 })
      expect(bob.isOpen).toBe(true)
      expect(world.agent.connections.closed.evicted).toBeGreaterThanOrEqual(150)
      expect(world.agent.connections.pending).toBeLessThanOrEqual(120)
    } finally {
      await flood.stop()
      await bob.close()
    }
  }, 60_000)
})
