/**
 * Kamailio in front of our call agent as its outbound proxy (an enterprise's SBC): alice at alpha calls a number
 * with a learned route; alpha's agent sends the INVITE, ticket attached, through Kamailio (src/testing/interop/kamailio/
 * outbound-proxy.cfg, record-routing on both of its sockets) to bravo's edge, which checks the ticket. BYE from
 * either side follows the route set back through Kamailio. (Calls INTO an edge behind this Kamailio are in
 * kamailio-proxies.test.ts and call-agent.test.ts.)
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import type { E164 } from '../../src/core/e164.js'
import { CallAgent } from '../../src/sip/agent/index.js'
import { StaticSipDirectory } from '../../src/testing/static-sip-directory.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../../src/tickets/key-ring.js'
import { callVoucher, edgeCallerCheck } from '../../src/node/caller-identity.js'
import { testCallerNode } from '../../src/testing/caller-node.js'
import { mintTicket } from '../../src/tickets/mint.js'
import { killAllKamailio, startKamailio, type KamailioProcess } from '../../src/testing/interop/kamailio.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'

const rand = (n: number) => new Uint8Array(randomBytes(n))
const BOB = '+14085550100' as E164

describe('our agent behind a Kamailio outbound proxy, calling out', () => {
  let alpha: CallAgent
  let bravo: CallAgent
  let kamailio: KamailioProcess
  const bravoKeys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
  const phones: SipPhone[] = []

  beforeAll(async () => {
    bravo = await CallAgent.start({
      domain: 'bravo.example',
      host: LOCALHOST,
      edge: { tcpPort: 0 },
      internal: { tcpPort: 0 },
      directory: new StaticSipDirectory('bravo.example', [{ name: 'bob', password: 'bob-pw', number: BOB }]),
      routeTo: () => undefined,
      checkCaller: edgeCallerCheck({ ticketKeys: bravoKeys, clock: systemClock }).check,
      vouchFor: () => ({ ok: false, error: 'bravo places no calls in this test' }),
      clock: systemClock,
    })
    const [outside, inside] = [await freePorts(1), await freePorts(1)]
    kamailio = await startKamailio({
      config: 'outbound-proxy.cfg',
      params: {
        OUTSIDE: `${LOCALHOST}:${outside}`,
        INSIDE: `${LOCALHOST}:${inside}`,
        UPSTREAM: `${LOCALHOST}:1`, // no edge behind it in this test: only the outbound direction is used
        OUTSIDE_PORT: outside,
      },
      ports: [outside, inside],
    })
    const alphaNode = testCallerNode()
    const request = { calledNumber: BOB, callingDomain: 'alpha.example', callerPeer: alphaNode.peer }
    const ticket = mintTicket(request, bravoKeys, Date.now(), rand)
    if (!ticket.ok) throw new Error(ticket.error)
    alpha = await CallAgent.start({
      domain: 'alpha.example',
      host: LOCALHOST,
      edge: { tcpPort: 0 },
      internal: { tcpPort: 0 },
      directory: new StaticSipDirectory('alpha.example', [
        { name: 'alice', password: 'alice-pw', number: '+16505550101' as E164 },
      ]),
      routeTo: (n) =>
        n === BOB
          ? {
              sipUri: `sip:${BOB}@${LOCALHOST}:${bravo.addresses.edge.tcp};transport=tcp`,
              ticket: ticket.value.text,
              domain: 'bravo.example',
            }
          : undefined,
      checkCaller: () => ({ ok: false, error: { code: 'missing', reason: 'ticket missing' } }),
      vouchFor: callVoucher({ signer: alphaNode.signer, domain: 'alpha.example', clock: systemClock }),
      clock: systemClock,
      outboundProxy: `sip:${LOCALHOST}:${inside};transport=tcp`,
    })
  }, 60_000)

  afterAll(async () => {
    for (const p of phones) await p.close()
    await alpha?.stop()
    await bravo?.stop()
    await kamailio?.stop()
    killAllKamailio()
  })

  it('the INVITE crosses Kamailio with its ticket, and BYE comes back through it both ways', async () => {
    const alice = await SipPhone.connect({
      transport: 'TCP',
      port: alpha.addresses.internal.tcp!,
      user: 'alice',
      password: 'alice-pw',
      domain: 'alpha.example',
    })
    const bob = await SipPhone.connect({
      transport: 'TCP',
      port: bravo.addresses.internal.tcp!,
      user: 'bob',
      password: 'bob-pw',
      domain: 'bravo.example',
    })
    phones.push(alice, bob)
    expect((await alice.register()).status).toBe(200)
    expect((await bob.register()).status).toBe(200)

    const first = await alice.call(`sip:${BOB}@alpha.example`)
    expect(first.final.status, kamailio.log().slice(-2000)).toBe(200)
    expect(bravo.counters.ticketsAccepted).toBe(1)
    // The route set names Kamailio's two sockets between the two agents.
    expect(first.final.headers.getAll('Record-Route').join(',')).toMatch(/r2=on/)
    const byeAtAlice = alice.nextRequest('BYE')
    expect((await bob.bye([...bob.dialogs.values()].at(-1)!)).status).toBe(200)
    await byeAtAlice

    const second = await alice.call(`sip:${BOB}@alpha.example`)
    expect(second.final.status).toBe(200)
    expect((await alice.bye(second.dialog!)).status).toBe(200)
    expect(bravo.counters.ticketsAccepted).toBe(2)
  })
})
