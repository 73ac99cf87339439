/**
 * Records kept for a while only: call records, attempt caps, asked validations, the validation log, sessions,
 * expired learned routes and the trust memory past its 90 days.
 */
import type { NodeStore } from './store.js'

export type RetainedStores = Pick<
  NodeStore,
  'calls' | 'caps' | 'validationQueue' | 'validationLog' | 'users' | 'routes'
>

/** Drops the records from before `before`, and the sign-in tokens expired by `now`. */
export function purgeExpired(stores: RetainedStores, before: number, now: number): void {
  stores.calls.purgeBefore(before)
  stores.caps.forgetRecordsBefore(before)
  stores.validationQueue.forgetAskedBefore(before)
  stores.validationLog.purgeBefore(before)
  stores.users.purgeExpired(now)
  stores.routes.purgeExpired(now)
}
