import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkUri, formatSipUri, isSipUri, parseSipUri, sameSipUri, uriParam, uriScheme } from './uri.js'

describe('parseSipUri', () => {
  it('takes a full SIP URI apart', () => {
    const r = parseSipUri(
      'sips:alice:secret@Atlanta.Example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent',
    )
    expect(r).toEqual({
      ok: true,
      value: {
        scheme: 'sips',
        user: 'alice',
        password: 'secret',
        host: 'Atlanta.Example.com',
        hostKind: 'domain',
        port: 5061,
        params: [
          { name: 'transport', value: 'tcp' },
          { name: 'lr', value: undefined },
        ],
        headers: [
          { name: 'subject', value: 'project%20x' },
          { name: 'priority', value: 'urgent' },
        ],
      },
    })
    if (r.ok) {
      expect(uriParam(r.value, 'TRANSPORT')).toBe('tcp')
      expect(uriParam(r.value, 'lr')).toBe('')
      expect(uriParam(r.value, 'maddr')).toBeUndefined()
    }
  })

  it.each([
    ['sip:example.com', { user: undefined, host: 'example.com', hostKind: 'domain', port: undefined }],
    ['SIP:bob@192.0.2.4', { user: 'bob', host: '192.0.2.4', hostKind: 'ipv4' }],
    ['sip:[2001:db8::1]:5060', { host: '[2001:db8::1]', hostKind: 'ipv6', port: 5060 }],
    ['sip:bob@[::ffff:192.0.2.1]', { host: '[::ffff:192.0.2.1]', hostKind: 'ipv6' }],
    ['sip:%61lice@example.com', { user: 'alice' }],
    ['sip:sips%3Auser%40example.com@example.net', { user: 'sips:user@example.com', host: 'example.net' }],
    [
      'sip:+15551234567;phone-context=example.com@example.com;user=phone',
      { user: '+15551234567;phone-context=example.com' },
    ],
    ['sip:null-%00-null@example.com', { user: 'null-\u0000-null' }],
    ['sip:host.example.com.', { host: 'host.example.com.' }],
    ['sip:u@h:0', { port: 0 }],
  ])('%s', (text, expected) => {
    const r = parseSipUri(text)
    if (!r.ok) throw new Error(r.error)
    expect(r.value).toMatchObject(expected)
  })

  it.each([
    ['tel:+15551234567', 'is not a sip: or sips: URI'],
    ['sip:', 'is empty after its scheme'],
    ['sip:@example.com', 'empty user part'],
    ['sip:us er@example.com', 'not allowed in a URI'],
    ['sip:us%4@example.com', 'not followed by two hex digits'],
    ['sip:us<r@example.com', 'not allowed in a URI'],
    ['sip:bob@exa_mple.com', 'contains "_"'],
    ['sip:bob@-example.com', 'starting or ending with "-"'],
    ['sip:bob@example..com', 'empty label'],
    ['sip:bob@256.1.1.1', 'not a valid IPv4 address'],
    ['sip:bob@[2001:db8::g]', 'not a valid IPv6 address'],
    ['sip:bob@[2001:db8::1', 'without closing it'],
    ['sip:bob@example.com:99999', 'expected 0-65535'],
    ['sip:bob@example.com:', 'expected 0-65535'],
    ['sip:bob@example.com;=x', 'empty name'],
    ['sip:bob@example.com;a"b', 'not allowed in a URI'],
    ['sip:bob@example.com?', 'without headers'],
    ['sip:bob@example.com?subject', 'has no "=value"'],
    ['sip:bob@' + 'a'.repeat(300), 'longer than 253'],
    ['sip:bob@example.com' + ';p'.repeat(100), 'more than 64'],
  ])('refuses %s', (text, reason) => {
    const r = parseSipUri(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(reason)
  })
})

describe('uriScheme and checkUri', () => {
  it('accepts other absolute URIs by shape only', () => {
    expect(uriScheme('tel:+1-555-123')).toEqual({ ok: true, value: 'tel' })
    expect(checkUri('urn:service:sos')).toEqual({ ok: true, value: 'urn' })
    expect(checkUri('SIPS:bob@example.com')).toEqual({ ok: true, value: 'sips' })
  })
  it('refuses what is not an absolute URI', () => {
    for (const t of ['', 'bob', ':x', '1sip:x', '<sip:a@b>', 'sip:a b', 'tel:']) expect(checkUri(t).ok).toBe(false)
    expect(checkUri('sip:a@b:x').ok).toBe(false)
  })
})

describe('formatSipUri', () => {
  it('escapes what the user part may not hold and round-trips', () => {
    const text = formatSipUri({
      scheme: 'sip',
      user: 'a b@c',
      password: 'p:w',
      host: 'example.com',
      port: 5060,
      params: [{ name: 'lr', value: undefined }],
      headers: [],
    })
    expect(text).toBe('sip:a%20b%40c:p%3Aw@example.com:5060;lr')
    expect(parseSipUri(text)).toMatchObject({ ok: true, value: { user: 'a b@c', password: 'p:w' } })
  })

  it('round-trips generated URIs', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/)
    const host = fc.oneof(
      fc
        .array(label, { minLength: 1, maxLength: 4 })
        .map((l) => l.join('.'))
        .filter((h) => !/^[\d.]+$/.test(h)),
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
    )
    const param = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
      value: fc.option(fc.stringMatching(/^[a-zA-Z0-9.]{1,10}$/), { nil: undefined }),
    })
    fc.assert(
      fc.property(
        fc.constantFrom('sip' as const, 'sips' as const),
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        host,
        fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
        fc.array(param, { maxLength: 4 }),
        (scheme, user, h, port, params) => {
          const text = formatSipUri({ scheme, user, password: undefined, host: h, port, params, headers: [] })
          const back = parseSipUri(text)
          if (!back.ok) throw new Error(`${text}: ${back.error}`)
          expect(back.value).toMatchObject({ scheme, user, host: h, port, params })
          expect(formatSipUri(back.value)).toBe(text)
        },
      ),
    )
  })

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const r = parseSipUri('sip:' + s)
        expect(typeof r.ok).toBe('boolean')
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0)
      }),
    )
  })

  it('escapes DEL in its errors, which go into reason phrases (found by fuzzing)', () => {
    const r = parseSipUri('sip:alice\x7f@example.com')
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.error).toBe('URI "sip:alice\\u007f@example.com" contains "\\u007f", which is not allowed in a URI')
  })
})

describe('sameSipUri (RFC 3261 section 19.1.4)', () => {
  it('ignores a parameter only one side has, such as JsSIP adding ;ob to its registered contact', () => {
    expect(sameSipUri('sip:2l7o@i7sa.invalid;transport=ws', 'sip:2l7o@i7sa.invalid;transport=ws;ob')).toBe(true)
    expect(sameSipUri('sip:alice@EXAMPLE.com', 'sip:alice@example.com;foo=bar')).toBe(true)
    expect(sameSipUri('sip:alice@example.com;transport=TCP', 'sip:alice@example.com;transport=tcp')).toBe(true)
  })

  it('tells apart users, hosts, ports, schemes and significant parameters', () => {
    expect(sameSipUri('sip:alice@example.com', 'sip:Alice@example.com')).toBe(false)
    expect(sameSipUri('sip:alice@example.com', 'sip:alice@example.org')).toBe(false)
    expect(sameSipUri('sip:alice@example.com', 'sip:alice@example.com:5060')).toBe(false)
    expect(sameSipUri('sip:alice@example.com', 'sips:alice@example.com')).toBe(false)
    expect(sameSipUri('sip:alice@example.com', 'sip:alice@example.com;transport=ws')).toBe(false)
    expect(sameSipUri('sip:alice@example.com;foo=1', 'sip:alice@example.com;foo=2')).toBe(false)
    expect(sameSipUri('sip:alice@example.com', 'not a uri')).toBe(false)
  })
})

describe('isSipUri (the scan checkUri makes before taking a URI apart)', () => {
  // Strings built from the pieces where the rules differ: user and password classes, escapes cut short, hosts,
  // IPv6 references, ports, empty and repeated parameters, "?" with and without headers.
  const piece = fc.constantFrom(
    'alice',
    'a%41',
    '%4',
    '%',
    '%zz',
    ':',
    'pw',
    '@',
    'example.com',
    'EXAMPLE.com.',
    '-bad.com',
    'a..b',
    '1.2.3.4',
    '1.2.3.999',
    '[::1]',
    '[2001:db8::1]',
    '[nope]',
    '[::1',
    ':5060',
    ':65535',
    ':65536',
    ':',
    ':123456',
    ';',
    ';lr',
    ';transport=tcp',
    ';ime=abc.DEF_-',
    ';=x',
    ';a=',
    ';a=b=c',
    '?',
    '?h=v',
    '?h',
    '&',
    '&x=%20',
    '=',
    'é',
    '"',
    '#',
    '/',
    '[',
    ']',
    '~',
    '0',
  )
  const uri = fc
    .tuple(fc.constantFrom('sip:', 'sips:'), fc.array(piece, { maxLength: 9 }))
    .map(([s, p]) => s + p.join(''))

  // Mostly well-formed URIs, each part now and then wrong.
  const part = (good: string[], bad: string[]) =>
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, fc.constantFrom(...bad))
  const shaped = fc
    .tuple(
      fc.constantFrom('sip:', 'sips:'),
      part(['', 'alice@', '+14085550123@', 'a%20b@', 'bob:pw@', 'bob:@'], ['@', ':pw@', 'a b@', '%4@', 'a@b@']),
      part(['example.com', '127.0.0.1', '[::1]', 'a-b.example.', 'X.Y'], ['', '-a.com', '1.2.3', '[::g]', 'a_b']),
      part(['', ':5060', ':0', ':65535'], [':', ':65536', ':x', '::1']),
      part(['', ';lr', ';transport=tcp;lr', ';ime=tok.EN_-;ob', ';maddr=1.2.3.4'], [';', ';;lr', ';=v', ';a%']),
      part(['', '?subject=x', '?a=1&b=%20'], ['?', '?a', '?a=1&', '?=1']),
    )
    .map((p) => p.join(''))

  it('accepts exactly what parseSipUri takes apart', () => {
    fc.assert(
      fc.property(fc.oneof(uri, shaped), (text) => {
        if (!uriScheme(text).ok) return
        expect(isSipUri(text)).toBe(parseSipUri(text).ok)
      }),
      { numRuns: 20_000 },
    )
  })

  it('lets checkUri answer as a full check would, scheme and all', () => {
    const full = (text: string) => {
      const scheme = uriScheme(text)
      if (!scheme.ok) return scheme
      return scheme.value === 'sip' || scheme.value === 'sips'
        ? parseSipUri(text).ok
          ? scheme
          : parseSipUri(text)
        : scheme
    }
    const spaced = fc.tuple(
      fc.oneof(uri, shaped),
      fc.constantFrom('', ' ', '<', '>', '"', '\t', '\u007f', 'SIP:', 'Sips:'),
    )
    fc.assert(
      fc.property(spaced, ([text, extra]) => {
        for (const t of [text, text + extra, extra + text.slice(4)]) expect(checkUri(t)).toEqual(full(t))
      }),
      { numRuns: 10_000 },
    )
  })

  it('agrees at the limit of 64 parameters and 64 headers', () => {
    const many = 'sip:h' + ';p'.repeat(64)
    for (const text of [
      many,
      many + ';p',
      'sip:a@h?' + Array(64).fill('x=1').join('&'),
      'sip:a@h?' + Array(65).fill('x=1').join('&'),
    ])
      expect(isSipUri(text)).toBe(parseSipUri(text).ok)
  })
})
