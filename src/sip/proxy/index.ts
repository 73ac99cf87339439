/** The proxy layer (RFC 3261 section 16): a transaction-stateful proxy core on the transaction layer. */
export { addressOf, cloneRequest } from './address.js'
export { SipProxyCore, type ForwardOptions, type ForwardTarget, type ProxyCoreConfig } from './core.js'
export { isBetterResponse } from './response-choice.js'
export { RouteTokens, type DialogFlows } from './route-token.js'
