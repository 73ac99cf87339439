/**
 * SIP codec fuzz targets: the whole-message parser, the stream framer (however the stream is cut), SIP URIs
 * and the structured header values. Seeds are the hostile-SIP corpus (src/testing/sip-corpus.ts) and a few values; the
 * inputs are those seeds mutated, or random bytes.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { MAX_MESSAGE_BYTES } from '../../sip/message/constants.js'
import {
  formatAuthValue,
  formatNameAddr,
  formatVia,
  parseAuthValue,
  parseCSeq,
  parseNameAddr,
  parseVia,
} from '../../sip/message/header-values.js'
import { responseTo, type SipMessage } from '../../sip/message/message.js'
import { parseMessage, type SipParseError } from '../../sip/message/parser.js'
import { serialiseMessage } from '../../sip/message/serialise.js'
import { SipStreamFramer, type StreamItem } from '../../sip/transport/index.js'
import { formatSipUri, parseSipUri } from '../../sip/message/uri.js'
import { SIP_CORPUS } from '../sip-corpus.js'
import { checkReason, fail, type FuzzTarget, type Outcome } from './harness.js'
import { mutate, mutateText, mutations, showBytes, type Mutation } from './mutate.js'

const SEEDS = SIP_CORPUS.map((c) => c.bytes)
const STATUSES = new Set([400, 413, 414, 505, 513])

/** A seed from the corpus, mutated; or random bytes. */
const messageBytes: fc.Arbitrary<{ seed: number; mutations: Mutation[] } | Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ seed: fc.nat(SEEDS.length - 1), mutations: mutations(4) }) },
  { weight: 1, arbitrary: fc.record({ seed: fc.nat(SEEDS.length - 1), mutations: fc.constant<Mutation[]>([]) }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
)

const bytesOf = (input: { seed: number; mutations: Mutation[] } | Uint8Array): Uint8Array =>
  input instanceof Uint8Array ? input : mutate(SEEDS[input.seed] ?? new Uint8Array(0), input.mutations)

function serialised(m: SipMessage, what: string): Uint8Array {
  const r = serialiseMessage(m)
  if (!r.ok) fail(`${what} cannot be serialised: ${r.error}`)
  return r.value
}

/** The message without its Content-Length (the serialiser writes its own, last). */
function shape(m: SipMessage): unknown {
  const start = m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason]
  const fields = [...m.headers.fields()].filter((f) => f.name !== 'Content-Length')
  return { kind: m.kind, start, fields, body: [...m.body] }
}

/** A refusal must say why, carry a status to answer with, and its answer (if any) must be writable. */
function checkRefusal(e: SipParseError): void {
  checkReason(e.reason, true)
  if (!STATUSES.has(e.status)) fail(`refused with status ${e.status}`)
  if (e.request !== undefined) {
    const answer = responseTo(e.request, e.status, e.reason)
    if (!answer.ok) fail(`the refusal cannot be answered: ${answer.error}`)
    serialised(answer.value, 'the answer to a refusal')
  }
}

/** parse -> serialise -> parse gives the same message, and serialising it again the same bytes. */
function checkRoundTrip(m: SipMessage): void {
  const bytes = serialised(m, 'an accepted message')
  const again = parseMessage(bytes)
  if (!again.ok) fail(`an accepted message, serialised, is refused: ${again.error.reason}`)
  if (!isDeepStrictEqual(shape(again.value), shape(m))) fail('parse -> serialise -> parse changed the message')
  const bytes2 = serialised(again.value, 'a re-parsed message')
  if (Buffer.compare(bytes, bytes2) !== 0) fail('serialising a re-parsed message gave other bytes')
}

export const parseMessageTarget: FuzzTarget<{ seed: number; mutations: Mutation[] } | Uint8Array> = {
  name: 'sip.parseMessage',
  group: 'sip',
  arbitrary: messageBytes,
  check(input): Outcome {
    const r = parseMessage(bytesOf(input))
    if (!r.ok) {
      checkRefusal(r.error)
      return 'refused'
    }
    checkRoundTrip(r.value)
    return 'accepted'
  },
  show: (input) => showBytes(bytesOf(input)),
}

/** What a framer gave, in comparable form. */
function summary(items: StreamItem[]): unknown[] {
  return items.map((i) =>
    i.kind === 'message'
      ? { message: shape(i.message) }
      : i.kind === 'ping'
        ? 'ping'
        : {
            status: i.error.status,
            reason: i.error.reason,
            close: i.error.close,
            request: i.error.request === undefined ? undefined : shape(i.error.request),
          },
  )
}

interface StreamInput {
  readonly parts: ({ seed: number; mutations: Mutation[] } | Uint8Array)[]
  readonly cuts: number[]
}

function streamOf(input: StreamInput): Uint8Array {
  return Buffer.concat(input.parts.map(bytesOf))
}

export const framerTarget: FuzzTarget<StreamInput> = {
  name: 'sip.SipStreamFramer',
  group: 'sip',
  arbitrary: fc.record({
    parts: fc.array(messageBytes, { minLength: 1, maxLength: 3 }),
    cuts: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }),
  }),
  check(input): Outcome {
    const stream = streamOf(input)
    const whole = new SipStreamFramer()
    const unsplit = whole.push(stream)
    const split = new SipStreamFramer()
    const pieces: StreamItem[] = []
    for (let pos = 0, i = 0; pos < stream.length; i++) {
      const size = input.cuts[i % input.cuts.length] ?? 1
      pieces.push(...split.push(stream.subarray(pos, pos + size)))
      if (split.buffered > MAX_MESSAGE_BYTES + size) fail(`the framer holds ${split.buffered} bytes`)
      pos += size
    }
    if (!isDeepStrictEqual(summary(pieces), summary(unsplit))) fail('cutting the stream changed what was framed')
    if (split.buffered !== whole.buffered) fail(`buffered ${split.buffered} bytes cut, ${whole.buffered} whole`)
    for (const item of unsplit) {
      if (item.kind === 'invalid') checkRefusal(item.error)
      else if (item.kind === 'message') checkRoundTrip(item.message)
    }
    return unsplit.some((i) => i.kind === 'invalid') ? 'refused' : 'accepted'
  },
  show: (input) => `${showBytes(streamOf(input))} cut ${JSON.stringify(input.cuts)}`,
}

const URI_SEEDS = [
  'sip:alice@atlanta.example.com',
  'sips:bob:secret@[2001:db8::10]:5061;transport=tcp;lr?subject=project%20x&priority=urgent',
  'sip:+12125551212@gateway.example.com;user=phone',
  'sip:%61lice@192.0.2.4:5060;maddr=239.255.255.1;ttl=15',
  'sip:example.com',
  'SIP:user;par=u%40example.net@example.com',
]

export const uriTarget: FuzzTarget<{ seed: number; mutations: Mutation[] } | string> = {
  name: 'sip.parseSipUri',
  group: 'sip',
  arbitrary: fc.oneof(
    { weight: 5, arbitrary: fc.record({ seed: fc.nat(URI_SEEDS.length - 1), mutations: mutations(3) }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80, unit: 'binary' }) },
  ),
  check(input): Outcome {
    const text = typeof input === 'string' ? input : mutateText(URI_SEEDS[input.seed] ?? '', input.mutations)
    const r = parseSipUri(text)
    if (!r.ok) {
      checkReason(r.error, true)
      return 'refused'
    }
    const written = formatSipUri(r.value)
    const again = parseSipUri(written)
    if (!again.ok) fail(`accepted URI written as ${JSON.stringify(written)} is refused: ${again.error}`)
    if (!isDeepStrictEqual(again.value, { ...r.value, scheme: again.value.scheme }))
      fail(`URI ${JSON.stringify(written)} reads back differently`)
    if (formatSipUri(again.value) !== written) fail('writing a re-read URI gave other text')
    return 'accepted'
  },
  show: (input) =>
    JSON.stringify(typeof input === 'string' ? input : mutateText(URI_SEEDS[input.seed] ?? '', input.mutations)),
}

type HeaderKind = 'name-addr' | 'via' | 'cseq' | 'auth'
const HEADER_SEEDS: Record<HeaderKind, string[]> = {
  'name-addr': [
    '"Alice \\"A\\" Liddell" <sip:alice@atlanta.example.com>;tag=1928301774',
    'Bob <sips:bob@biloxi.example.com;transport=tcp>',
    'sip:carol@chicago.example.com;tag=887s',
    '<sip:+12125551212@gw.example.com;user=phone>;expires=60;q=0.7',
    'Anonymous <sip:anonymous@anonymous.invalid>;tag=x;param="quoted ; , value"',
  ],
  via: [
    'SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    'SIP/2.0/UDP 192.0.2.1:5060;received=192.0.2.207;rport=5061;branch=z9hG4bK77ef4c2312983.1',
    'SIP / 2.0 / WSS [2001:db8::9]:443 ; branch = z9hG4bKa ; alias',
  ],
  cseq: ['63104 OPTIONS', '4294967295 INVITE', '0 ACK'],
  auth: [
    'Digest username="alice", realm="atlanta.example.com", nonce="84a4cc6f3082121f32b42a2187831a9e", uri="sip:bob@biloxi.example.com", response="7587245234b3434cc3412213e5f113a5", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="0a4f113b"',
    'Digest realm="biloxi.example.com", qop="auth", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", stale=FALSE',
  ],
}
const KINDS = Object.keys(HEADER_SEEDS) as HeaderKind[]

interface HeaderInput {
  readonly kind: HeaderKind
  readonly seed: number
  readonly mutations: Mutation[]
}
const headerText = (i: HeaderInput): string => {
  const seeds = HEADER_SEEDS[i.kind]
  return mutateText(seeds[i.seed % seeds.length] ?? '', i.mutations)
}

/** Parses, writes and parses again: the two values must be the same. */
function roundTrip<T>(
  text: string,
  parse: (s: string) => { ok: true; value: T } | { ok: false; error: string },
  format: (v: T) => string,
): Outcome {
  const r = parse(text)
  if (!r.ok) {
    checkReason(r.error, true)
    return 'refused'
  }
  const written = format(r.value)
  const again = parse(written)
  if (!again.ok) fail(`accepted value written as ${JSON.stringify(written)} is refused: ${again.error}`)
  if (!isDeepStrictEqual(again.value, r.value))
    fail(`value written as ${JSON.stringify(written)} reads back differently`)
  return 'accepted'
}

export const headerValuesTarget: FuzzTarget<HeaderInput> = {
  name: 'sip.headerValues',
  group: 'sip',
  arbitrary: fc.record({ kind: fc.constantFrom(...KINDS), seed: fc.nat(), mutations: mutations(3) }),
  check(input): Outcome {
    const text = headerText(input)
    switch (input.kind) {
      case 'name-addr':
        return roundTrip(text, parseNameAddr, formatNameAddr)
      case 'via':
        return roundTrip(text, parseVia, formatVia)
      case 'cseq':
        return roundTrip(text, parseCSeq, (c) => `${c.seq} ${c.method}`)
      case 'auth':
        return roundTrip(text, parseAuthValue, (v) => formatAuthValue(v))
    }
  },
  show: (input) => `${input.kind} ${JSON.stringify(headerText(input))}`,
}

export const sipTargets = [parseMessageTarget, framerTarget, uriTarget, headerValuesTarget]
