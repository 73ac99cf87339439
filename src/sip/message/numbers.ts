/** Telephone numbers in SIP messages: the E.164 number a URI names, and the caller's number. */
import { isE164, type E164 } from '../../core/e164.js'
import { parseNameAddr } from './header-values.js'
import { fromAddress, type SipRequest } from './message.js'
import { parseSipUri } from './uri.js'

/** The E.164 number a SIP URI's user part holds ('+' and digits; visual separators allowed), if any. */
export function numberIn(uri: string): E164 | undefined {
  const u = parseSipUri(uri)
  if (!u.ok || u.value.user === undefined) {
    const tel = /^tel:(\+[0-9]{2,15})/.exec(uri)
    return tel !== null && isE164(tel[1]!) ? (tel[1] as E164) : undefined
  }
  const digits = u.value.user.split(';')[0]!.replace(/[-.() ]/g, '')
  return isE164(digits) ? digits : undefined
}

/** The caller's number: from P-Asserted-Identity (set by the PSTN or the caller's own proxy), else From. */
export function callerNumber(req: SipRequest): E164 | undefined {
  const pai = req.headers.get('P-Asserted-Identity')
  const paiAddr = pai === undefined ? undefined : parseNameAddr(pai)
  if (paiAddr?.ok === true) {
    const n = numberIn(paiAddr.value.uri)
    if (n !== undefined) return n
  }
  const from = fromAddress(req)
  return from.ok ? numberIn(from.value.uri) : undefined
}

/** The host of a SIP URI, lower-cased. */
export function hostOf(uri: string): string | undefined {
  const u = parseSipUri(uri)
  return u.ok ? u.value.host.toLowerCase() : undefined
}
