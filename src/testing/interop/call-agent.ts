/**
 * Starts our call agent (src/sip/agent/call-agent.ts) in this process for the interop tests and `ime bench sip`, with
 * one enterprise's users, IME ticket keys and the real check of who is calling (ticket and caller assertion).
 */
import { randomBytes } from 'node:crypto'
import { systemClock } from '../../core/clock.js'
import type { E164 } from '../../core/e164.js'
import { CallAgent } from '../../sip/agent/index.js'
import type { DigestOffer } from '../../sip/auth/index.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../../tickets/key-ring.js'
import { callVoucher, edgeCallerCheck } from '../../node/caller-identity.js'
import { testCallerNode, type CredentialOptions, type TestCallerNode } from '../caller-node.js'
import { SipPhone } from '../scripted-phone.js'
import { StaticSipDirectory } from '../static-sip-directory.js'
import { LOCALHOST } from './ports.js'

export interface AgentUser {
  name: string
  password: string
  /** E.164 */
  number?: string
}

/** What the tests use of a running CallAgent. */
export type AgentUnderTest = CallAgent

export const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

export interface StartedAgent {
  agent: AgentUnderTest
  /** The terminating side's ticket keys: mint valid tickets with them. */
  keys: TicketKeyRing
  /** A calling enterprise's node, whose tickets and assertions this agent's edge accepts. */
  caller: TestCallerNode
  /** The X-IME-Ticket and Identity headers of one call from `caller` to the number at this agent's edge. */
  credentials(calledNumber: string, options?: CredentialOptions): [string, string][]
  /** A route from `caller` to the number: one ticket, then each call's headers with an assertion of its own. */
  route(calledNumber: string, options?: CredentialOptions): ReturnType<TestCallerNode['route']>
  domain: string
  edgeTcp: number
  internalTcp: number
  events: { type: string; [k: string]: unknown }[]
}

/**
 * One enterprise's call agent on 127.0.0.1, edge and internal faces on free TCP ports; `digest`: the challenges
 * its internal face offers (default: the agent's own default).
 */
export async function startAgent(
  domain: string,
  users: readonly AgentUser[],
  digest?: DigestOffer,
): Promise<StartedAgent> {
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
  const caller = testCallerNode()
  const events: StartedAgent['events'] = []
  const agent = await CallAgent.start({
    domain,
    host: LOCALHOST,
    edge: { tcpPort: 0 },
    internal: { tcpPort: 0, ...(digest !== undefined && { digest }) },
    directory: new StaticSipDirectory(
      domain,
      users.map((u) => ({ ...u, number: u.number as E164 | undefined })),
    ),
    routeTo: () => undefined,
    checkCaller: edgeCallerCheck({ ticketKeys: keys, clock: systemClock }).check,
    vouchFor: callVoucher({ signer: testCallerNode().signer, domain, clock: systemClock }),
    clock: systemClock,
    onEvent: (e) => void (events.length < 10_000 && events.push(e)),
  })
  const edgeTcp = agent.addresses.edge.tcp
  const internalTcp = agent.addresses.internal.tcp
  if (edgeTcp === undefined || internalTcp === undefined) {
    await agent.stop()
    throw new Error('the call agent did not report its edge and internal TCP ports (agent.addresses)')
  }
  const credentials = (calledNumber: string, options?: CredentialOptions) =>
    caller.credentials(keys, calledNumber, options)
  const route = (calledNumber: string, options?: CredentialOptions) => caller.route(keys, calledNumber, options)
  return { agent, keys, caller, credentials, route, domain, edgeTcp, internalTcp, events }
}

/** A scripted phone of `user` on the agent's internal face over TCP (not registered yet). */
export function phoneOn(started: StartedAgent, user: AgentUser): Promise<SipPhone> {
  return SipPhone.connect({
    transport: 'TCP',
    port: started.internalTcp,
    user: user.name,
    password: user.password,
    domain: started.domain,
  })
}
