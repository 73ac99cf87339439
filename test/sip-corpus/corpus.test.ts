/**
 * Runs the hostile-SIP corpus through both ways a message arrives: whole (a WebSocket frame) and as a TCP
 * stream cut into pieces. Accepted messages must round-trip; refused ones must carry the expected status and
 * reason, be answerable exactly when expected (and the answer must serialise), and close the connection
 * exactly when expected. A stream that stays open must still frame the next message correctly.
 */
import { describe, expect, it } from 'vitest'
import { parseMessage, type SipParseError } from '../../src/sip/message/parser.js'
import { responseTo } from '../../src/sip/message/message.js'
import { serialiseMessage } from '../../src/sip/message/serialise.js'
import { SipStreamFramer, type StreamItem } from '../../src/sip/transport/index.js'
import { SIP_CORPUS, sip, type CorpusCase } from '../../src/testing/sip-corpus.js'

const NEXT = sip([
  'OPTIONS sip:next@example.com SIP/2.0',
  'Via: SIP/2.0/TCP next.example.com;branch=z9hG4bKnext',
  'From: <sip:a@example.com>;tag=n1',
  'To: <sip:next@example.com>',
  'Call-ID: next-message',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
])

/** Pushes `bytes` in pieces of `size` bytes. */
function feed(framer: SipStreamFramer, bytes: Uint8Array, size: number): StreamItem[] {
  const out: StreamItem[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(...framer.push(bytes.subarray(i, i + size)))
  return out
}

function checkRefusal(c: CorpusCase, error: SipParseError, framing: 'frame' | 'stream'): void {
  if (c.expect.accept) throw new Error('unreachable')
  expect(error.status).toBe(c.expect.status)
  expect(error.reason).toContain(c.expect.reason)
  expect(error.request !== undefined).toBe(c.expect.answer)
  const close = typeof c.expect.close === 'boolean' ? c.expect.close : c.expect.close[framing]
  expect(error.close).toBe(close)
  expect(error.reason).not.toMatch(/[\r\n]/)
  if (error.request !== undefined) {
    const answer = responseTo(error.request, error.status, error.reason, { toTag: 'err1' })
    expect(answer.ok).toBe(true)
    if (!answer.ok) return
    const bytes = serialiseMessage(answer.value)
    expect(bytes.ok).toBe(true)
  }
}

describe('hostile-SIP corpus', () => {
  it('has cases of every category, both valid and invalid', () => {
    for (const category of ['valid', 'invalid', 'transport', 'semantics']) {
      expect(SIP_CORPUS.filter((c) => c.category === category).length).toBeGreaterThan(0)
    }
    expect(SIP_CORPUS.filter((c) => !c.expect.accept).length).toBeGreaterThan(30)
  })

  for (const c of SIP_CORPUS) {
    if (c.framings.includes('frame')) {
      it(`frame: ${c.name}`, () => {
        const r = parseMessage(c.bytes)
        if (c.expect.accept) {
          if (!r.ok) throw new Error(`refused: ${r.error.reason}`)
          const again = serialiseMessage(r.value)
          if (!again.ok) throw new Error(again.error)
          const reparsed = parseMessage(again.value)
          if (!reparsed.ok) throw new Error(`canonical form refused: ${reparsed.error.reason}`)
          expect(serialiseMessage(reparsed.value)).toEqual(again)
        } else {
          expect(r.ok).toBe(false)
          if (!r.ok) checkRefusal(c, r.error, 'frame')
        }
      })
    }
    if (c.framings.includes('stream')) {
      it(`stream: ${c.name}`, () => {
        for (const size of [c.bytes.length + NEXT.length, 1, 7, 100]) {
          const framer = new SipStreamFramer()
          const stream = new Uint8Array(c.bytes.length + NEXT.length)
          stream.set(c.bytes)
          stream.set(NEXT, c.bytes.length)
          const items = feed(framer, stream, size)
          const first = items[0]
          if (first === undefined) throw new Error(`nothing framed with ${size}-byte chunks`)
          if (c.expect.accept) {
            if (first.kind !== 'message') throw new Error(`got ${JSON.stringify(first)}`)
            // Framed from a stream or parsed whole, the message is the same.
            const whole = parseMessage(c.bytes)
            if (!whole.ok) throw new Error(whole.error.reason)
            expect(serialiseMessage(first.message)).toEqual(serialiseMessage(whole.value))
          } else {
            if (first.kind !== 'invalid') throw new Error(`got ${first.kind}`)
            checkRefusal(c, first.error, 'stream')
          }
          if (first.kind === 'invalid' && first.error.close) {
            expect(items).toHaveLength(1)
            expect(framer.isClosed).toBe(true)
          } else {
            expect(items).toHaveLength(2)
            const second = items[1]
            expect(second?.kind === 'message' && second.message.headers.get('Call-ID')).toBe('next-message')
            expect(framer.buffered).toBe(0)
          }
        }
      })
    }
  }
})
