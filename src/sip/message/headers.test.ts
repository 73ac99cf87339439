import { describe, expect, it } from 'vitest'
import { canonicalName, headerValueProblem, SipHeaders } from './headers.js'

function headers(...fields: [string, string][]): SipHeaders {
  const r = SipHeaders.fromFields(fields.map(([name, value]) => ({ name, value })))
  if (!r.ok) throw new Error(r.error)
  return r.value
}

describe('header names', () => {
  it('expands compact forms and spells known names canonically', () => {
    const pairs: [string, string][] = [
      ['i', 'Call-ID'],
      ['m', 'Contact'],
      ['f', 'From'],
      ['t', 'To'],
      ['v', 'Via'],
      ['l', 'Content-Length'],
      ['c', 'Content-Type'],
      ['k', 'Supported'],
      ['s', 'Subject'],
      ['e', 'Content-Encoding'],
      ['o', 'Event'],
      ['r', 'Refer-To'],
      ['u', 'Allow-Events'],
      ['x', 'Session-Expires'],
      ['y', 'Identity'],
      ['CALL-id', 'Call-ID'],
      ['cseq', 'CSeq'],
      ['www-authenticate', 'WWW-Authenticate'],
      ['x-ime-ticket', 'X-IME-Ticket'],
      ['X-Custom-Thing', 'X-Custom-Thing'],
    ]
    for (const [given, canonical] of pairs) expect(canonicalName(given)).toBe(canonical)
  })

  it('finds a header by any spelling', () => {
    const h = headers(['i', 'abc'], ['v', 'SIP/2.0/TCP a'], ['VIA', 'SIP/2.0/TCP b'])
    expect(h.get('Call-ID')).toBe('abc')
    expect(h.get('call-id')).toBe('abc')
    expect(h.getAll('Via')).toEqual(['SIP/2.0/TCP a', 'SIP/2.0/TCP b'])
    expect(h.getAll('v')).toEqual(['SIP/2.0/TCP a', 'SIP/2.0/TCP b'])
    expect(h.has('m')).toBe(false)
    expect([...h.fields()].map((f) => f.name)).toEqual(['Call-ID', 'Via', 'Via'])
  })
})

describe('SipHeaders edits', () => {
  it('prepends above the first field of the same name, wherever it is', () => {
    const h = headers(['From', 'a'], ['Via', 'SIP/2.0/TCP a'], ['To', 'b'], ['Via', 'SIP/2.0/TCP b'])
    expect(h.prepend('Via', 'SIP/2.0/TCP new').ok).toBe(true)
    expect(h.prepend('Record-Route', '<sip:p.example.com;lr>').ok).toBe(true)
    expect([...h.fields()].map((f) => `${f.name}: ${f.value}`)).toEqual([
      'From: a',
      'Via: SIP/2.0/TCP new',
      'Via: SIP/2.0/TCP a',
      'To: b',
      'Via: SIP/2.0/TCP b',
      'Record-Route: <sip:p.example.com;lr>',
    ])
  })

  it('set replaces every field of the name in place of the first; remove counts', () => {
    const h = headers(['Max-Forwards', '70'], ['To', 'b'], ['max-forwards', '12'])
    expect(h.set('Max-Forwards', '69').ok).toBe(true)
    expect([...h.fields()].map((f) => `${f.name}: ${f.value}`)).toEqual(['Max-Forwards: 69', 'To: b'])
    expect(h.set('Expires', '60').ok).toBe(true)
    expect(h.get('Expires')).toBe('60')
    expect(h.remove('expires')).toBe(1)
    expect(h.remove('Expires')).toBe(0)
    expect(h.size).toBe(2)
  })

  it('removes the first value of a list even when it shares a line', () => {
    const h = headers(['Route', '<sip:p1;lr>, "P 2, two" <sip:p2;lr>'], ['Route', '<sip:p3;lr>'])
    expect(h.removeFirstValue('Route')).toEqual({ ok: true, value: '<sip:p1;lr>' })
    expect(h.getAll('Route')).toEqual(['"P 2, two" <sip:p2;lr>', '<sip:p3;lr>'])
    expect(h.removeFirstValue('Route')).toEqual({ ok: true, value: '"P 2, two" <sip:p2;lr>' })
    expect(h.removeFirstValue('Route')).toEqual({ ok: true, value: '<sip:p3;lr>' })
    expect(h.removeFirstValue('Route')).toEqual({ ok: true, value: undefined })
    expect(h.has('Route')).toBe(false)
  })

  it('lists values across lines', () => {
    const h = headers(['Allow', 'INVITE, ACK'], ['Allow', 'BYE'])
    expect(h.values('Allow')).toEqual({ ok: true, value: ['INVITE', 'ACK', 'BYE'] })
  })

  it('refuses header injection and bad names', () => {
    const h = new SipHeaders()
    for (const value of ['a\r\nVia: evil', 'a\nb', 'a\rb', 'a\u0000b', ' padded', 'padded\t']) {
      const r = h.add('Subject', value)
      expect(r.ok).toBe(false)
    }
    expect(h.add('Bad Name', 'x')).toEqual({ ok: false, error: 'header name "Bad Name" is not a token' })
    expect(h.add('X-IME-Ticket', 'a\r\nX: y')).toEqual({
      ok: false,
      error: 'X-IME-Ticket value "a\\r\\nX: y" contains CR',
    })
    expect(h.set('Subject', 'ok\n')).toMatchObject({ ok: false })
    expect(h.prepend('Via', 'x\ny')).toMatchObject({ ok: false })
    expect(h.size).toBe(0)
    expect(headerValueProblem('tab\tand "quoted \\\u0007 bell"')).toBeUndefined()
    expect(headerValueProblem('bare \u0007 bell')).toBe('contains control character 0x07')
  })

  it('forgets a parsed structure when its header changes, and only then; clones are independent', () => {
    const h = headers(['Via', 'SIP/2.0/TCP a'], ['From', '<sip:a@b>;tag=1'])
    let vias = 0
    let froms = 0
    const parseVia = () => h.cached('v', 'view', () => ++vias)
    const parseFrom = () => h.cached('f', 'view', () => ++froms)
    expect([parseVia(), parseFrom()]).toEqual([1, 1])
    expect([parseVia(), parseFrom()]).toEqual([1, 1])
    h.add('Via', 'SIP/2.0/TCP b')
    expect([parseVia(), parseFrom()]).toEqual([2, 1])
    h.set('From', '<sip:c@d>;tag=2')
    h.prepend('Route', '<sip:p>')
    expect([parseVia(), parseFrom()]).toEqual([2, 2])
    const copy = h.clone()
    const copyVia = () => copy.cached('Via', 'view', () => 'recomputed')
    expect(copyVia()).toBe(2)
    copy.remove('Via')
    expect(copyVia()).toBe('recomputed')
    expect(parseVia()).toBe(2)
    expect(h.getAll('Via')).toHaveLength(2)
    expect(copy.getAll('Via')).toHaveLength(0)
    expect(copy.size).toBe(2)
    h.removeFirstValue('Via')
    expect(parseVia()).toBe(3)
  })

  it('writes its lines in order, leaving one header out', () => {
    const h = headers(['v', 'SIP/2.0/TCP a'], ['Content-Length', '9'], ['X-A', '1'])
    expect(h.lines('content-length')).toBe('Via: SIP/2.0/TCP a\r\nX-A: 1\r\n')
  })
})

describe('count', () => {
  it('counts the lines of one name, in any spelling', () => {
    const h = new SipHeaders()
    h.add('Call-ID', 'a')
    h.add('i', 'b')
    h.add('Via', 'SIP/2.0/TCP h;branch=z9hG4bK1, SIP/2.0/TCP g;branch=z9hG4bK2')
    expect(h.count('call-id')).toBe(2)
    expect(h.count('Via')).toBe(1)
    expect(h.count('CSeq')).toBe(0)
  })
})

describe('replaceInValues', () => {
  it('replaces inside every value of one header and drops its parsed views', () => {
    const h = new SipHeaders()
    h.add('Record-Route', '<sip:a;lr;ime=T1>, <sip:b;lr;ime=T1>')
    h.add('Record-Route', '<sip:c;lr>')
    h.add('Route', '<sip:d;lr;ime=T1>')
    expect(h.values('Record-Route')).toMatchObject({
      ok: true,
      value: ['<sip:a;lr;ime=T1>', '<sip:b;lr;ime=T1>', '<sip:c;lr>'],
    })
    expect(h.replaceInValues('Record-Route', ';ime=T1', ';ime=T2')).toEqual({ ok: true, value: 1 })
    expect(h.getAll('Record-Route')).toEqual(['<sip:a;lr;ime=T2>, <sip:b;lr;ime=T2>', '<sip:c;lr>'])
    expect(h.values('Record-Route')).toMatchObject({
      ok: true,
      value: ['<sip:a;lr;ime=T2>', '<sip:b;lr;ime=T2>', '<sip:c;lr>'],
    })
    expect(h.get('Route')).toBe('<sip:d;lr;ime=T1>')
  })

  it('refuses a replacement that would put a line break in a value, and changes nothing', () => {
    const h = new SipHeaders()
    h.add('Record-Route', '<sip:a;lr;ime=T1>')
    const r = h.replaceInValues('Record-Route', 'T1', 'T2>\r\nX-Evil: 1')
    expect(r.ok).toBe(false)
    expect(h.getAll('Record-Route')).toEqual(['<sip:a;lr;ime=T1>'])
  })
})
