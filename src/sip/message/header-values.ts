/**
 * Structured header values (RFC 3261 section 25): parameters, name-addr / addr-spec, Via, CSeq, and the
 * credentials and challenges of digest authentication. Each parser takes one element (already split from its
 * comma list where the header is a list) and returns a value or an error naming what was wrong.
 */
import { err, ok, type Result } from '../../core/result.js'
import { MAX_CSEQ, MAX_PARAMS } from './constants.js'
import { Cursor, HOST, isToken, matchesAt, PARAM_VALUE, quote, shown, TOKEN } from './scan.js'
import { checkUri, parseHostPort, type SipUri } from './uri.js'

export interface HeaderParam {
  readonly name: string
  /** Unquoted; undefined for a parameter without `=value` (`;rport`, `;lr`). */
  readonly value: string | undefined
  /** Whether the value was (and will be written as) a quoted string. */
  readonly quoted?: boolean
}

/** A parameter's value by case-insensitive name: undefined if absent, '' if present without a value. */
export function paramValue(params: readonly HeaderParam[], name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const p of params) if (p.name.toLowerCase() === lower) return p.value ?? ''
  return undefined
}

export function formatParams(params: readonly HeaderParam[]): string {
  let out = ''
  for (const p of params) {
    out += ';' + p.name
    if (p.value !== undefined) out += '=' + (p.quoted === true ? quote(p.value) : p.value)
  }
  return out
}

/** `*( ";" name [ "=" (token / host / quoted-string) ] )` at the cursor, whitespace allowed around the marks. */
function parseParamsAt(c: Cursor, what: string): Result<HeaderParam[]> {
  const out: HeaderParam[] = []
  while (c.eat(';')) {
    c.skipWs()
    const name = c.run(TOKEN)
    if (name === '') return err(`${what} has ";" without a parameter name`)
    if (c.eat('=')) {
      c.skipWs()
      if (c.peek() === 34) {
        const q = c.quoted()
        if (!q.ok) return err(`${what}: ${q.error}`)
        out.push({ name, value: q.value, quoted: true })
      } else {
        const value = c.run(PARAM_VALUE)
        if (value === '') return err(`${what} parameter ${shown(name)} has "=" but no value`)
        out.push({ name, value })
      }
    } else out.push({ name, value: undefined })
    if (out.length > MAX_PARAMS) return err(`${what} has more than ${MAX_PARAMS} parameters`)
  }
  return ok(out)
}

const ENDED: Result<void> = ok(undefined)

/** `what` and the text name the value in the error, built only when there is one (every message's hot path). */
function expectEnd(c: Cursor, what: string): Result<void> {
  c.skipWs()
  if (!c.done) return err(`${what} ${shown(c.text)} has unexpected ${shown(c.rest())}`)
  return ENDED
}

/** Whether `s` is `lower` in any case, without making a lower-cased copy. */
const isNamed = (s: string, lower: string): boolean => s.length === lower.length && matchesAt(s, 0, lower)

// ---- name-addr / addr-spec (From, To, Contact, Route, Record-Route, Refer-To...) ------------------------------

export interface NameAddr {
  /** Unquoted display name, or undefined if none was given. */
  readonly displayName: string | undefined
  /** The URI as written (between < and > if it was bracketed). Parse it with parseSipUri when needed. */
  readonly uri: string
  /** Header parameters after the address (;tag=, ;expires=, ;q=, ;lr on a bracketed Route is a URI param). */
  readonly params: readonly HeaderParam[]
}

export function parseNameAddr(text: string, what = 'address'): Result<NameAddr> {
  const c = new Cursor(text)
  c.skipWs()
  let displayName: string | undefined
  if (c.peek() === 34) {
    const q = c.quoted()
    if (!q.ok) return err(`${what}: ${q.error}`)
    displayName = q.value
    c.skipWs()
    if (c.peek() !== 60) return err(`${what} ${shown(text)}: a quoted display name must be followed by <URI>`)
  } else {
    // Unquoted display name: tokens separated by whitespace, then "<". Otherwise this is an addr-spec.
    const start = c.pos
    while (!c.done) {
      if (c.run(TOKEN) === '' && !c.skipWs()) break
    }
    if (c.peek() === 60) {
      const name = text.slice(start, c.pos).trim()
      displayName = name === '' ? undefined : name
    } else c.pos = start
  }
  let uri: string
  const bracketed = c.peek() === 60
  if (bracketed) {
    const close = text.indexOf('>', c.pos + 1)
    if (close < 0) return err(`${what} ${shown(text)} has "<" without ">"`)
    uri = text.slice(c.pos + 1, close)
    c.pos = close + 1
  } else {
    if (c.peek() === 62 || c.peek() === 34) return err(`${what} ${shown(text)} is malformed`)
    // addr-spec: the URI ends at the first ";" or whitespace (RFC 3261 section 20.10: URIs with ; , ? need <>).
    const start = c.pos
    while (!c.done && c.peek() !== 59 && c.peek() !== 32 && c.peek() !== 9) c.pos++
    uri = text.slice(start, c.pos)
    if (uri.includes('<') || uri.includes('>'))
      return err(`${what} ${shown(text)} is malformed; a display name with special characters must be quoted`)
  }
  if (uri === '') return err(`${what} ${shown(text)} has no URI`)
  const checked = checkUri(uri)
  if (!checked.ok) {
    if (!bracketed && text.includes('<'))
      return err(`${what} ${shown(text)}: a display name other than tokens and spaces must be quoted`)
    return err(`${what}: ${checked.error}`)
  }
  const params = parseParamsAt(c, what)
  if (!params.ok) return params
  const end = expectEnd(c, what)
  if (!end.ok) return end
  return ok({ displayName, uri, params: params.value })
}

export function formatNameAddr(a: NameAddr): string {
  const display = a.displayName === undefined ? '' : quote(a.displayName) + ' '
  return `${display}<${a.uri}>${formatParams(a.params)}`
}

// ---- Via ------------------------------------------------------------------------------------------------------

export interface Via {
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS, WSS or an extension token. */
  readonly transport: string
  readonly host: string
  readonly hostKind: SipUri['hostKind']
  readonly port: number | undefined
  readonly params: readonly HeaderParam[]
}

/** One via-parm: `SIP / 2.0 / TCP host:port ;branch=... ;received=... ;rport`, LWS allowed around the marks. */
/** Transports as most Vias write them, taken as they are (no upper-cased copy). */
const UPPER_TRANSPORTS = new Set(['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP'])

export function parseVia(text: string): Result<Via> {
  const c = new Cursor(text)
  c.skipWs()
  const protocol = c.run(TOKEN)
  if (!isNamed(protocol, 'sip')) return err(`Via ${shown(text)} does not start with SIP/2.0/`)
  if (!c.eat('/')) return err(`Via ${shown(text)}: expected "/" after SIP`)
  c.skipWs()
  const version = c.run(TOKEN)
  if (version !== '2.0') return err(`Via ${shown(text)} has protocol version ${shown(version)}; expected 2.0`)
  if (!c.eat('/')) return err(`Via ${shown(text)}: expected "/" before the transport`)
  c.skipWs()
  const written = c.run(TOKEN)
  const transport = UPPER_TRANSPORTS.has(written) ? written : written.toUpperCase()
  if (transport === '') return err(`Via ${shown(text)} has no transport`)
  if (!c.skipWs()) return err(`Via ${shown(text)}: expected whitespace between the transport and sent-by`)
  const start = c.pos
  if (c.peek() === 91) {
    const close = text.indexOf(']', c.pos)
    if (close < 0) return err(`Via ${shown(text)} opens an IPv6 reference without closing it`)
    c.pos = close + 1
  } else c.run(HOST)
  let hostPort: string
  const afterColon = text.charCodeAt(c.pos + 1)
  if (text.charCodeAt(c.pos) === 58 && afterColon !== 32 && afterColon !== 9) {
    // host:port written together, as almost every Via is: one slice
    c.pos++
    c.run(TOKEN)
    hostPort = text.slice(start, c.pos)
  } else {
    hostPort = text.slice(start, c.pos)
    if (c.eat(':')) {
      c.skipWs()
      hostPort += ':' + c.run(TOKEN)
    }
  }
  const hp = parseHostPort(hostPort, 'Via sent-by')
  if (!hp.ok) return hp
  const params = parseParamsAt(c, 'Via')
  if (!params.ok) return params
  const end = expectEnd(c, 'Via')
  if (!end.ok) return end
  for (const p of params.value) {
    const name = p.name
    if (isNamed(name, 'branch') && (p.value === undefined || p.value === ''))
      return err(`Via ${shown(text)} has an empty branch`)
    if (isNamed(name, 'rport') && p.value !== undefined && !/^\d{1,5}$/.test(p.value))
      return err(`Via ${shown(text)} has rport=${shown(p.value)}; expected a port number`)
    if (isNamed(name, 'received') && p.value !== undefined) {
      const r = parseHostPort(p.value.startsWith('[') || !p.value.includes(':') ? p.value : `[${p.value}]`)
      if (!r.ok || r.value.hostKind === 'domain' || r.value.port !== undefined)
        return err(`Via ${shown(text)} has received=${shown(p.value)}; expected an IP address`)
    }
  }
  return ok({ transport, host: hp.value.host, hostKind: hp.value.hostKind, port: hp.value.port, params: params.value })
}

export function formatVia(v: Omit<Via, 'hostKind'>): string {
  return `SIP/2.0/${v.transport} ${v.host}${v.port === undefined ? '' : ':' + v.port}${formatParams(v.params)}`
}

// ---- CSeq -----------------------------------------------------------------------------------------------------

export interface CSeq {
  readonly seq: number
  readonly method: string
}

export function parseCSeq(text: string): Result<CSeq> {
  const c = new Cursor(text)
  c.skipWs()
  const start = c.pos
  while (c.peek() >= 48 && c.peek() <= 57) c.pos++
  const digits = text.slice(start, c.pos)
  if (digits === '') return err(`CSeq ${shown(text)} does not start with a sequence number`)
  if (digits.length > 10 || Number(digits) > MAX_CSEQ)
    return err(`CSeq number ${shown(digits)} is larger than ${MAX_CSEQ}`)
  if (!c.skipWs()) return err(`CSeq ${shown(text)}: expected whitespace between the number and the method`)
  const method = c.run(TOKEN)
  if (method === '') return err(`CSeq ${shown(text)} has no method`)
  const end = expectEnd(c, 'CSeq')
  if (!end.ok) return end
  return ok({ seq: Number(digits), method })
}

// ---- Authorization, WWW-Authenticate, Proxy-Authenticate, Proxy-Authorization -----------------------------------

export interface AuthValue {
  /** As written (`Digest`); compare case-insensitively. */
  readonly scheme: string
  /** Parameter names lower-cased; values unquoted (`realm`, `nonce`, `uri`, `response`, `qop`, `nc`...). */
  readonly params: ReadonlyMap<string, string>
}

/** `scheme LWS name=value *("," name=value)`: one challenge or credentials per header line. */
export function parseAuthValue(text: string, what = 'Authorization'): Result<AuthValue> {
  const c = new Cursor(text)
  c.skipWs()
  const scheme = c.run(TOKEN)
  if (scheme === '') return err(`${what} ${shown(text)} has no scheme`)
  const params = new Map<string, string>()
  if (!c.skipWs()) {
    if (c.done) return ok({ scheme, params })
    return err(`${what} ${shown(text)}: expected whitespace after the scheme`)
  }
  let first = true
  while (!c.done) {
    if (!first && !c.eat(',')) return err(`${what} ${shown(text)}: expected "," between parameters`)
    first = false
    c.skipWs()
    const name = c.run(TOKEN).toLowerCase()
    if (name === '') return err(`${what} ${shown(text)}: expected a parameter name at ${shown(c.rest())}`)
    if (!c.eat('=')) return err(`${what} parameter ${shown(name)} has no "=value"`)
    c.skipWs()
    let value: string
    if (c.peek() === 34) {
      const q = c.quoted()
      if (!q.ok) return err(`${what}: ${q.error}`)
      value = q.value
    } else {
      value = c.run(TOKEN)
      if (value === '') return err(`${what} parameter ${shown(name)} has an empty value`)
    }
    if (params.has(name)) return err(`${what} has parameter ${shown(name)} twice`)
    if (params.size >= MAX_PARAMS) return err(`${what} has more than ${MAX_PARAMS} parameters`)
    params.set(name, value)
    c.skipWs()
  }
  return ok({ scheme, params })
}

/**
 * Writes credentials or a challenge. `unquoted` names the parameters RFC 7616 writes as tokens; the default fits
 * a challenge (where qop is quoted); pass a set with 'qop' added for credentials. Non-token values are always quoted.
 */
export function formatAuthValue(
  v: AuthValue,
  unquoted: ReadonlySet<string> = new Set(['algorithm', 'nc', 'stale']),
): string {
  const parts: string[] = []
  for (const [name, value] of v.params)
    parts.push(`${name}=${unquoted.has(name) && isToken(value) ? value : quote(value)}`)
  return parts.length === 0 ? v.scheme : `${v.scheme} ${parts.join(', ')}`
}
