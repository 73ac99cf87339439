/**
 * The one fallback policy: when an IME attempt did not work out, does the call go to the PSTN instead? Both the
 * node's call agent (src/sip/agent/call-agent.ts, a user's call it routes over a learned route) and the softphone
 * (web/src/routing.ts, an IME call it places itself) decide with this module. Pure, with no Node imports, so that
 * vite bundles it for the browser.
 *
 * The rule: everything that says "this route does not work" falls back; the callee's own answers (busy, declined,
 * no answer after ringing, cancelled) are final, as the PSTN would reach the same person. 480 (Temporarily
 * Unavailable: the callee is not registered at their enterprise's node) falls back too: the PSTN may still reach
 * them (a desk phone, a mobile, voicemail).
 */

/** SIP final responses from an IME route that send the call to the PSTN, besides every 5xx. */
export const FALLBACK_STATUSES: readonly number[] = [
  403, // Forbidden: the ticket was refused
  404, // Not Found: the number is not (or no longer) at that enterprise
  408, // Request Timeout: no answer in time (the node's proxy also reports a route that did not answer so)
  410, // Gone
  416, // Unsupported URI Scheme
  480, // Temporarily Unavailable: not registered there
  488, // Not Acceptable Here: no common media
]

/** Whether a final SIP status from an IME route sends the call to the PSTN. */
export function statusFallsBack(status: number): boolean {
  return FALLBACK_STATUSES.includes(status) || (status >= 500 && status <= 599)
}

/**
 * How an IME attempt failed: a final response (`rejected`), or none at all: no connection within the IME timeout
 * (`connect-timeout`), the route could not be reached (`connect-failed`), or the connection failed before a
 * final response (`transport`).
 */
export type ImeAttemptFailure =
  | { readonly kind: 'rejected'; readonly code: number }
  | { readonly kind: 'connect-timeout' }
  | { readonly kind: 'connect-failed' }
  | { readonly kind: 'transport' }
  | { readonly kind: 'not-authorized' }

/** Whether a failed IME attempt goes to the PSTN: always without a final response, else by its status. */
export function fallsBackToPstn(failure: ImeAttemptFailure): boolean {
  return failure.kind !== 'rejected' || statusFallsBack(failure.code)
}
