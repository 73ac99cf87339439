/** The proxy layer (RFC 3261 section 16): a transaction-stateful proxy core on the transaction layer. */
export { addressOf, cloneRequest, cloneResponse } from './address.js'
export { SipProxyCore } from './core.js'
export { DialogRouting } from './dialog-routing.js'
export type { BranchRefusal, ForwardOptions, ForwardTarget, InDialogForward, ProxyCoreConfig } from './types.js'
export { isBetterResponse } from './response-choice.js'
export { RouteTokens, type DialogFlows } from './route-token.js'
