/**
 * SIP messages and the typed views a registrar and proxy need: top Via and branch, Call-ID, CSeq, From/To tags,
 * Contacts, Route and Record-Route, Max-Forwards, Expires, digest credentials and challenges; the edits a proxy
 * makes when forwarding; and building a response to a request. Views are parsed from the header text on first
 * use and cached in the message's SipHeaders until a header changes.
 */
import { err, ok, type Result } from '../../core/result.js'
import { DEFAULT_MAX_FORWARDS, MAX_EXPIRES_S, MAX_MAX_FORWARDS } from './constants.js'
import {
  formatVia,
  paramValue,
  parseAuthValue,
  parseCSeq,
  parseNameAddr,
  parseVia,
  type AuthValue,
  type CSeq,
  type NameAddr,
  type Via,
} from './header-values.js'
import { SipHeaders } from './headers.js'
import { checkUri } from './uri.js'
import { isToken, shown } from './scan.js'

export interface SipRequest {
  readonly kind: 'request'
  /** Case-sensitive (RFC 3261 section 7.1): `INVITE`, `REGISTER`, or an extension token. */
  method: string
  /** The Request-URI as written; parseSipUri takes it apart. */
  uri: string
  readonly headers: SipHeaders
  /** The body exactly as received; Content-Length is derived from it when serialising. */
  body: Uint8Array
}

export interface SipResponse {
  readonly kind: 'response'
  status: number
  reason: string
  readonly headers: SipHeaders
  body: Uint8Array
}

export type SipMessage = SipRequest | SipResponse

const EMPTY = new Uint8Array(0)

/** Default reason phrases (RFC 3261 section 21 and later RFCs) for the codes a call agent sends. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
}

// ---- typed views ------------------------------------------------------------------------------------------------

function parseVias(headers: SipHeaders): Result<Via[]> {
  const values = headers.values('Via')
  if (!values.ok) return values
  const out: Via[] = []
  for (const v of values.value) {
    const via = parseVia(v)
    if (!via.ok) return via
    out.push(via.value)
  }
  return ok(out)
}

export function vias(m: SipMessage): Result<Via[]> {
  return m.headers.cached('Via', 'list', parseVias)
}

export function topVia(m: SipMessage): Result<Via> {
  const all = vias(m)
  if (!all.ok) return all
  const top = all.value[0]
  return top === undefined ? err('missing Via') : ok(top)
}

/** The top Via's branch (the transaction id of RFC 3261 section 17), or undefined if there is none. */
export function branch(m: SipMessage): string | undefined {
  const top = topVia(m)
  return top.ok ? paramValue(top.value.params, 'branch') : undefined
}

export function callId(m: SipMessage): string | undefined {
  return m.headers.get('Call-ID')
}

function parseCSeqHeader(headers: SipHeaders): Result<CSeq> {
  const v = headers.get('CSeq')
  return v === undefined ? err('missing CSeq') : parseCSeq(v)
}

export function cseq(m: SipMessage): Result<CSeq> {
  return m.headers.cached('CSeq', 'view', parseCSeqHeader)
}

function parseSingleAddress(headers: SipHeaders, name: string): Result<NameAddr> {
  const n = headers.count(name)
  if (n === 0) return err(`missing ${name}`)
  if (n > 1) return err(`${name} appears ${n} times`)
  return parseNameAddr(headers.get(name) ?? '', name)
}

function singleAddress(m: SipMessage, name: 'From' | 'To'): Result<NameAddr> {
  return m.headers.cached(name, 'view', parseSingleAddress)
}

export function fromAddress(m: SipMessage): Result<NameAddr> {
  return singleAddress(m, 'From')
}

export function toAddress(m: SipMessage): Result<NameAddr> {
  return singleAddress(m, 'To')
}

export function fromTag(m: SipMessage): string | undefined {
  const f = fromAddress(m)
  return f.ok ? paramValue(f.value.params, 'tag') : undefined
}

export function toTag(m: SipMessage): string | undefined {
  const t = toAddress(m)
  return t.ok ? paramValue(t.value.params, 'tag') : undefined
}

function parseAddressList(headers: SipHeaders, name: string): Result<NameAddr[]> {
  const values = headers.values(name)
  if (!values.ok) return values
  const out: NameAddr[] = []
  for (const v of values.value) {
    const a = parseNameAddr(v, name)
    if (!a.ok) return a
    out.push(a.value)
  }
  return ok(out)
}

function addressList(m: SipMessage, name: string): Result<NameAddr[]> {
  return m.headers.cached(name, 'list', parseAddressList)
}

/** Contacts in order; `'*'` for the REGISTER wildcard (`Contact: *`, valid only alone). */
export function contacts(m: SipMessage): Result<NameAddr[] | '*'> {
  const values = m.headers.values('Contact')
  if (!values.ok) return values
  if (values.value.includes('*')) {
    if (values.value.length > 1) return err('Contact "*" must be the only contact')
    return ok('*')
  }
  return addressList(m, 'Contact')
}

export function routes(m: SipMessage): Result<NameAddr[]> {
  return addressList(m, 'Route')
}

export function recordRoutes(m: SipMessage): Result<NameAddr[]> {
  return addressList(m, 'Record-Route')
}

/**
 * The URIs of a Route or Record-Route list, for a proxy that compares, digests and finds its own among them: a
 * value written `<uri>` with nothing but parameters after it gives its URI as written, unchecked (the URI a request
 * is then sent to is checked when its address is taken); a value of any other shape is parsed in full, and an
 * error there is the list's error. The same strings as `routes(m).map((r) => r.uri)` for a list that parses.
 */
export function routeUris(m: SipMessage, name: 'Route' | 'Record-Route'): Result<string[]> {
  return m.headers.cached(name, 'uris', uriList)
}

function uriList(headers: SipHeaders, name: string): Result<string[]> {
  const values = headers.values(name)
  if (!values.ok) return values
  const out: string[] = []
  for (const v of values.value) {
    const close = v.charCodeAt(0) === 60 ? v.indexOf('>') : -1
    if (close > 0 && (close === v.length - 1 || v.charCodeAt(close + 1) === 59) && v.indexOf('<', 1) < 0) {
      out.push(v.slice(1, close))
      continue
    }
    const a = parseNameAddr(v, name)
    if (!a.ok) return a
    out.push(a.value.uri)
  }
  return ok(out)
}

function smallNumber(m: SipMessage, name: string, max: number): Result<number | undefined> {
  const all = m.headers.getAll(name)
  if (all.length === 0) return ok(undefined)
  if (all.length > 1) return err(`${name} appears ${all.length} times`)
  const v = all[0] ?? ''
  if (!/^\d{1,10}$/.test(v) || Number(v) > max) return err(`${name} ${shown(v)} is not a number from 0 to ${max}`)
  return ok(Number(v))
}

/** Max-Forwards, or undefined if absent (RFC 3261 section 16.3: a proxy then passes the request on). */
export function maxForwards(m: SipMessage): Result<number | undefined> {
  return smallNumber(m, 'Max-Forwards', MAX_MAX_FORWARDS)
}

/** The Expires header in seconds, or undefined if absent (a Contact's own ;expires= takes precedence). */
export function expires(m: SipMessage): Result<number | undefined> {
  return smallNumber(m, 'Expires', MAX_EXPIRES_S)
}

export type AuthHeaderName = 'Authorization' | 'Proxy-Authorization' | 'WWW-Authenticate' | 'Proxy-Authenticate'

/** Credentials or challenges, one per header line. */
function parseAuthValues(headers: SipHeaders, name: string): Result<AuthValue[]> {
  const out: AuthValue[] = []
  for (const line of headers.getAll(name)) {
    const v = parseAuthValue(line, name)
    if (!v.ok) return v
    out.push(v.value)
  }
  return ok(out)
}

export function authValues(m: SipMessage, name: AuthHeaderName): Result<AuthValue[]> {
  return m.headers.cached(name, 'view', parseAuthValues)
}

// ---- forwarding edits -----------------------------------------------------------------------------------------

/** Puts a Via on top (a proxy forwarding a request, RFC 3261 section 16.6 step 8). */
export function addVia(m: SipMessage, via: string | Omit<Via, 'hostKind'>): Result<void> {
  const text = typeof via === 'string' ? via : formatVia(via)
  const checked = parseVia(text)
  if (!checked.ok) return checked
  return m.headers.prepend('Via', text)
}

/** Takes the top Via off (a proxy passing a response back, section 16.7 step 3); returns it. */
export function removeTopVia(m: SipMessage): Result<Via | undefined> {
  const removed = m.headers.removeFirstValue('Via')
  if (!removed.ok) return removed
  return removed.value === undefined ? ok(undefined) : parseVia(removed.value)
}

/**
 * Decrements Max-Forwards, or adds it at 70 if absent (RFC 3261 section 16.6 step 3); an error if it was 0,
 * for which the proxy answers 483 Too Many Hops. Returns the new value.
 */
export function decrementMaxForwards(req: SipRequest, initial = DEFAULT_MAX_FORWARDS): Result<number> {
  const mf = maxForwards(req)
  if (!mf.ok) return mf
  if (mf.value === undefined) {
    const added = req.headers.set('Max-Forwards', String(initial))
    return added.ok ? ok(initial) : added
  }
  if (mf.value <= 0) return err('Too Many Hops')
  const set = req.headers.set('Max-Forwards', String(mf.value - 1))
  return set.ok ? ok(mf.value - 1) : set
}

/** Takes the top Route off (a proxy that finds its own URI there, section 16.4); returns it. */
export function popRoute(req: SipRequest): Result<NameAddr | undefined> {
  const removed = req.headers.removeFirstValue('Route')
  if (!removed.ok) return removed
  return removed.value === undefined ? ok(undefined) : parseNameAddr(removed.value, 'Route')
}

/** Puts a Record-Route on top; `uri` should carry `;lr` (loose routing, section 16.6 step 4). */
export function addRecordRoute(m: SipMessage, uri: string): Result<void> {
  const checked = checkUri(uri)
  if (!checked.ok) return err(`Record-Route: ${checked.error}`)
  return m.headers.prepend('Record-Route', `<${uri}>`)
}

// ---- building messages ----------------------------------------------------------------------------------------

export function newRequest(
  method: string,
  uri: string,
  headers = new SipHeaders(),
  body: Uint8Array = EMPTY,
): SipRequest {
  return { kind: 'request', method, uri, headers, body }
}

export interface ResponseOptions {
  /** Tag to put on To when the request's To has none (a UAS's dialog tag; RFC 3261 section 8.2.6.2). */
  toTag?: string
  /** Copy Record-Route too: a UAS answering a dialog-creating request with 18x/2xx (section 12.1.1). */
  copyRecordRoute?: boolean
  body?: Uint8Array
}

/**
 * A response to `req` (RFC 3261 section 8.2.6): Via lines in order, From, To (plus `toTag` unless the request's
 * To has a tag or this is 100 Trying), Call-ID, CSeq, and Timestamp on 100. Works on the partial request of a
 * parse error too, so a malformed request can still get its 400. The reason defaults to the standard phrase.
 */
export function responseTo(
  req: SipRequest,
  status: number,
  reason?: string,
  options: ResponseOptions = {},
): Result<SipResponse> {
  if (!Number.isInteger(status) || status < 100 || status > 699) return err(`status ${status} is not 100-699`)
  const phrase = reason ?? REASON_PHRASES[status] ?? 'Unknown'
  if (/[\r\n]/.test(phrase)) return err(`reason phrase ${shown(phrase)} contains CR or LF`)
  const h = new SipHeaders()
  const copy = (name: string): Result<void> => {
    for (const v of req.headers.getAll(name)) {
      const r = h.add(name, v)
      if (!r.ok) return r
    }
    return ok(undefined)
  }
  for (const name of ['Via', 'From']) {
    const r = copy(name)
    if (!r.ok) return r
  }
  const to = req.headers.get('To')
  if (to !== undefined) {
    let value = to
    if (options.toTag !== undefined && status !== 100 && toTag(req) === undefined) {
      if (!isToken(options.toTag)) return err(`To tag ${shown(options.toTag)} is not a token`)
      value += ';tag=' + options.toTag
    }
    const r = h.add('To', value)
    if (!r.ok) return r
  }
  const names = ['Call-ID', 'CSeq']
  if (status === 100) names.push('Timestamp')
  if (options.copyRecordRoute === true && status > 100 && status < 300) names.push('Record-Route')
  for (const name of names) {
    const r = copy(name)
    if (!r.ok) return r
  }
  return ok({ kind: 'response', status, reason: phrase, headers: h, body: options.body ?? EMPTY })
}
