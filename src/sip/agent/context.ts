/** What the call agent's parts share: its configuration, proxy core, transports, registrations and counters. */
import type { SipProxyCore } from '../proxy/index.js'
import type { SipTransportHub } from '../transport/index.js'
import type { Registrations } from './registrar.js'
import type { ScannerWatch } from './scanner-watch.js'
import type { CallAgentConfig, CallAgentCounters, CallAgentEvent } from './types.js'

export interface AgentContext {
  readonly config: CallAgentConfig
  readonly core: SipProxyCore
  readonly hub: SipTransportHub
  readonly registrations: Registrations
  readonly counters: CallAgentCounters
  readonly scanners: ScannerWatch
  emit(e: CallAgentEvent): void
}

/** The methods the agent's internal face and trunk take. */
export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY, PRACK'
