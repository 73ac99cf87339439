/**
 * The node says who calls, always (issue 15): a P-Asserted-Identity a phone sends is replaced, for users with a
 * number (their number) and without one (their SIP address), on calls to colleagues as on calls out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { phoneOn, startAgent, type StartedAgent } from '../src/testing/interop/call-agent.js'
import type { SipPhone } from '../src/testing/scripted-phone.js'

const BOB = { name: 'bob', password: 'bob-secret', number: '+12015550101' }
const DESK = { name: 'desk', password: 'desk-secret' } // a user without a number (a lobby phone)
let agent: StartedAgent
const phones: SipPhone[] = []

beforeAll(async () => {
  agent = await startAgent('callerid.example', [BOB, DESK])
})
afterAll(async () => {
  for (const p of phones) await p.close()
  await agent?.agent.stop()
})

describe("the caller's identity is the node's to say", () => {
  it.each([
    ['a user without a number', DESK, '<sip:desk@callerid.example>'],
    ['a user with a number', BOB, '<sip:+12015550101@callerid.example>'],
  ])('%s cannot present another identity to a colleague', async (_name, caller, asserted) => {
    const callee = caller === BOB ? DESK : BOB
    const answering = await phoneOn(agent, callee)
    const calling = await phoneOn(agent, caller)
    phones.push(answering, calling)
    expect((await answering.register()).status).toBe(200)
    const forged = [['P-Asserted-Identity', '<sip:+18005550100@bank.example>']] as [string, string][]
    const call = await calling.call(`sip:${callee.name}@callerid.example`, forged)
    expect(call.final.status).toBe(200)
    const invite = answering.received.filter((r) => r.method === 'INVITE').at(-1)!
    expect(invite.headers.getAll('P-Asserted-Identity')).toEqual([asserted])
    await calling.bye(call.dialog!)
  })
})
