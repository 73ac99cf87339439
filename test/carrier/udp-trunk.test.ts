/**
 * A trunk over UDP against a bare UDP socket standing in for a carrier, to see what goes on the wire: the REGISTER
 * leaves from the node's own UDP socket with rport and a Contact naming that socket's port; a REGISTER the carrier
 * never saw is sent again (Timer E, T1 = 500 ms) with the same branch; the answer, sent to the address the
 * datagram came from, reaches the trunk.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import type { E164 } from '../../src/core/e164.js'
import { CallAgent, type CallAgentEvent } from '../../src/sip/agent/index.js'
import { responseTo, type SipRequest } from '../../src/sip/message/message.js'
import { parseMessage } from '../../src/sip/message/parser.js'
import { serialiseMessage } from '../../src/sip/message/serialise.js'
import { LOCALHOST } from '../../src/testing/interop/ports.js'
import { StaticSipDirectory } from '../../src/testing/static-sip-directory.js'
import { until } from '../e2e/support/media.js'

const DOMAIN = 'alpha.example'
const ALICE = { name: 'alice', password: 'alice-secret-1', number: '+12025550101' as E164 }

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

interface Heard {
  readonly at: number
  readonly from: RemoteInfo
  readonly request: SipRequest
}

/** A UDP socket that records what it gets and answers 200 to each REGISTER after the first `ignore`. */
async function udpCarrier(ignore: number): Promise<{ port: number; heard: Heard[]; socket: Socket }> {
  const socket = createSocket('udp4')
  const heard: Heard[] = []
  socket.on('message', (data, from) => {
    const m = parseMessage(data)
    if (!m.ok || m.value.kind !== 'request') return
    heard.push({ at: Date.now(), from, request: m.value })
    if (heard.length <= ignore) return
    const r = responseTo(m.value, 200, 'OK', { toTag: 'carrier1' })
    if (!r.ok) return
    r.value.headers.add('Contact', `${m.value.headers.get('Contact') ?? ''};expires=300`)
    const bytes = serialiseMessage(r.value)
    if (bytes.ok) socket.send(bytes.value, from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, LOCALHOST, resolve))
  cleanup.push(() => new Promise((resolve) => socket.close(() => resolve())))
  return { port: socket.address().port, heard, socket }
}

async function agentTo(uri: string, events: CallAgentEvent[]): Promise<CallAgent> {
  const agent = await CallAgent.start({
    domain: DOMAIN,
    host: LOCALHOST,
    edge: { tcpPort: 0 },
    internal: { tcpPort: 0 },
    pstn: { uri, user: 'alpha', password: 'trunk-secret' },
    directory: new StaticSipDirectory(DOMAIN, [ALICE]),
    routeTo: () => undefined,
    checkCaller: () => ({ ok: false, error: { code: 'no-edge', reason: 'not in this test' } }),
    vouchFor: () => ({ ok: false, error: 'not in this test' }),
    clock: systemClock,
    onEvent: (e) => void events.push(e),
  })
  cleanup.push(() => agent.stop())
  return agent
}

describe('a trunk over UDP', () => {
  it('registers from its own UDP socket: rport, a Contact with that port, Timer E retransmission, same branch', async () => {
    const carrier = await udpCarrier(1)
    const events: CallAgentEvent[] = []
    const agent = await agentTo(`sip:${LOCALHOST}:${carrier.port};transport=udp`, events)
    await until(
      async () => agent.trunkRegistered,
      (r) => r,
      5_000,
    )
    expect(carrier.heard.length).toBe(2)
    const [first, again] = carrier.heard as [Heard, Heard]
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
    const carrier = await udpCarrier(Infinity)
    const events: CallAgentEvent[] = []
    await agentTo(`sip:${LOCALHOST}:${carrier.port};transport=udp`, events)
    await until(
      async () => events.find((e) => e.type === 'trunk' && e.state === 'down'),
      (e) => e !== undefined,
      8_000,
    )
    const down = events.find((e) => e.type === 'trunk' && e.state === 'down')
    expect(String(down?.detail)).toContain('no answer to REGISTER within 5 s')
    const first = carrier.heard[0]!.at
    const branch = carrier.heard[0]!.request.headers.get('Via')
    const sameTxn = carrier.heard.filter((h) => h.request.headers.get('Via') === branch)
    expect(sameTxn.map((h) => Math.round((h.at - first) / 500) * 500)).toEqual([0, 500, 1_500, 3_500])
  }, 15_000)
})
