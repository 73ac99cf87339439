import { describe, expect, it } from 'vitest'
import { decodeBencode, encodeBencode } from './bencode.js'

const text = (v: Parameters<typeof encodeBencode>[0]) => encodeBencode(v).toString('utf8')

describe('bencode', () => {
  it('encodes strings by byte length, integers, lists and dictionaries with sorted keys', () => {
    expect(text('spam')).toBe('4:spam')
    expect(text('é')).toBe('2:é')
    expect(text(-42)).toBe('i-42e')
    expect(text(['a', 1, []])).toBe('l1:ai1elee')
    expect(text({ command: 'ping', 'call-id': 'x', ICE: 'remove' })).toBe('d3:ICE6:remove7:call-id1:x7:command4:pinge')
    expect(text({ nested: { flags: ['trust-address'] } })).toBe('d6:nestedd5:flagsl13:trust-addresseee')
  })

  it('refuses to encode a number that is not an integer', () => {
    expect(() => encodeBencode(1.5)).toThrow(/safe integers/)
  })

  it('decodes what it encodes', () => {
    const value = { result: 'ok', sdp: 'v=0\r\n', calls: ['a', 'b'], totals: { RTP: { packets: 0 } }, n: -7 }
    expect(decodeBencode(encodeBencode(value))).toEqual({ ok: true, value })
    expect(decodeBencode(Buffer.from('d6:result4:ponge'))).toEqual({ ok: true, value: { result: 'pong' } })
  })

  it('says where bad input goes wrong', () => {
    const bad: [string, RegExp][] = [
      ['', /input ends early at byte 0/],
      ['i12', /integer without its closing e/],
      ['i012e', /bad integer "012"/],
      ['i-0e', /bad integer "-0"/],
      ['5:abc', /runs past the end/],
      ['x', /unexpected byte 0x78 at byte 0/],
      ['di1e1:ae', /dictionary key is not a string/],
      ['l1:a', /list without its closing e/],
      ['d1:a', /input ends early|without its closing e/],
      ['4:spamX', /1 bytes after the value/],
      ['i99999999999999999999e', /too large/],
      ['l'.repeat(40) + 'e'.repeat(40), /nested deeper than 32/],
    ]
    for (const [input, why] of bad) {
      const result = decodeBencode(Buffer.from(input))
      expect(result.ok, input).toBe(false)
      if (!result.ok) expect(result.error, input).toMatch(why)
    }
  })

  it('does not let a key named __proto__ change the prototype', () => {
    const result = decodeBencode(Buffer.from('d9:__proto__d1:xi1eee'))
    expect(result.ok).toBe(true)
    if (result.ok) expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype)
  })
})
