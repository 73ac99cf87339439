/** Regressions the fuzzer (test/fuzz) found in the parser; the hostile-SIP corpus has the rest. */
import { describe, expect, it } from 'vitest'
import { MAX_LINE_LENGTH } from './constants.js'
import { parseMessage } from './parser.js'

const enc = new TextEncoder()
const head = (lines: string[]) => enc.encode(['OPTIONS sip:b@example.com SIP/2.0', ...lines, '', ''].join('\r\n'))
const VIA = 'Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1'

describe('parseMessage regressions', () => {
  it('keeps the reason phrase short when a control character follows a long header name', () => {
    const name = 'X' + 'a'.repeat(MAX_LINE_LENGTH - 100)
    const r = parseMessage(head([VIA, `${name}: v\0`]))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.reason.length).toBeLessThan(120)
    expect(r.error.reason).toMatch(/^Control character 0x00 in the Xaaa+\.\.\. header$/)
  })

  it('names no header whose name is not a token (it may hold escaped control characters)', () => {
    const r = parseMessage(head([VIA, 'X\\\x01 ;a;a: v\0']))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.reason).toBe('Control character 0x00 in a header line')
  })

  it('cuts a long method short in the CSeq mismatch reason', () => {
    const method = 'A'.repeat(3000)
    const bytes = enc.encode(
      [`${method} sip:b@example.com SIP/2.0`, VIA, 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>']
        .concat(['Call-ID: c', 'CSeq: 1 OPTIONS', '', ''])
        .join('\r\n'),
    )
    const r = parseMessage(bytes)
    expect(r.ok ? 'accepted' : r.error.reason).toBe(
      `CSeq method OPTIONS does not match request method ${'A'.repeat(60)}...`,
    )
  })
})
