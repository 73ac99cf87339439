/**
 * A trunk over UDP against a bare UDP socket standing in for a carrier, to see what goes on the wire: the REGISTER
 * leaves from the node's own UDP socket with rport and a Contact naming that socket's port; a REGISTER the carrier
 * never saw is sent again (Timer E, T1 = 500 ms) with the same branch; the answer, sent to the address the
 * datagram came from, reaches the trunk.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTrunkAgent } from './support/trunk-agent.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { LOCALHOST } from '../../src/testing/interop/ports.js'
import { until } from '../e2e/support/media.js'
import { requestsHeard, udpCarrier, type BareCarrier } from './support/bare-carrier.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function carrierOverUdp(ignore: number): Promise<BareCarrier> {
  const c = await udpCarrier(LOCALHOST, ignore)
  cleanup.push(() => c.close())
  return c
}

async function agentTo(uri: string, events: CallAgentEvent[]): Promise<CallAgent> {
  const agent = await startTrunkAgent({ pstn: { uri, user: 'alpha', password: 'trunk-secret' }, events })
  cleanup.push(() => agent.stop())
  return agent
}

describe('a trunk over UDP', () => {
  it('registers from its own UDP socket: rport, a Contact with that port, Timer E retransmission, same branch', async () => {
    const carrier = await carrierOverUdp(1)
    const events: CallAgentEvent[] = []
    const agent = await agentTo(`sip:${LOCALHOST}:${carrier.port};transport=udp`, events)
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    const heard = requestsHeard(carrier.heard)
    expect(heard.length).toBe(2)
    const [first, again] = heard as [(typeof heard)[0], (typeof heard)[0]]
    // Timer E: the first retransmission T1 (500 ms) after the request.
    expect(again.at - first.at).toBeGreaterThanOrEqual(450)
    expect(again.at - first.at).toBeLessThan(1_000)
    expect(again.request.headers.get('Via')).toBe(first.request.headers.get('Via'))
    const port = first.from.port
    expect(first.request.headers.get('Via')).toMatch(
      new RegExp(`^SIP/2.0/UDP 127\\.0\\.0\\.1:${port};branch=z9hG4bK.+;rport$`),
    )
    expect(first.request.headers.get('Contact')).toBe(`<sip:alpha@127.0.0.1:${port};transport=udp>`)
    expect(events).toContainEqual(expect.objectContaining({ type: 'trunk', state: 'registered' }))
  })

  it('a carrier that never answers: the REGISTER is sent again at 0.5, 1.5, 3.5 s, then the trunk says so', async () => {
    const carrier = await carrierOverUdp(Infinity)
    const events: CallAgentEvent[] = []
    await agentTo(`sip:${LOCALHOST}:${carrier.port};transport=udp`, events)
    await until(
      async () => events.find((e) => e.type === 'trunk' && e.state === 'down'),
      (e) => e !== undefined,
      8_000,
    )
    const down = events.find((e) => e.type === 'trunk' && e.state === 'down')
    expect(String(down?.detail)).toContain('no answer to REGISTER within 5 s')
    const heard = requestsHeard(carrier.heard)
    const first = heard[0]!.at
    const branch = heard[0]!.request.headers.get('Via')
    const sameTxn = heard.filter((h) => h.request.headers.get('Via') === branch)
    expect(sameTxn.map((h) => Math.round((h.at - first) / 500) * 500)).toEqual([0, 500, 1_500, 3_500])
  }, 15_000)

  it("hears on its UDP socket only the addresses it sent to: the carrier's OPTIONS is answered, a stranger's is not", async () => {
    const carrier = await carrierOverUdp(0)
    const stranger = await carrierOverUdp(0)
    const agent = await agentTo(`sip:${LOCALHOST}:${carrier.port};transport=udp`, [])
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    const nodePort = requestsHeard(carrier.heard)[0]!.from.port
    const options = (from: number) =>
      [
        `OPTIONS sip:alpha@127.0.0.1:${nodePort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${from};branch=z9hG4bK-options-${from};rport`,
        'Max-Forwards: 70',
        `From: <sip:carrier@127.0.0.1>;tag=c${from}`,
        'To: <sip:alpha@127.0.0.1>',
        `Call-ID: options-${from}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    stranger.send(options(stranger.port), LOCALHOST, nodePort)
    carrier.send(options(carrier.port), LOCALHOST, nodePort)
    await until(
      async () => carrier.responses.length,
      (n) => n > 0,
      3_000,
    )
    expect(carrier.responses[0]!.status).toBe(200)
    await new Promise((r) => setTimeout(r, 500))
    expect(stranger.responses).toEqual([])
  })
})
