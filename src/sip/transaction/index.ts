/** The transaction layer (RFC 3261 section 17): its public face. */
export { ClientTransaction, type ClientState, type ClientTransactionUser } from './client.js'
export { isReliable, type TransactionConnection } from './connection.js'
export { clientKeyOfRequest, clientKeyOfResponse, inviteKeyOf, serverKey } from './keys.js'
export { TransactionLayer } from './layer.js'
export { ackOfFailure, cancelOf } from './requests.js'
export { ServerTransaction, type Matched, type ServerState, type ServerTransactionUser } from './server.js'
export {
  IllegalTransitionError,
  InviteClientState,
  InviteServerState,
  NonInviteClientState,
  NonInviteServerState,
  StateMachine,
  type TransactionState,
} from './states.js'
export {
  ManualTimers,
  systemTimers,
  T1_MS,
  T2_MS,
  T4_MS,
  TIMER_D_UNRELIABLE_MS,
  TRANSACTION_TIMEOUT_MS,
  type TimerHandle,
  type TimerSource,
} from './timers.js'
