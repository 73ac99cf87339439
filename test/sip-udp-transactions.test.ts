/**
 * The transaction layer on a real UDP socket, through the call agent: a retransmitted request gets the same
 * answer again (its server transaction's, the same To tag), an unacknowledged failure to an INVITE is
 * retransmitted on Timer G (T1, then doubling) until the ACK comes, and the ACK stops it; a callee's retransmitted
 * 200 reaches a caller on UDP whose first 200 was lost (RFC 6026 section 8.7).
 */
import { createSocket, type Socket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/core/clock.js'
import { err } from '../src/core/result.js'
import { CallAgent } from '../src/sip/agent/index.js'
import { answerChallenge } from '../src/sip/auth/index.js'
import { parseAuthValue } from '../src/sip/message/index.js'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { StaticSipDirectory } from '../src/testing/static-sip-directory.js'

const HOST = '127.0.0.1'
let agent: CallAgent
let socket: Socket
let port: number
const received: string[] = []

beforeAll(async () => {
  agent = await CallAgent.start({
    domain: 'udp.example',
    host: HOST,
    edge: { tcpPort: 0 },
    internal: { tcpPort: 0, udpPort: 0 },
    directory: new StaticSipDirectory('udp.example', [
      { name: 'alice', password: 'secret-alice' },
      { name: 'bob', password: 'secret-bob' },
    ]),
    routeTo: () => undefined,
    checkCaller: () => err({ code: 'malformed', reason: 'no tickets here' }),
    vouchFor: () => err('no calls over learned routes here'),
    clock: systemClock,
  })
  port = agent.addresses.internal.udp!
  socket = createSocket('udp4')
  socket.on('message', (m) => received.push(m.toString('latin1')))
  await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()))
})

afterAll(async () => {
  socket.close()
  await agent.stop()
})

const send = (text: string) =>
  new Promise<void>((resolve, reject) =>
    socket.send(Buffer.from(text, 'latin1'), port, HOST, (e) => (e ? reject(e) : resolve())),
  )
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function request(method: string, branch: string, cseq: string, extra = ''): string {
  const local = socket.address().port
  return (
    `${method} sip:bob@udp.example SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${HOST}:${local};branch=${branch};rport\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@udp.example>;tag=udp1\r\n' +
    'To: <sip:bob@udp.example>' +
    extra +
    '\r\n' +
    `Call-ID: udp-${branch}\r\n` +
    `CSeq: ${cseq}\r\n` +
    `Contact: <sip:alice@${HOST}:${local}>\r\n` +
    'Content-Length: 0\r\n\r\n'
  )
}

/** The answers with this status and branch received so far, by their To tag. */
function answers(status: number, branch: string): string[] {
  return received
    .filter((m) => m.startsWith(`SIP/2.0 ${status} `) && m.includes(branch))
    .map((m) => /\r\nTo: [^\r]*;tag=([^;\r]+)/i.exec(m)?.[1] ?? '')
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!check() && Date.now() < end) await sleep(20)
}

describe('SIP transactions over UDP (RFC 3261 section 17.2)', () => {
  it('retransmits an unacknowledged 407 on Timer G, answers a retransmitted INVITE with it, and stops on ACK', async () => {
    const branch = 'z9hG4bKudpinvite1'
    await send(request('INVITE', branch, '1 INVITE'))
    await until(() => answers(407, branch).length >= 1)
    const tag = answers(407, branch)[0]!
    expect(tag).not.toBe('')
    // The peer retransmits its INVITE: the same 407 again (same To tag), not a second challenge.
    await send(request('INVITE', branch, '1 INVITE'))
    // Timer G: 0.5 s and 1.5 s after the first.
    await until(() => answers(407, branch).length >= 4)
    expect(answers(407, branch).length).toBeGreaterThanOrEqual(4)
    expect(new Set(answers(407, branch))).toEqual(new Set([tag]))
    await send(request('ACK', branch, '1 ACK', `;tag=${tag}`))
    await sleep(150)
    const afterAck = answers(407, branch).length
    // The next Timer G would fire 3.5 s after the first 407: nothing comes once the ACK is in.
    await sleep(2_500)
    expect(answers(407, branch).length).toBe(afterAck)
  })

  it('answers a retransmitted REGISTER with the same 401 (non-INVITE server transaction)', async () => {
    const branch = 'z9hG4bKudpregister1'
    await send(request('REGISTER', branch, '1 REGISTER'))
    await until(() => answers(401, branch).length >= 1)
    await send(request('REGISTER', branch, '1 REGISTER'))
    await until(() => answers(401, branch).length >= 2)
    const tags = answers(401, branch)
    expect(tags.length).toBe(2)
    expect(tags[0]).toBe(tags[1])
  })

  it("passes the callee's retransmitted 200 on to a caller on UDP, as first sent, until the caller's ACK", async () => {
    const bob = await SipPhone.connect({
      transport: 'TCP',
      port: agent.addresses.internal.tcp!,
      user: 'bob',
      password: 'secret-bob',
      domain: 'udp.example',
    })
    try {
      expect((await bob.register()).status).toBe(200)
      // Bob answers and, like any UAS, sends his 200 again until the ACK comes (RFC 3261 section 13.3.1.4).
      bob.incoming = { answer: true, resendUntilAck: true }
      const first = 'z9hG4bKudpcall1'
      await send(request('INVITE', first, '1 INVITE'))
      await until(() => answers(407, first).length >= 1)
      const challenged = received.find((m) => m.startsWith('SIP/2.0 407 ') && m.includes(first))!
      await send(request('ACK', first, '1 ACK', `;tag=${answers(407, first)[0]}`))
      const challenge = parseAuthValue(/\r\nProxy-Authenticate: ([^\r]+)/i.exec(challenged)![1]!)
      const credentials = answerChallenge(
        challenge.ok ? challenge.value : (undefined as never),
        { user: 'alice', password: 'secret-alice' },
        'INVITE',
        'sip:bob@udp.example',
        'cnonce1',
      )
      const branch = 'z9hG4bKudpcall2'
      await send(
        request('INVITE', branch, '2 INVITE')
          .replace(`Call-ID: udp-${branch}`, `Call-ID: udp-${first}`)
          .replace(
            'Content-Length: 0',
            `Proxy-Authorization: ${credentials.ok ? credentials.value : ''}\r\nContent-Length: 0`,
          ),
      )
      // Alice does not acknowledge the 200 (as if it had been lost): the copies bob sends reach her, the same 200.
      await until(() => answers(200, branch).length >= 3, 6_000)
      const oks = received.filter((m) => m.startsWith('SIP/2.0 200 ') && m.includes(branch))
      expect(oks.length).toBeGreaterThanOrEqual(3)
      expect(new Set(oks).size).toBe(1)
      // Her ACK goes back along the recorded route to bob, whose copies then stop.
      const ok = oks[0]!
      const header = (name: string) => [...ok.matchAll(new RegExp(`\\r\\n${name}: ([^\\r]+)`, 'gi'))].map((m) => m[1]!)
      const target = /<([^>]+)>/.exec(header('Contact')[0]!)![1]!
      const local = socket.address().port
      await send(
        `ACK ${target} SIP/2.0\r\n` +
          `Via: SIP/2.0/UDP ${HOST}:${local};branch=z9hG4bKudpack2;rport\r\n` +
          'Max-Forwards: 70\r\n' +
          header('Record-Route')
            .flatMap((v) => v.split(/,\s*/))
            .reverse()
            .map((r) => `Route: ${r}\r\n`)
            .join('') +
          'From: <sip:alice@udp.example>;tag=udp1\r\n' +
          `To: ${header('To')[0]}\r\n` +
          `Call-ID: udp-${first}\r\n` +
          'CSeq: 2 ACK\r\n' +
          'Content-Length: 0\r\n\r\n',
      )
      await bob.nextRequest('ACK')
      const acknowledged = answers(200, branch).length
      // Bob's next copy would have come 3.5 s after the first, about 2 s after the third.
      await sleep(2_500)
      expect(answers(200, branch).length).toBe(acknowledged)
    } finally {
      await bob.close()
    }
  }, 20_000)
})
