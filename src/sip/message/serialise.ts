/**
 * Writes a message in canonical form: `SIP/2.0` in the start line, one header field per line with full names
 * (compact forms expanded), fields in their order, and one Content-Length, always the body's true length, last.
 */
import { err, ok, type Result } from '../../core/result.js'
import type { SipMessage } from './message.js'
import { isToken, shown } from './scan.js'

function startLine(m: SipMessage): Result<string> {
  if (m.kind === 'request') {
    if (!isToken(m.method)) return err(`method ${shown(m.method)} is not a token`)
    for (let i = 0; i < m.uri.length; i++) {
      const c = m.uri.charCodeAt(i)
      if (c <= 32 || c === 127) return err(`Request-URI ${shown(m.uri)} contains whitespace or a control character`)
    }
    if (m.uri === '') return err('Request-URI is empty')
    return ok(`${m.method} ${m.uri} SIP/2.0\r\n`)
  }
  if (!Number.isInteger(m.status) || m.status < 100 || m.status > 699) return err(`status ${m.status} is not 100-699`)
  for (let i = 0; i < m.reason.length; i++) {
    const c = m.reason.charCodeAt(i)
    if ((c < 32 && c !== 9) || c === 127) return err(`reason phrase ${shown(m.reason)} contains a control character`)
  }
  return ok(`SIP/2.0 ${m.status} ${m.reason}\r\n`)
}

/** The head as text, ending with the empty line (headers are checked as they go into SipHeaders). */
export function serialiseHead(m: SipMessage): Result<string> {
  const first = startLine(m)
  if (!first.ok) return first
  return ok(first.value + m.headers.lines('Content-Length') + 'Content-Length: ' + m.body.length + '\r\n\r\n')
}

/** The message's bytes: the head written straight into one buffer (from Node's pool when small), then the body. */
export function serialiseMessage(m: SipMessage): Result<Uint8Array> {
  const head = serialiseHead(m)
  if (!head.ok) return head
  const headLength = Buffer.byteLength(head.value, 'utf8')
  const out = Buffer.allocUnsafe(headLength + m.body.length)
  out.write(head.value, 0, 'utf8')
  if (m.body.length > 0) out.set(m.body, headLength)
  return ok(out)
}
