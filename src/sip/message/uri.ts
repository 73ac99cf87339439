/**
 * SIP and SIPS URIs (RFC 3261 section 19.1, grammar of section 25): sip:user:password@host:port;params?headers.
 * The user and password come out unescaped (so `%61lice` and `alice` are the same user); parameters and headers
 * are kept as written, with case-insensitive lookup. Other schemes (tel:, urn:) are recognised as absolute URIs
 * but not taken apart: the proxy answers 416 to what it cannot route.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { err, ok, type Result } from '../../core/result.js'
import { MAX_PARAMS } from './constants.js'
import { HOST, inClass, matchesAt, PARAM, PASSWORD, shown, URI_HEADER, USER } from './scan.js'

export interface UriParam {
  readonly name: string
  /** undefined for a parameter without `=value` (`;lr`). */
  readonly value: string | undefined
}

export interface SipUri {
  readonly scheme: 'sip' | 'sips'
  /** Unescaped user part; undefined when the URI has none (`sip:example.com`). */
  readonly user: string | undefined
  readonly password: string | undefined
  /** As written; an IPv6 reference keeps its brackets (`[2001:db8::1]`). Compare hosts case-insensitively. */
  readonly host: string
  readonly hostKind: 'domain' | 'ipv4' | 'ipv6'
  readonly port: number | undefined
  readonly params: readonly UriParam[]
  readonly headers: readonly UriParam[]
}

const decoder = new TextDecoder()

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/** Checks that `s` holds only class characters and valid %HH escapes; returns it unescaped when asked. */
function checkEscaped(s: string, allowed: Uint8Array, what: string, unescape: boolean): Result<string> {
  let hasEscape = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 37) {
      if (hexValue(s.charCodeAt(i + 1)) < 0 || hexValue(s.charCodeAt(i + 2)) < 0)
        return err(`${what} ${shown(s)} has a "%" not followed by two hex digits`)
      hasEscape = true
      i += 2
    } else if (!inClass(allowed, c)) {
      return err(`${what} ${shown(s)} contains ${shown(s[i] ?? '')}, which must be escaped`)
    }
  }
  if (!unescape || !hasEscape) return ok(s)
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 37) {
      bytes.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)))
      i += 2
    } else bytes.push(c)
  }
  return ok(decoder.decode(new Uint8Array(bytes)))
}

/** host [":" port], as in a URI or a Via sent-by. */
export function parseHostPort(
  text: string,
  what = 'host',
): Result<{ host: string; hostKind: SipUri['hostKind']; port: number | undefined }> {
  let host: string
  let rest: string
  let hostKind: SipUri['hostKind']
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return err(`${what} ${shown(text)} opens an IPv6 reference without closing it`)
    host = text.slice(0, close + 1)
    if (!isIPv6(host.slice(1, -1))) return err(`${what} ${shown(host)} is not a valid IPv6 address`)
    hostKind = 'ipv6'
    rest = text.slice(close + 1)
  } else {
    const colon = text.indexOf(':')
    host = colon < 0 ? text : text.slice(0, colon)
    rest = colon < 0 ? '' : text.slice(colon)
    const h = checkHost(host, what)
    if (!h.ok) return h
    hostKind = h.value
  }
  if (rest === '') return ok({ host, hostKind, port: undefined })
  if (rest[0] !== ':') return err(`${what} ${shown(text)} has ${shown(rest)} after the host`)
  const port = parsePort(rest.slice(1))
  if (port === undefined) return err(`${what} ${shown(text)} has port ${shown(rest.slice(1))}; expected 0-65535`)
  return ok({ host, hostKind, port })
}

const DOMAIN = ok('domain' as const)
const IPV4 = ok('ipv4' as const)

function checkHost(host: string, what: string): Result<'domain' | 'ipv4'> {
  if (host.length === 0) return err(`${what} is empty`)
  if (host.length > 253) return err(`${what} ${shown(host)} is longer than 253 characters`)
  let allDigitsAndDots = true
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i)
    if (!inClass(HOST, c)) return err(`${what} ${shown(host)} contains ${shown(host[i] ?? '')}`)
    if (!(c === 46 || (c >= 48 && c <= 57))) allDigitsAndDots = false
  }
  if (allDigitsAndDots) {
    if (!isIPv4(host)) return err(`${what} ${shown(host)} is not a valid IPv4 address`)
    return IPV4
  }
  // Labels: none empty (one final dot allowed), none starting or ending with "-".
  const end = host.charCodeAt(host.length - 1) === 46 ? host.length - 1 : host.length
  for (let start = 0; start <= end;) {
    let dot = host.indexOf('.', start)
    if (dot < 0 || dot > end) dot = end
    if (dot === start) return err(`${what} ${shown(host)} has an empty label`)
    if (host.charCodeAt(start) === 45 || host.charCodeAt(dot - 1) === 45)
      return err(`${what} ${shown(host)} has a label starting or ending with "-"`)
    start = dot + 1
  }
  return DOMAIN
}

function parsePort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return undefined
    n = n * 10 + (c - 48)
  }
  return n <= 65535 ? n : undefined
}

function parseParams(text: string, sep: string, allowed: Uint8Array, what: string): Result<UriParam[]> {
  const out: UriParam[] = []
  if (text === '') return ok(out)
  const parts = text.split(sep)
  if (parts.length > MAX_PARAMS) return err(`${what}: more than ${MAX_PARAMS} entries`)
  for (const part of parts) {
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    if (name === '') return err(`${what}: empty name in ${shown(text)}`)
    const n = checkEscaped(name, allowed, `${what} name`, false)
    if (!n.ok) return n
    if (eq < 0) {
      out.push({ name, value: undefined })
      continue
    }
    const value = part.slice(eq + 1)
    const v = checkEscaped(value, allowed, `${what} value`, false)
    if (!v.ok) return v
    out.push({ name, value })
  }
  return ok(out)
}

/** The scheme of an absolute URI (`sip`, `tel`...), lower-cased, or an error if `text` is not one. */
export function uriScheme(text: string): Result<string> {
  const colon = text.indexOf(':')
  if (colon <= 0) return err(`URI ${shown(text)} has no scheme`)
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i)
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    if (!(alpha || (i > 0 && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))))
      return err(`URI ${shown(text)} has an invalid scheme`)
  }
  if (colon === text.length - 1) return err(`URI ${shown(text)} is empty after its scheme`)
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34)
      return err(`URI ${shown(text)} contains ${shown(text[i] ?? '')}, which is not allowed in a URI`)
  }
  return ok(text.slice(0, colon).toLowerCase())
}

/**
 * Checks any absolute URI: a SIP or SIPS one fully, others (tel:, urn:...) for their outer shape only. A SIP URI is
 * checked by a scan that builds nothing (every From, To, Route and Record-Route of every message passes here); only
 * a URI that fails it is taken apart, for the error that says what is wrong.
 */
export function checkUri(text: string): Result<string> {
  // A sip: or sips: URI that passes the scan needs no other check: every character of it is in one of its parts'
  // classes, none of which holds the spaces, controls, "<", ">" or '"' that uriScheme looks for.
  const sip = sipSchemeLength(text)
  if (sip > 0 && isSipUri(text, sip)) return sip === 4 ? SIP : SIPS
  const scheme = uriScheme(text)
  if (!scheme.ok) return scheme
  if (scheme.value === 'sip' || scheme.value === 'sips') {
    const u = sipUriParts(text, scheme.value)
    if (!u.ok) return u
  }
  return scheme
}

const SIP = ok('sip')
const SIPS = ok('sips')

/** 4 for a URI that starts "sip:", 5 for "sips:" (any case), else 0. */
function sipSchemeLength(text: string): number {
  return matchesAt(text, 0, 'sip:') ? 4 : matchesAt(text, 0, 'sips:') ? 5 : 0
}

/** Whether text[from, to) holds only class characters and %HH escapes (checkEscaped's rule, on a range). */
function escapedIn(text: string, from: number, to: number, allowed: Uint8Array): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c === 37) {
      if (i + 2 >= to || hexValue(text.charCodeAt(i + 1)) < 0 || hexValue(text.charCodeAt(i + 2)) < 0) return false
      i += 2
    } else if (!inClass(allowed, c)) return false
  }
  return true
}

/**
 * Whether text[from, to) is a valid list of `sep`-separated name[=value] entries (parseParams's rule, on a range);
 * `needValue`: every entry must have "=value" (URI headers).
 */
function paramsIn(text: string, from: number, to: number, sep: number, allowed: Uint8Array, needValue: boolean) {
  if (from >= to) return true
  let count = 0
  for (let start = from; start <= to;) {
    if (++count > MAX_PARAMS) return false
    let end = start
    let eq = -1
    for (; end < to; end++) {
      const c = text.charCodeAt(end)
      if (c === sep) break
      if (c === 61 && eq < 0) eq = end
    }
    const nameEnd = eq < 0 ? end : eq
    if (nameEnd === start || !escapedIn(text, start, nameEnd, allowed)) return false
    if (eq < 0 ? needValue : !escapedIn(text, eq + 1, end, allowed)) return false
    start = end + 1
  }
  return true
}

/**
 * Whether a sip:/sips: URI whose outer shape uriScheme has checked (its scheme and colon `skip` characters long) is
 * one parseSipUri would take apart without error. Kept in step with it by a property test (uri.test.ts).
 */
export function isSipUri(text: string, skip = text.indexOf(':') + 1): boolean {
  const len = text.length
  let hostStart = skip
  const at = text.indexOf('@', skip)
  if (at >= 0) {
    let pc = text.indexOf(':', skip)
    if (pc > at) pc = -1
    const userEnd = pc < 0 ? at : pc
    if (userEnd === skip || !escapedIn(text, skip, userEnd, USER)) return false
    if (pc >= 0 && !escapedIn(text, pc + 1, at, PASSWORD)) return false
    hostStart = at + 1
  }
  let q = text.indexOf('?', hostStart)
  if (q === len - 1) return false
  if (q < 0) q = len
  let semi = text.indexOf(';', hostStart)
  if (semi < 0 || semi > q) semi = q
  let hostEnd: number
  if (text.charCodeAt(hostStart) === 91) {
    const close = text.indexOf(']', hostStart)
    if (close < 0 || close >= semi || !isIPv6(text.slice(hostStart + 1, close))) return false
    hostEnd = close + 1
  } else {
    hostEnd = text.indexOf(':', hostStart)
    if (hostEnd < 0 || hostEnd > semi) hostEnd = semi
    if (!checkHost(text.slice(hostStart, hostEnd), 'URI host').ok) return false
  }
  if (hostEnd < semi) {
    if (text.charCodeAt(hostEnd) !== 58) return false
    const digits = semi - hostEnd - 1
    if (digits < 1 || digits > 5) return false
    let port = 0
    for (let i = hostEnd + 1; i < semi; i++) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57) return false
      port = port * 10 + (c - 48)
    }
    if (port > 65535) return false
  }
  if (semi < q && !paramsIn(text, semi + 1, q, 59, PARAM, false)) return false
  return q === len || paramsIn(text, q + 1, len, 38, URI_HEADER, true)
}

export function parseSipUri(text: string): Result<SipUri> {
  const colon = text.indexOf(':')
  const scheme = colon < 0 ? '' : text.slice(0, colon).toLowerCase()
  if (scheme !== 'sip' && scheme !== 'sips') return err(`URI ${shown(text)} is not a sip: or sips: URI`)
  const s = uriScheme(text)
  if (!s.ok) return s
  return sipUriParts(text, scheme)
}

/** The parts of a sip: or sips: URI whose outer shape uriScheme has already checked. */
function sipUriParts(text: string, scheme: 'sip' | 'sips'): Result<SipUri> {
  let rest = text.slice(scheme.length + 1)
  let user: string | undefined
  let password: string | undefined
  // '@' may not appear unescaped in user, password, params or headers, so the first one ends the userinfo.
  const at = rest.indexOf('@')
  if (at >= 0) {
    const userinfo = rest.slice(0, at)
    rest = rest.slice(at + 1)
    const pc = userinfo.indexOf(':')
    const rawUser = pc < 0 ? userinfo : userinfo.slice(0, pc)
    if (rawUser === '') return err(`URI ${shown(text)} has an empty user part before "@"`)
    const u = checkEscaped(rawUser, USER, 'URI user', true)
    if (!u.ok) return u
    user = u.value
    if (pc >= 0) {
      const p = checkEscaped(userinfo.slice(pc + 1), PASSWORD, 'URI password', true)
      if (!p.ok) return p
      password = p.value
    }
  }
  const q = rest.indexOf('?')
  const headerText = q < 0 ? '' : rest.slice(q + 1)
  if (q >= 0) rest = rest.slice(0, q)
  const semi = rest.indexOf(';')
  const hostPortText = semi < 0 ? rest : rest.slice(0, semi)
  const hp = parseHostPort(hostPortText, 'URI host')
  if (!hp.ok) return err(`${hp.error} in ${shown(text)}`)
  const params = parseParams(semi < 0 ? '' : rest.slice(semi + 1), ';', PARAM, 'URI parameter')
  if (!params.ok) return params
  if (q >= 0 && headerText === '') return err(`URI ${shown(text)} has "?" without headers`)
  const headers = parseParams(headerText, '&', URI_HEADER, 'URI header')
  if (!headers.ok) return headers
  for (const h of headers.value)
    if (h.value === undefined) return err(`URI header ${shown(h.name)} has no "=value" in ${shown(text)}`)
  return ok({
    scheme,
    user,
    password,
    host: hp.value.host,
    hostKind: hp.value.hostKind,
    port: hp.value.port,
    params: params.value,
    headers: headers.value,
  })
}

/** A parameter's value by case-insensitive name: undefined if absent, '' if present without a value. */
export function uriParam(uri: SipUri, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const p of uri.params) if (p.name.toLowerCase() === lower) return p.value ?? ''
  return undefined
}

function escape(s: string, allowed: Uint8Array): string {
  let out = ''
  for (const byte of new TextEncoder().encode(s)) {
    out += inClass(allowed, byte) ? String.fromCharCode(byte) : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Writes a URI back, escaping the user and password where needed (params and headers are kept as written). */
export function formatSipUri(uri: Omit<SipUri, 'hostKind'>): string {
  let out = uri.scheme + ':'
  if (uri.user !== undefined) {
    out += escape(uri.user, USER)
    if (uri.password !== undefined) out += ':' + escape(uri.password, PASSWORD)
    out += '@'
  }
  out += uri.host
  if (uri.port !== undefined) out += ':' + uri.port
  for (const p of uri.params) out += ';' + p.name + (p.value === undefined ? '' : '=' + p.value)
  if (uri.headers.length > 0) out += '?' + uri.headers.map((h) => h.name + '=' + (h.value ?? '')).join('&')
  return out
}

/** Parameters that must match when either URI has them (RFC 3261 section 19.1.4); others count only if in both. */
const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport']

/**
 * Whether two SIP URIs are equivalent (RFC 3261 section 19.1.4), as far as routing needs: scheme, user and
 * password exactly, host case-insensitively, port; user/ttl/method/maddr/transport must agree when either has
 * them, any other parameter only when both have it (so `;ob` added to a registered contact still matches).
 * URI headers are ignored. Unparsable URIs are equivalent to nothing.
 */
export function sameSipUri(a: string, b: string): boolean {
  const x = parseSipUri(a)
  const y = parseSipUri(b)
  if (!x.ok || !y.ok) return false
  const u = x.value
  const v = y.value
  if (u.scheme !== v.scheme || u.user !== v.user || u.password !== v.password || u.port !== v.port) return false
  if (u.host.toLowerCase() !== v.host.toLowerCase()) return false
  const names = new Set([...u.params, ...v.params].map((p) => p.name.toLowerCase()))
  for (const name of names) {
    const p = uriParam(u, name)
    const q = uriParam(v, name)
    if (p === undefined || q === undefined) {
      if (SIGNIFICANT_PARAMS.includes(name)) return false
      continue
    }
    if (p.toLowerCase() !== q.toLowerCase()) return false
  }
  return true
}
