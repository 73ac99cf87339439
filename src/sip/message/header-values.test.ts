import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatAuthValue,
  formatNameAddr,
  formatVia,
  paramValue,
  parseAuthValue,
  parseCSeq,
  parseNameAddr,
  parseVia,
} from './header-values.js'
import { SipHeaders, splitList, splitListByChar } from './headers.js'
import { matchesAt } from './scan.js'

describe('splitList', () => {
  it('splits at commas outside quotes and <...>', () => {
    expect(splitList('"Doe, John" <sip:a@b;x=1,2>, <sip:c@d> ,sip:e@f')).toEqual({
      ok: true,
      value: ['"Doe, John" <sip:a@b;x=1,2>', '<sip:c@d>', 'sip:e@f'],
    })
    expect(splitList('"a \\" , b" <sip:x@y>')).toEqual({ ok: true, value: ['"a \\" , b" <sip:x@y>'] })
    // One element, no comma or quote (most Via and Route lines): trimmed, the same as the full scan.
    expect(splitList(' SIP/2.0/TCP a:5060;branch=z9hG4bK1 ')).toEqual({
      ok: true,
      value: ['SIP/2.0/TCP a:5060;branch=z9hG4bK1'],
    })
    expect(splitList('<sip:p;lr>;x=<y>')).toEqual({ ok: true, value: ['<sip:p;lr>;x=<y>'] })
  })
  it.each([
    ['"unterminated, <sip:a@b>', 'unterminated quoted string'],
    ['<sip:a@b, sip:c@d', '"<" without ">"'],
    ['<sip:a@b>;x=<y', '"<" without ">"'],
    ['  ', 'empty element'],
    ['<sip:a@b>,,<sip:c@d>', 'empty element'],
    ['<sip:a@b>,', 'empty element'],
    [Array.from({ length: 300 }, () => 'a').join(','), 'more than 256 values'],
  ])('refuses %s', (value, reason) => {
    const r = splitList(value)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('splitList without quotes (native searches) and removeFirstValue after a split', () => {
  const piece = fc.constantFrom(
    '<sip:a;lr>',
    '<sip:b;ime=x.y>',
    'sip:c',
    ',',
    ', ',
    ' ,',
    '<',
    '>',
    ';p=<q>',
    ' ',
    'x',
    '<a,b>',
  )
  const value = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''))

  it('splits as the character-by-character scan does', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(splitList(v)).toEqual(splitListByChar(v))
      }),
      { numRuns: 20_000 },
    )
    const many = Array.from({ length: 300 }, () => '<sip:a>').join(',')
    expect(splitList(many)).toEqual(splitListByChar(many))
  })

  it('removes the first value of a split header as an unsplit one would, keeping the rest as written', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), (lines) => {
        const fresh = new SipHeaders()
        const read = new SipHeaders()
        for (const l of lines) {
          const v = l.trim()
          if (v === '') return
          fresh.add('Route', v)
          read.add('Route', v)
        }
        const before = read.values('Route')
        const a = fresh.removeFirstValue('Route')
        const b = read.removeFirstValue('Route')
        expect(b).toEqual(a)
        // The rest is the same list, though a line may keep its own spacing after its first comma.
        expect(read.values('Route')).toEqual(fresh.values('Route'))
        if (before.ok) expect(read.values('Route')).toEqual({ ok: true, value: before.value.slice(1) })
      }),
      { numRuns: 5_000 },
    )
  })
})

describe('parseVia sent-by and names in any case', () => {
  it.each([
    ['SIP/2.0/TCP h.example:5060;branch=z9hG4bK1', 'TCP', 'h.example', 5060],
    ['sip/2.0/tcp h.example : 5060 ;BRANCH=z9hG4bK1', 'TCP', 'h.example', 5060],
    ['SIP/2.0/UDP h.example: 5061;branch=z9hG4bK1', 'UDP', 'h.example', 5061],
    ['SIP/2.0/Ws [::1]:8080;branch=z9hG4bK1', 'WS', '[::1]', 8080],
    ['SIP/2.0/SCTP h.example;branch=z9hG4bK1', 'SCTP', 'h.example', undefined],
  ])('%s', (text, transport, host, port) => {
    expect(parseVia(text)).toMatchObject({ ok: true, value: { transport, host, port } })
  })
  it.each([
    ['SIP/2.0/TCP h.example:;branch=z9hG4bK1', 'port'],
    ['SIP/2.0/TCP h.example:5060;BRANCH=', '"=" but no value'],
    ['SIP/2.0/TCP h.example:5060;Rport=x', 'rport'],
    ['SIP/2.0/TCP h.example:5060 junk', 'has unexpected'],
  ])('refuses %s', (text, reason) => {
    const r = parseVia(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('parseNameAddr', () => {
  it.each([
    [
      '"Alice \\"A\\"" <sip:alice@example.com>;tag=1',
      'Alice "A"',
      'sip:alice@example.com',
      [{ name: 'tag', value: '1' }],
    ],
    ['Bob Smith <sip:bob@example.com>', 'Bob Smith', 'sip:bob@example.com', []],
    [
      '<sip:bob@example.com;transport=tcp>;expires=60;q=0.5',
      undefined,
      'sip:bob@example.com;transport=tcp',
      [
        { name: 'expires', value: '60' },
        { name: 'q', value: '0.5' },
      ],
    ],
    // addr-spec: the ;tag belongs to the header, not the URI (RFC 3261 section 20.10)
    ['sip:bob@example.com;tag=abc', undefined, 'sip:bob@example.com', [{ name: 'tag', value: 'abc' }]],
    ['"caller"<sip:caller@example.com>', 'caller', 'sip:caller@example.com', []],
    ['  <tel:+15551234567>  ;  tag = x ', undefined, 'tel:+15551234567', [{ name: 'tag', value: 'x' }]],
    [
      '"" <sip:a@b>;flag;p="quoted ; value"',
      '',
      'sip:a@b',
      [
        { name: 'flag', value: undefined },
        { name: 'p', value: 'quoted ; value', quoted: true },
      ],
    ],
  ])('%s', (text, displayName, uri, params) => {
    expect(parseNameAddr(text)).toEqual({ ok: true, value: { displayName, uri, params } })
  })

  it.each([
    ['', 'has no URI'],
    ['<>', 'has no URI'],
    ['"Bob <sip:bob@example.com>', 'unterminated quoted string'],
    ['"Bob" sip:bob@example.com', 'must be followed by <URI>'],
    ['Bell, Alexander <sip:bell@example.com>', 'must be quoted'],
    ['<sip:bob@example.com', '"<" without ">"'],
    ['<sip:bob@example.com> junk', 'unexpected "junk"'],
    ['<sip:bob@example.com>;', 'without a parameter name'],
    ['<sip:bob@example.com>;tag=', 'has "=" but no value'],
    ['<bob@example.com>', 'has no scheme'],
    ['<sip:bob@exa mple.com>', 'not allowed in a URI'],
  ])('refuses %s', (text, reason) => {
    const r = parseNameAddr(text, 'To')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })

  it('formats back to something that parses the same', () => {
    const a = { displayName: 'A "quoted" \\ name', uri: 'sip:a@example.com', params: [{ name: 'tag', value: 'x1' }] }
    const text = formatNameAddr(a)
    expect(text).toBe('"A \\"quoted\\" \\\\ name" <sip:a@example.com>;tag=x1')
    expect(parseNameAddr(text)).toEqual({ ok: true, value: a })
  })
})

describe('parseVia', () => {
  it('reads protocol, transport, sent-by and parameters', () => {
    const r = parseVia('SIP/2.0/tcp [2001:db8::1]:5062;branch=z9hG4bK776;received=192.0.2.1;rport=5070;maddr=x')
    expect(r).toEqual({
      ok: true,
      value: {
        transport: 'TCP',
        host: '[2001:db8::1]',
        hostKind: 'ipv6',
        port: 5062,
        params: [
          { name: 'branch', value: 'z9hG4bK776' },
          { name: 'received', value: '192.0.2.1' },
          { name: 'rport', value: '5070' },
          { name: 'maddr', value: 'x' },
        ],
      },
    })
    if (r.ok) {
      expect(paramValue(r.value.params, 'BRANCH')).toBe('z9hG4bK776')
      expect(formatVia(r.value)).toBe(
        'SIP/2.0/TCP [2001:db8::1]:5062;branch=z9hG4bK776;received=192.0.2.1;rport=5070;maddr=x',
      )
    }
  })
  it('allows whitespace around the marks, rport without a value and an IPv6 received', () => {
    const r = parseVia('SIP / 2.0 / UDP   host.example.com : 5060 ; rport ; received=2001:db8::5 ; branch = z9hG4bK1')
    expect(r).toMatchObject({ ok: true, value: { transport: 'UDP', host: 'host.example.com', port: 5060 } })
    if (r.ok) expect(paramValue(r.value.params, 'rport')).toBe('')
  })
  it.each([
    ['SIP/2.0/TCP', 'expected whitespace'],
    ['SIP/2.0/TCP ', 'is empty'],
    ['HTTP/1.1/TCP host', 'does not start with SIP/2.0/'],
    ['SIP/2.1/TCP host', 'expected 2.0'],
    ['SIP/2.0 host', 'expected "/" before the transport'],
    ['SIP/2.0/ ;branch=x', 'no transport'],
    ['SIP/2.0/TCP host:abc', 'expected 0-65535'],
    ['SIP/2.0/TCP host;branch', 'empty branch'],
    ['SIP/2.0/TCP host;rport=x', 'expected a port number'],
    ['SIP/2.0/TCP host;received=host.example.com', 'expected an IP address'],
    ['SIP/2.0/TCP host extra', 'unexpected "extra"'],
  ])('refuses %s', (text, reason) => {
    const r = parseVia(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('parseCSeq', () => {
  it('reads number and method', () => {
    expect(parseCSeq(' 0009   INVITE ')).toEqual({ ok: true, value: { seq: 9, method: 'INVITE' } })
    expect(parseCSeq('4294967295 ACK')).toEqual({ ok: true, value: { seq: 4294967295, method: 'ACK' } })
  })
  it.each([
    ['INVITE', 'does not start with a sequence number'],
    ['-1 INVITE', 'does not start with a sequence number'],
    ['4294967296 INVITE', 'larger than 4294967295'],
    ['1INVITE', 'expected whitespace'],
    ['1 ', 'has no method'],
    ['1 INVITE extra', 'unexpected "extra"'],
  ])('refuses %s', (text, reason) => {
    const r = parseCSeq(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('parseAuthValue', () => {
  it('reads digest credentials, quoted or not, commas inside quotes', () => {
    const r = parseAuthValue(
      'Digest username="bob", realm="biloxi.com, inc", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth,nc=00000001 , response="6629fae4", algorithm=SHA-256',
    )
    if (!r.ok) throw new Error(r.error)
    expect(r.value.scheme).toBe('Digest')
    expect(Object.fromEntries(r.value.params)).toEqual({
      username: 'bob',
      realm: 'biloxi.com, inc',
      nonce: 'dcd98b',
      uri: 'sip:bob@biloxi.com',
      qop: 'auth',
      nc: '00000001',
      response: '6629fae4',
      algorithm: 'SHA-256',
    })
  })
  it('formats a challenge that parses back', () => {
    const v = {
      scheme: 'Digest',
      params: new Map([
        ['realm', 'example.com'],
        ['nonce', 'abc'],
        ['qop', 'auth'],
        ['algorithm', 'MD5'],
        ['stale', 'FALSE'],
      ]),
    }
    const text = formatAuthValue(v)
    expect(text).toBe('Digest realm="example.com", nonce="abc", qop="auth", algorithm=MD5, stale=FALSE')
    expect(parseAuthValue(text)).toEqual({ ok: true, value: v })
  })
  it.each([
    ['', 'has no scheme'],
    ['Digest realm', 'has no "=value"'],
    ['Digest realm="x" nonce="y"', 'expected ","'],
    ['Digest realm="x", realm="y"', 'twice'],
    ['Digest realm="x', 'unterminated quoted string'],
    ['Digest realm=', 'empty value'],
  ])('refuses %s', (text, reason) => {
    const r = parseAuthValue(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('matchesAt (case-insensitive match without a copy)', () => {
  it.each([
    ['SIP/2.0', 0, 'sip/', true],
    ['sIp:alice@x', 0, 'sip:', true],
    ['sips:x', 0, 'sip:', false],
    ['SIPS:x', 0, 'sips:', true],
    ['sip', 0, 'sip:', false],
    ['xBRANCH', 1, 'branch', true],
    ['sip\u000f2.0', 0, 'sip/', false], // "/" is matched exactly, not by case-folding a control character
    ['SIp:', 0, 'sip/', false],
  ] as const)('%j at %i against %j: %s', (text, at, lower, want) => {
    expect(matchesAt(text, at, lower)).toBe(want)
  })
})
