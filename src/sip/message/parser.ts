/**
 * Parses SIP messages (RFC 3261 sections 7 and 25, as used in practice). Hand-written because no well-kept,
 * typed, fast TypeScript SIP codec exists (JsSIP's parser is browser-side and generated from a PEG grammar).
 *
 * The head is decoded once (UTF-8), split into lines once, and folded lines are joined; header values stay text
 * until someone asks for their structure (message.ts). Only what every element must check is checked here:
 * the start line, header line syntax, Content-Length, and the headers a response needs (Via, From, To, Call-ID,
 * CSeq) plus Max-Forwards. A refused message yields the reason phrase to answer with, the partial request to
 * answer (when enough of it parsed), and whether the connection has to be closed.
 */
import { isUtf8 } from 'node:buffer'
import { err, ok, type Result } from '../../core/result.js'
import { MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADER_COUNT, MAX_LINE_LENGTH } from './constants.js'
import { headerValueProblem, SipHeaders } from './headers.js'
import {
  cseq,
  fromAddress,
  maxForwards,
  toAddress,
  vias,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js'
import { isToken, matchesAt, shown } from './scan.js'
import { checkUri } from './uri.js'

export interface SipParseError {
  /** The status to answer with: 400, 505 (SIP version), 413 (body too large), 414 (line too long), 513. */
  readonly status: number
  /** The reason phrase to answer with: says what was wrong ("Missing Call-ID"). */
  readonly reason: string
  /**
   * The request as far as it parsed, when it can be answered (it has a Via):
   * answer it with responseTo(error.request, error.status, error.reason). Undefined for responses (never
   * answered) and for requests too broken to answer, which are dropped.
   */
  readonly request: SipRequest | undefined
  /**
   * Close the connection: the byte stream cannot be trusted after this (framing lost, or not SIP at all), or a
   * request cannot be answered (no Via). Datagram transports ignore it.
   */
  readonly close: boolean
}

/** How the message's length is known: by Content-Length on a stream, or by the datagram / WebSocket frame. */
export type Framing = 'stream' | 'frame'

export interface ParsedHead {
  /** The message with an empty body, or undefined when the start line was not SIP at all. */
  readonly message: SipMessage | undefined
  /** 'absent' if there is none; 'invalid' if negative, non-numeric, conflicting or too large (framing lost). */
  readonly contentLength: number | 'absent' | 'invalid'
  readonly error: SipParseError | undefined
}

const EMPTY = new Uint8Array(0)
const lenientUtf8 = new TextDecoder('utf-8')

/** A token for a reason phrase, cut to 60 characters (a method may be kilobytes long). */
const cut = (s: string): string => (s.length > 60 ? s.slice(0, 60) + '...' : s)

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]?.toUpperCase() + s.slice(1)
}

const HEAD_END = new Uint8Array([13, 10, 13, 10])

/** Where a message head ends: the index of its "\r\n\r\n" at or after `from`, or -1 (a native search). */
export function findHeadEnd(bytes: Uint8Array, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(HEAD_END, Math.max(from, 0))
}

/** Why the head holds a CR or LF outside a CRLF pair, or another control character, or undefined if clean. */
function controlProblem(head: Uint8Array): string | undefined {
  for (let i = 0; i < head.length; i++) {
    const b = head[i] ?? 0
    if (b >= 32 && b !== 127) continue
    if (b === 9) continue
    if (b === 13 && head[i + 1] === 10) {
      i++
      continue
    }
    // A quoted-pair may escape any control character but CR and LF (RFC 3261 section 25.1; RFC 4475 intmeth).
    if (b !== 13 && b !== 10 && head[i - 1] === 92) continue
    let lineStart = i
    while (lineStart > 0 && !(head[lineStart - 1] === 10 && head[lineStart - 2] === 13)) lineStart--
    let colon = lineStart
    while (colon < i && head[colon] !== 58) colon++
    // The header's name goes into the reason phrase: only a token, and cut short (it may be kilobytes long).
    const name = colon < i ? lenientUtf8.decode(head.subarray(lineStart, colon)).trim() : ''
    const where =
      lineStart === 0
        ? 'the start line'
        : isToken(name)
          ? `the ${name.length > 60 ? name.slice(0, 60) + '...' : name} header`
          : 'a header line'
    const what =
      b === 13 ? 'a bare CR' : b === 10 ? 'a bare LF' : `control character 0x${b.toString(16).padStart(2, '0')}`
    return `${capitalise(what)} in ${where}`
  }
  return undefined
}

interface StartLine {
  message: SipMessage | undefined
  error: { status: number; reason: string } | undefined
}

function parseVersion(v: string): 'ok' | 'other' | 'bad' {
  if (v === 'SIP/2.0') return 'ok'
  if (v.length < 7 || !matchesAt(v, 0, 'sip/')) return 'bad'
  const dot = v.indexOf('.', 4)
  const major = v.slice(4, dot < 0 ? undefined : dot)
  const minor = dot < 0 ? '' : v.slice(dot + 1)
  const digits = (s: string): boolean => s.length > 0 && s.length <= 3 && allDigits(s)
  if (!digits(major) || !digits(minor)) return 'bad'
  return major === '2' && minor === '0' ? 'ok' : 'other'
}

function parseStartLine(line: string): StartLine {
  const trimmed = line.trimEnd()
  if (trimmed !== line && trimmed.length > 0) {
    // RFC 4475 trws: answer, rather than drop, a request line that is fine but for trailing whitespace.
    const start = parseStartLine(trimmed)
    if (start.message?.kind !== 'request' || start.error !== undefined) return start
    return {
      message: start.message,
      error: { status: 400, reason: `Request line ${shown(line)} ends with whitespace` },
    }
  }
  if (matchesAt(line, 0, 'sip/')) {
    const sp1 = line.indexOf(' ')
    const version = sp1 < 0 ? line : line.slice(0, sp1)
    const code = sp1 < 0 ? '' : line.slice(sp1 + 1, sp1 + 4)
    const after = line.slice(sp1 + 4)
    const headers = new SipHeaders()
    const v = parseVersion(version)
    const fail = (reason: string, status = 400): StartLine => ({
      message: { kind: 'response', status: 0, reason: '', headers, body: EMPTY },
      error: { status, reason },
    })
    if (v === 'bad') return fail(`Malformed status line ${shown(line)}`)
    if (v === 'other') return fail(`${version} is not supported; only SIP/2.0`, 505)
    if (code.length !== 3 || !allDigits(code) || code < '100' || code > '699')
      return fail(`Status line ${shown(line)} has no status code from 100 to 699`)
    if (after !== '' && after[0] !== ' ') return fail(`Status line ${shown(line)} has a malformed status code`)
    const response: SipResponse = {
      kind: 'response',
      status: Number(code),
      reason: after.slice(1),
      headers,
      body: EMPTY,
    }
    return { message: response, error: undefined }
  }
  const sp1 = line.indexOf(' ')
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1)
  const method = sp1 < 0 ? line : line.slice(0, sp1)
  if (sp1 <= 0 || !isToken(method))
    return { message: undefined, error: { status: 400, reason: `Not a SIP request or status line: ${shown(line)}` } }
  const lastSp = line.lastIndexOf(' ')
  const version = line.slice(lastSp + 1)
  const v = parseVersion(version)
  const request: SipRequest = {
    kind: 'request',
    method,
    uri: sp2 < 0 ? '' : line.slice(sp1 + 1, lastSp),
    headers: new SipHeaders(),
    body: EMPTY,
  }
  if (v === 'bad')
    return { message: undefined, error: { status: 400, reason: `Not a SIP request or status line: ${shown(line)}` } }
  // An answerable request from here on: the line ends in a SIP version, so the peer speaks SIP.
  if (sp2 !== lastSp)
    return {
      message: request,
      error: {
        status: 400,
        reason: `Request line ${shown(line)} must have exactly three parts separated by single spaces`,
      },
    }
  if (v === 'other')
    return { message: request, error: { status: 505, reason: `${version} is not supported; only SIP/2.0` } }
  const uri = checkUri(request.uri)
  if (!uri.ok) return { message: request, error: { status: 400, reason: `Bad Request-URI: ${uri.error}` } }
  return { message: request, error: undefined }
}

/** Content-Length: every copy must be the same non-negative integer, the body no larger than the limit. */
function allDigits(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

function contentLengthOf(headers: SipHeaders): {
  length: ParsedHead['contentLength']
  error?: SipParseError['status'] | undefined
  reason?: string
} {
  const all = headers.getAll('Content-Length')
  if (all.length === 0) return { length: 'absent' }
  let length: number | undefined
  for (const v of all) {
    if (v.length === 0 || v.length > 10 || !allDigits(v))
      return { length: 'invalid', error: 400, reason: `Content-Length ${shown(v)} is not a non-negative integer` }
    const n = Number(v)
    if (length !== undefined && n !== length)
      return { length: 'invalid', error: 400, reason: `Conflicting Content-Length values ${length} and ${n}` }
    length = n
  }
  if ((length ?? 0) > MAX_BODY_BYTES)
    return { length: 'invalid', error: 413, reason: `Body of ${length} bytes exceeds the ${MAX_BODY_BYTES}-byte limit` }
  return { length: length ?? 0 }
}

/** The checks every element makes on a message whose headers all parsed; returns the first failure. */
function checkRequiredHeaders(m: SipMessage): string | undefined {
  const v = vias(m)
  if (!v.ok) return v.error
  if (v.value.length === 0) return 'Missing Via'
  const ids = m.headers.count('Call-ID')
  if (ids === 0) return 'Missing Call-ID'
  if (ids > 1) return 'Call-ID appears more than once'
  if (m.headers.get('Call-ID') === '') return 'Empty Call-ID'
  for (const r of [fromAddress(m), toAddress(m)]) if (!r.ok) return capitalise(r.error)
  if (m.headers.count('CSeq') > 1) return 'CSeq appears more than once'
  const cs = cseq(m)
  if (!cs.ok) return capitalise(cs.error)
  if (m.kind === 'request') {
    if (cs.value.method !== m.method)
      return `CSeq method ${cut(cs.value.method)} does not match request method ${cut(m.method)}`
    const mf = maxForwards(m)
    if (!mf.ok) return mf.error
  }
  return undefined
}

/**
 * Whether a refused request can still be answered: it needs a Via (RFC 4475 section 3.3.1 wants a 400 even for
 * a request missing Call-ID, From and To). The Via need not be well formed: over TCP and WebSocket the answer
 * goes back on the same connection, and the client matches it by what it sent; responseTo copies what is there.
 */
function answerable(m: SipMessage | undefined): m is SipRequest {
  return m !== undefined && m.kind === 'request' && m.headers.has('Via')
}

/**
 * A request that cannot be answered (no Via): a stream or WebSocket that sent it is closed, so the sender learns
 * at once rather than waiting on silence (issue 15); a datagram is dropped (there is nowhere to answer it).
 */
function unanswerable(m: SipMessage | undefined): boolean {
  return m !== undefined && m.kind === 'request' && !answerable(m)
}

/**
 * Parses a message head: the bytes before its empty line (without the final CRLFCRLF). Leading CRLFs must
 * already be skipped. The stream framer uses this to learn the body length before the body has arrived.
 */
export function parseHead(head: Uint8Array, framing: Framing): ParsedHead {
  const fail = (
    m: SipMessage | undefined,
    status: number,
    reason: string,
    length: ParsedHead['contentLength'],
    close = false,
  ): ParsedHead => ({
    message: m,
    contentLength: length,
    error: {
      status,
      reason,
      request: answerable(m) ? m : undefined,
      close: close || (framing === 'stream' && length === 'invalid') || unanswerable(m),
    },
  })
  if (head.length > MAX_HEAD_BYTES)
    return fail(undefined, 513, `Message head exceeds the ${MAX_HEAD_BYTES}-byte limit`, 'invalid', true)
  let firstError: { status: number; reason: string } | undefined
  // Checked natively, then decoded (an invalid sequence becomes U+FFFD: the text is then only for the 400).
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength)
  const utf8 = isUtf8(bytes)
  const text = bytes.toString('utf8')
  const control = controlProblem(head)
  if (control !== undefined) firstError = { status: 400, reason: control }
  if (!utf8) firstError ??= { status: 400, reason: 'Message head is not valid UTF-8' }
  const lines = text.split('\r\n')
  const startLine = lines[0] ?? ''
  if (startLine.length > MAX_LINE_LENGTH) {
    const isRequest = startLine.slice(0, 4).toUpperCase() !== 'SIP/'
    return fail(
      undefined,
      isRequest ? 414 : 400,
      `Start line exceeds the ${MAX_LINE_LENGTH}-byte limit`,
      'invalid',
      true,
    )
  }
  const start = parseStartLine(startLine)
  if (start.message === undefined)
    return fail(undefined, start.error?.status ?? 400, start.error?.reason ?? 'Bad start line', 'invalid', true)
  // A version other than 2.0 is answered 505 before anything else is looked at (RFC 3261 section 8.2.2).
  if (start.error?.status === 505) firstError = start.error
  else firstError ??= start.error
  const message = start.message
  const headers = message.headers

  // Join folded lines (RFC 3261 section 7.3.1: a line starting with SP or HTAB continues the previous one).
  let fieldCount = 0
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i] ?? ''
    while (i + 1 < lines.length) {
      const next = lines[i + 1] ?? ''
      const c = next.charCodeAt(0)
      if (c !== 32 && c !== 9) break
      const rest = next.trim()
      line = rest === '' ? line : line.trimEnd() + ' ' + rest
      i++
      if (line.length > MAX_LINE_LENGTH) break
    }
    const c0 = line.charCodeAt(0)
    if (c0 === 32 || c0 === 9) {
      firstError ??= { status: 400, reason: 'Folded continuation line before the first header' }
      continue
    }
    if (line.length > MAX_LINE_LENGTH) {
      firstError ??= { status: 400, reason: `Header line exceeds the ${MAX_LINE_LENGTH}-byte limit` }
      continue
    }
    if (++fieldCount > MAX_HEADER_COUNT) {
      return fail(message, 400, `More than ${MAX_HEADER_COUNT} header fields`, 'invalid', true)
    }
    const colon = line.indexOf(':')
    const name = colon < 0 ? '' : line.slice(0, colon).trimEnd()
    if (colon < 0 || !isToken(name)) {
      firstError ??= { status: 400, reason: `Malformed header line ${shown(line)}` }
      continue
    }
    const value = line.slice(colon + 1).trim()
    // Already refused for a control character: keep only clean lines, so that the 400 copies nothing unsafe.
    if (control !== undefined && headerValueProblem(value) !== undefined) continue
    headers.appendChecked(name, value)
  }

  const cl = contentLengthOf(headers)
  if (cl.error !== undefined) {
    if (firstError?.status === 505) return fail(message, 505, firstError.reason, cl.length)
    return fail(message, cl.error, cl.reason ?? 'Bad Content-Length', cl.length)
  }
  if (firstError !== undefined) return fail(message, firstError.status, firstError.reason, cl.length)
  const missing = checkRequiredHeaders(message)
  if (missing !== undefined) return fail(message, 400, missing, cl.length)
  return { message, contentLength: cl.length, error: undefined }
}

function skipLeadingCrlf(bytes: Uint8Array): number {
  let i = 0
  while (bytes[i] === 13 && bytes[i + 1] === 10) i += 2
  return i
}

/**
 * Parses one whole message: a WebSocket frame (RFC 7118: one message per frame) or a datagram. The body is
 * what follows the head; a Content-Length, if present, must match it exactly.
 */
export function parseMessage(bytes: Uint8Array): Result<SipMessage, SipParseError> {
  const start = skipLeadingCrlf(bytes)
  if (start >= bytes.length) return err({ status: 400, reason: 'Empty message', request: undefined, close: false })
  // Look for the end of the head only as far as a head may reach, so that a huge frame costs no long scan.
  let end = findHeadEnd(bytes.subarray(0, Math.min(bytes.length, start + MAX_HEAD_BYTES + 4)), start)
  let missingBlankLine = false
  if (end < 0) {
    // No empty line: parse what there is, so that a request missing its final CRLF can still be answered.
    missingBlankLine = true
    end =
      bytes.length >= 2 && bytes[bytes.length - 2] === 13 && bytes[bytes.length - 1] === 10
        ? bytes.length - 2
        : bytes.length
  }
  const head = parseHead(bytes.subarray(start, end), 'frame')
  if (head.error !== undefined) return err(head.error)
  const message = head.message
  if (message === undefined) return err({ status: 400, reason: 'Bad start line', request: undefined, close: true })
  const answer = (status: number, reason: string): Result<SipMessage, SipParseError> =>
    err({ status, reason, request: answerable(message) ? message : undefined, close: unanswerable(message) })
  if (missingBlankLine) return answer(400, 'Message head does not end with an empty line')
  const body = bytes.subarray(end + 4)
  if (body.length > MAX_BODY_BYTES)
    return answer(413, `Body of ${body.length} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`)
  if (typeof head.contentLength === 'number' && head.contentLength !== body.length)
    return answer(400, `Content-Length ${head.contentLength} does not match body of ${body.length} bytes`)
  // Copy, so that the message does not pin the (possibly large) receive buffer.
  message.body = body.length === 0 ? EMPTY : body.slice()
  return ok(message)
}
