/** SIP digest authentication (RFC 3261 section 22, RFC 8760): challenges, credentials, nonces. */
export * from './digest.js'
export * from './nonce-uses.js'
