import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  calculateGenerator,
  CpaceParty,
  generatorString,
  parseMessage,
  prefixFreeCat,
  prependLen,
  sampleScalar,
} from './cpace.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
const utf8 = (s: string) => new TextEncoder().encode(s)
const rand = (n: number) => new Uint8Array(randomBytes(n))
const le = (h: string) => {
  const b = bytes(h)
  let v = 0n
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
  return v
}

// draft-irtf-cfrg-cpace, appendix "Test vector for CPace using group ristretto255 and hash SHA-512" (the
// drafts whose generator is RFC 9496's element derivation; an older draft printed a different g).
const vector = {
  prs: utf8('Password'),
  ci: utf8('\nAinitiator\nBresponder'),
  sid: bytes('7e4b4791d6a8ef019b936c79fb7f2c57'),
  g: '5e25411ca1ad7c9debfd0b33ad987a95cefef2d3f15dcc8bd26415a5dfe2e15a',
  ya: 'da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08',
  msgA: '20383a85dd236978f17f8c8545b50dabc52a39fcdab2cf8bc531ce040ff77ca82d03414461',
  yb: 'd2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d',
  msgB: '20a6206309c0e8e5f579295e35997ac4300ab3fecec3c17f7b604f3e698fa1383c03414462',
  iskIR:
    'e91ccb2c0f5e0d0993a33956e3be59754f3f2b07db57631f5394452ea2e7b435' +
    '4674eb1f5686c078462bf83bec72e8743df440108e638f3526d9b90e85be096f',
}

describe('CPace (ristretto255, SHA-512)', () => {
  it('reproduces the draft test vectors: generator string, generator, messages and ISK', () => {
    const inputs = { prs: vector.prs, ci: vector.ci, sid: vector.sid }
    const genStr = generatorString(inputs.prs, inputs.ci, inputs.sid)
    expect(genStr.length).toBe(168)
    expect(hex(genStr.subarray(0, 28))).toBe('11435061636552697374726574746f3235350850617373776f726464')
    expect(hex(calculateGenerator(inputs).toBytes())).toBe(vector.g)
    const a = new CpaceParty(inputs, utf8('ADa'), rand, le(vector.ya))
    const b = new CpaceParty(inputs, utf8('ADb'), rand, le(vector.yb))
    expect(hex(a.message)).toBe(vector.msgA)
    expect(hex(b.message)).toBe(vector.msgB)
    const iskA = a.finish(b.message, 'initiator')
    const iskB = b.finish(a.message, 'responder')
    expect(iskA.ok && hex(iskA.value)).toBe(vector.iskIR)
    expect(iskB.ok && hex(iskB.value)).toBe(vector.iskIR)
  })

  it('agrees only when both sides hold the same secret, channel and session', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (prs, ci) => {
        const sid = rand(16)
        const a = new CpaceParty({ prs, ci, sid }, utf8('A'), rand)
        const b = new CpaceParty({ prs, ci, sid }, utf8('B'), rand)
        const wrong = new CpaceParty({ prs: prependLen(prs), ci, sid }, utf8('B'), rand)
        const relayed = new CpaceParty({ prs, ci: prefixFreeCat(ci, utf8('M')), sid }, utf8('B'), rand)
        const ka = a.finish(b.message, 'initiator')
        const kb = b.finish(a.message, 'responder')
        expect(ka.ok && kb.ok && hex(ka.value) === hex(kb.value)).toBe(true)
        for (const other of [wrong, relayed]) {
          const k1 = a.finish(other.message, 'initiator')
          const k2 = other.finish(a.message, 'responder')
          expect(k1.ok && k2.ok && hex(k1.value) !== hex(k2.value)).toBe(true)
        }
      }),
      { numRuns: 30 },
    )
  })

  it('aborts on the identity, on shares that do not decode, and on malformed messages', () => {
    const inputs = { prs: vector.prs, ci: vector.ci, sid: vector.sid }
    const a = new CpaceParty(inputs, utf8('ADa'), rand)
    const identity = prefixFreeCat(new Uint8Array(32), utf8('ADb'))
    const invalid = prefixFreeCat(
      bytes('011ca069484e890c9e494d8ed6bb0f66cbd9a8f0ef67168f36c51e0efeb8f347'),
      utf8('ADb'),
    )
    expect(a.finish(identity, 'initiator')).toEqual({ ok: false, error: 'CPace: the shared element is the identity' })
    expect(a.finish(invalid, 'initiator')).toEqual({
      ok: false,
      error: 'CPace: the peer share is not a ristretto255 element',
    })
    const good = bytes(vector.msgB)
    expect(parseMessage(good.subarray(0, 36)).ok).toBe(false)
    expect(parseMessage(new Uint8Array([...good, 0])).ok).toBe(false)
    expect(parseMessage(new Uint8Array([0x21, ...good.subarray(1)])).ok).toBe(false)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (junk) => {
        const r = a.finish(junk, 'initiator')
        if (!r.ok) expect(r.error).toMatch(/^CPace/)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses non-canonical and invalid encodings of a share (RFC 9496 section A.2)', () => {
    const a = new CpaceParty({ prs: vector.prs, ci: vector.ci, sid: vector.sid }, utf8('ADa'), rand)
    const refused = [
      // Non-canonical field encodings (values at or above p).
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      // Negative field elements.
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20',
      // Non-square x^2, negative xy, s = -1 (t = 0).
      '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
      '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      // Not from the RFC: the base point's encoding with its unused top bit set.
      'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2df6',
    ]
    for (const share of refused) {
      expect(a.finish(prefixFreeCat(bytes(share), utf8('ADb')), 'initiator')).toEqual({
        ok: false,
        error: 'CPace: the peer share is not a ristretto255 element',
      })
    }
  })

  it('samples scalars in [1, order) and resamples zero', () => {
    const order = 2n ** 252n + 27742317777372353535851937790883648493n
    expect(sampleScalar(() => new Uint8Array(64).fill(0xff))).toBe((2n ** 512n - 1n) % order)
    let calls = 0
    const zeroThenOne = (n: number) => {
      const b = new Uint8Array(n)
      if (calls++ > 0) b[0] = 1
      return b
    }
    expect(sampleScalar(zeroThenOne)).toBe(1n)
    expect(calls).toBe(2)
    for (let i = 0; i < 100; i++) {
      const y = sampleScalar(rand)
      expect(y > 0n && y < order).toBe(true)
    }
  })
})
