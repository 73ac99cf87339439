/**
 * Property tests of the whole codec: generated valid messages round-trip through serialise and parse (whole
 * and through the stream framer, however the stream is cut), and no input, random or a mutated valid message,
 * ever makes the parser or framer throw: the answer is always a message or an error with a usable reason.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SipHeaders } from './headers.js'
import { responseTo, type SipMessage } from './message.js'
import { parseMessage } from './parser.js'
import { serialiseMessage } from './serialise.js'
import { SipStreamFramer } from '../transport/index.js'
import { formatSipUri } from './uri.js'
import { formatNameAddr } from './header-values.js'

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/)
const tag = fc.stringMatching(/^[A-Za-z0-9\-.]{1,16}$/)
const host = fc.oneof(
  fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,10}[a-z0-9])?){0,3}$/),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
)
const sipUri = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    transport: fc.option(fc.constantFrom('tcp', 'ws', 'udp'), { nil: undefined }),
  })
  .map(({ scheme, user, host, port, transport }) =>
    formatSipUri({
      scheme,
      user,
      password: undefined,
      host,
      port,
      params: transport === undefined ? [] : [{ name: 'transport', value: transport }],
      headers: [],
    }),
  )
/** Printable text, UTF-8 included, no leading or trailing whitespace: any header value that may be written. */
const text = fc.stringMatching(/^[\x21-\x7e\u00e9\u4e2d\u0444]([\x20-\x7e\u00e9\u4e2d\u0444\t]{0,40}[\x21-\x7e])?$/)
/** Any printable text, quotes and backslashes included (formatNameAddr escapes them). */
const displayName = fc.option(fc.stringMatching(/^[ -~\u00e9\u4e2d]{0,16}$/), { nil: undefined })
const address = fc
  .record({ displayName, uri: sipUri, tag: fc.option(tag, { nil: undefined }) })
  .map(({ displayName, uri, tag }) =>
    formatNameAddr({ displayName, uri, params: tag === undefined ? [] : [{ name: 'tag', value: tag }] }),
  )
const via = fc
  .record({ transport: fc.constantFrom('TCP', 'WS', 'WSS', 'TLS', 'UDP'), host, branch: tag })
  .map(({ transport, host, branch }) => `SIP/2.0/${transport} ${host};branch=z9hG4bK${branch}`)
const extension = fc.record({ name: token.map((t) => 'X-' + t), value: text })

const message: fc.Arbitrary<SipMessage> = fc
  .record({
    request: fc.boolean(),
    method: token,
    uri: sipUri,
    status: fc.integer({ min: 100, max: 699 }),
    reason: fc.oneof(fc.constant(''), text),
    vias: fc.array(via, { minLength: 1, maxLength: 4 }),
    from: address,
    to: address,
    callId: text.filter((s) => s.length > 0),
    seq: fc.integer({ min: 0, max: 0xffff_ffff }),
    maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    extensions: fc.array(extension, { maxLength: 6 }),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map((g) => {
    const h = new SipHeaders()
    const add = (name: string, value: string): void => {
      const r = h.add(name, value)
      if (!r.ok) throw new Error(r.error)
    }
    for (const v of g.vias) add('Via', v)
    if (g.maxForwards !== undefined) add('Max-Forwards', String(g.maxForwards))
    add('From', g.from)
    add('To', g.to)
    add('Call-ID', g.callId)
    add('CSeq', `${g.seq} ${g.method}`)
    for (const e of g.extensions) add(e.name, e.value)
    return g.request
      ? { kind: 'request' as const, method: g.method, uri: g.uri, headers: h, body: g.body }
      : { kind: 'response' as const, status: g.status, reason: g.reason, headers: h, body: g.body }
  })

function bytesOf(m: SipMessage): Uint8Array {
  const r = serialiseMessage(m)
  if (!r.ok) throw new Error(r.error)
  return r.value
}

function shape(m: SipMessage): unknown {
  const start = m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason]
  return { start, fields: [...m.headers.fields()], body: [...m.body] }
}

describe('codec properties', () => {
  it('serialise then parse gives the same message, and serialising again the same bytes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = bytesOf(m)
        const parsed = parseMessage(bytes)
        if (!parsed.ok) throw new Error(`${parsed.error.reason}\n${new TextDecoder().decode(bytes)}`)
        const expectedFields = [...m.headers.fields(), { name: 'Content-Length', value: String(m.body.length) }]
        expect(shape(parsed.value)).toEqual({ ...(shape(m) as object), fields: expectedFields })
        expect(bytesOf(parsed.value)).toEqual(bytes)
      }),
      { numRuns: 300 },
    )
  })

  it('the stream framer yields the same messages however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const parts = messages.map(bytesOf)
          const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
          let at = 0
          for (const p of parts) {
            stream.set(p, at)
            at += p.length
          }
          const framer = new SipStreamFramer()
          const out: Uint8Array[] = []
          let pos = 0
          for (let i = 0; pos < stream.length; i++) {
            const size = cuts[i % cuts.length] ?? 1
            for (const item of framer.push(stream.subarray(pos, pos + size))) {
              if (item.kind !== 'message') throw new Error(`unexpected ${JSON.stringify(item)}`)
              out.push(bytesOf(item.message))
            }
            pos += size
          }
          expect(out).toEqual(parts)
          expect(framer.buffered).toBe(0)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('arbitrary bytes never throw, whole or streamed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (bytes, size) => {
        const r = parseMessage(bytes)
        if (!r.ok) expect(r.error.reason).not.toMatch(/[\r\n]/)
        const framer = new SipStreamFramer()
        for (let i = 0; i < bytes.length; i += size) framer.push(bytes.subarray(i, i + size))
      }),
      { numRuns: 500 },
    )
  })

  it('mutated valid messages never throw; every refusal can be answered or is dropped cleanly', () => {
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('flip', 'insert', 'delete', 'crlf', 'lf', 'space', 'colon', 'comma', 'quote', 'angle'),
      byte: fc.integer({ min: 0, max: 255 }),
    })
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, mutations) => {
        let bytes = bytesOf(m)
        for (const mu of mutations) {
          const at = bytes.length === 0 ? 0 : mu.at % bytes.length
          const insert = (ins: number[]): Uint8Array => {
            const out = new Uint8Array(bytes.length + ins.length)
            out.set(bytes.subarray(0, at))
            out.set(ins, at)
            out.set(bytes.subarray(at), at + ins.length)
            return out
          }
          const special: Record<string, number[]> = {
            crlf: [13, 10],
            lf: [10],
            space: [32],
            colon: [58],
            comma: [44],
            quote: [34],
            angle: [60],
          }
          if (mu.kind === 'flip') bytes[at] = mu.byte
          else if (mu.kind === 'insert') bytes = insert([mu.byte])
          else if (mu.kind === 'delete') bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1)])
          else bytes = insert(special[mu.kind] ?? [])
        }
        const r = parseMessage(bytes)
        if (r.ok) {
          // Whatever was accepted can be written back and read again identically.
          const again = parseMessage(bytesOf(r.value))
          expect(again.ok).toBe(true)
        } else {
          expect(r.error.reason.length).toBeGreaterThan(0)
          expect(r.error.reason).not.toMatch(/[\r\n]/)
          if (r.error.request !== undefined) {
            const answer = responseTo(r.error.request, r.error.status, r.error.reason)
            if (!answer.ok) throw new Error(answer.error)
            expect(serialiseMessage(answer.value).ok).toBe(true)
          }
        }
        const framer = new SipStreamFramer()
        framer.push(bytes)
      }),
      { numRuns: 1000 },
    )
  })
})
