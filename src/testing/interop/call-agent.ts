/**
 * Starts our call agent (src/sip/call-agent.ts) in this process for the interop tests and `ime bench sip`, with
 * one enterprise's users, IME ticket keys and the real ticket check (verifyTicket).
 *
 * The agent's modules are loaded by file URL at run time, and typed here by the part of their API this uses, so
 * that this compiles on a branch that does not have the agent yet. Where the agent exists, the static imports
 * can replace loadAgentModules(), and these interfaces become checked against the real ones.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { systemClock } from '../../core/clock.js'
import type { Result } from '../../core/result.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../../tickets/key-ring.js'
import { verifyTicket, type TicketRejection } from '../../tickets/mint.js'
import { LOCALHOST } from './ports.js'

export interface AgentUser {
  name: string
  password: string
  /** E.164 */
  number?: string
}

/** What the tests use of a running CallAgent. */
export interface AgentUnderTest {
  readonly addresses: {
    edge: { tcp?: number | undefined; ws?: number | undefined }
    internal: { tcp?: number | undefined; ws?: number | undefined }
  }
  readonly counters: { ticketsAccepted: number; ticketsRefused: Record<string, number>; rateLimited: number }
  stop(): Promise<void>
}

/** The part of CallAgentConfig this passes. */
interface AgentConfig {
  domain: string
  host: string
  edge: { tcpPort?: number; wsPort?: number }
  internal: { tcpPort?: number; wsPort?: number }
  directory: unknown
  routeTo: (number: string) => undefined
  checkTicket: (
    ticket: string | undefined,
    expected: { calledNumber: string; callingDomain: string },
  ) => Result<unknown, TicketRejection>
  clock: { now(): number }
  onEvent?: (e: { type: string; [k: string]: unknown }) => void
}

interface AgentModules {
  CallAgent: { start(config: AgentConfig): Promise<AgentUnderTest> }
  StaticSipDirectory: new (realm: string, users: readonly AgentUser[]) => unknown
}

const AGENT_FILE = fileURLToPath(new URL('../../sip/call-agent.ts', import.meta.url))
const DIRECTORY_FILE = fileURLToPath(new URL('../static-sip-directory.ts', import.meta.url))

export function agentAvailable(): boolean {
  return existsSync(AGENT_FILE) && existsSync(DIRECTORY_FILE)
}

async function loadAgentModules(): Promise<AgentModules> {
  if (!agentAvailable()) throw new Error(`the call agent is not on this branch (${AGENT_FILE})`)
  const agent = (await import(AGENT_FILE)) as Pick<AgentModules, 'CallAgent'>
  const directory = (await import(DIRECTORY_FILE)) as Pick<AgentModules, 'StaticSipDirectory'>
  return { CallAgent: agent.CallAgent, StaticSipDirectory: directory.StaticSipDirectory }
}

export const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

export interface StartedAgent {
  agent: AgentUnderTest
  /** The terminating side's ticket keys: mint valid tickets with them. */
  keys: TicketKeyRing
  domain: string
  edgeTcp: number
  internalTcp: number
  events: { type: string; [k: string]: unknown }[]
}

/** One enterprise's call agent on 127.0.0.1, edge and internal faces on free TCP ports. */
export async function startAgent(domain: string, users: readonly AgentUser[]): Promise<StartedAgent> {
  const { CallAgent, StaticSipDirectory } = await loadAgentModules()
  const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
  const events: StartedAgent['events'] = []
  const agent = await CallAgent.start({
    domain,
    host: LOCALHOST,
    edge: { tcpPort: 0 },
    internal: { tcpPort: 0 },
    directory: new StaticSipDirectory(domain, users),
    routeTo: () => undefined,
    checkTicket: (t, expected) => verifyTicket(t, expected, keys, Date.now()),
    clock: systemClock,
    onEvent: (e) => void (events.length < 10_000 && events.push(e)),
  })
  const edgeTcp = agent.addresses.edge.tcp
  const internalTcp = agent.addresses.internal.tcp
  if (edgeTcp === undefined || internalTcp === undefined) {
    await agent.stop()
    throw new Error('the call agent did not report its edge and internal TCP ports (agent.addresses)')
  }
  return { agent, keys, domain, edgeTcp, internalTcp, events }
}
