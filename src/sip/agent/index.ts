/** The application layer: the enterprise call agent and its parts (registrar, trunk, scanner watch). */
export { CallAgent } from './call-agent.js'
export { PstnTrunk, type PstnAccount } from './pstn-trunk.js'
export { DEFAULT_EXPIRES_S, isFlowOnlyContact, Registrations, type Binding, type ContactUpdate } from './registrar.js'
export { ScannerWatch } from './scanner-watch.js'
export type {
  ActiveCall,
  CallAgentConfig,
  CallAgentCounters,
  CallAgentEvent,
  FaceConfig,
  RouteToNumber,
  EdgeCaller,
  EdgeRefusal,
  SipDirectory,
  SipUser,
} from './types.js'
