export { FallbackAllocator, type Allocation } from './allocator.js'
export { offerProblem, type FallbackOffers } from './offers.js'
export { MidcallFallback, openMidcallFallback, type FallbackLeg } from './midcall-fallback.js'
export { LEG_HEADER, MOVED_HEADER, OFFER_HEADER, offerHeaderValue } from './offer.js'
export {
  DEFAULT_WATCH,
  digitsFor,
  midcallFallbackSettings,
  type MidcallFallbackInput,
  type MidcallFallbackSettings,
  type QualityWatch,
} from './settings.js'
