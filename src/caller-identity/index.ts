/** Per-call caller identity: the calling node vouches for each call; the called edge checks it. */
export { authorizeCall, type CallAuthorization, type CallSigner } from './call-authorizer.js'
export {
  checkCaller,
  type CallerCheckDeps,
  type CallerCredentials,
  type CallerRejection,
  type VerifiedCaller,
} from './caller-check.js'
export { ASSERTION_FRESH_S, ASSERTION_SKEW_S, REPLAY_CACHE_MAX_ENTRIES } from './constants.js'
export { ed25519Signer, parseIdentityHeader, type Originator } from './passport.js'
export { ed25519PublicKeyOfPeer, peerOfEd25519PublicKey, PeerKeys } from './peer-key.js'
export { AssertionReplayCache } from './replay-cache.js'
