/**
 * Who a call toward the trunk says it is from: the enterprise's E.164 number, in the form the provider asks for, in
 * From (keeping the caller's tag, so the dialog is the same) and in P-Asserted-Identity (RFC 3325), which carriers
 * check against the numbers the account owns. A user without a number cannot call out over a trunk. Pure.
 */
import { err, ok, type Result } from '../core/result.js'
import type { E164 } from '../core/e164.js'
import type { NumberForm } from './trunk-config.js'

/** The number as the trunk wants it written. */
export function formatNumber(number: E164, form: NumberForm): string {
  return form === 'digits' ? number.slice(1) : number
}

/** The From and P-Asserted-Identity values of a call toward the trunk, or why there are none. */
export function trunkCallerHeaders(options: {
  readonly number: E164 | undefined
  readonly form: NumberForm
  readonly domain: string
  /** The caller's From tag (kept: a proxy must not change the dialog's identifiers). */
  readonly fromTag: string | undefined
}): Result<{ from: string; pai: string }> {
  if (options.number === undefined) return err('the calling user has no number of the enterprise to present')
  if (options.fromTag === undefined || options.fromTag === '') return err('the INVITE has no From tag')
  const uri = `sip:${formatNumber(options.number, options.form)}@${options.domain}`
  return ok({ from: `<${uri}>;tag=${options.fromTag}`, pai: `<${uri}>` })
}
