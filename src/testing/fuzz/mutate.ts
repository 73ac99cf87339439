/**
 * Mutation operators for fuzzing: byte flips, insertions, deletions, duplicated lines, CRLF injection, huge
 * lengths and floods. A mutation is plain data (so fast-check can shrink and print it); `mutate` applies a list
 * of them to a seed, deterministically.
 */
import fc from 'fast-check'

export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly byte: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate-line'; readonly at: number }
  | { readonly op: 'delete-line'; readonly at: number }
  | { readonly op: 'swap-lines'; readonly at: number; readonly other: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'flood'; readonly at: number; readonly unit: string; readonly count: number }
  | { readonly op: 'huge-number'; readonly at: number; readonly digits: string }

/** Bytes that matter to text protocols: separators, quotes, escapes, CR and LF, NUL, high bytes. */
const SPECIAL = [0, 9, 10, 13, 32, 34, 37, 44, 58, 59, 60, 61, 62, 63, 64, 91, 92, 93, 0x7f, 0x80, 0xc3, 0xff]
const INJECT = ['\r\n', '\n', '\r', '\r\n\r\n', '\r\n ', ': ', ';', ',', '"', '\\', '<', '>', '%', '%0', '[', ']']
const FLOOD_UNITS = [';a', ',', 'a', ' ', '\t', '"', '\\"', '%41', ';a=b', ',<sip:a@b>', '\r\n ', '0', '\x00', 'é']
const HUGE = ['4294967296', '99999999999999999999', '-1', '1e9', '0x10', '1.5', '65536', '18446744073709551616']

const enc = new TextEncoder()
const at = fc.nat()

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      at,
      byte: fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at,
      bytes: fc.oneof(
        fc.constantFrom(...INJECT).map((s) => [...enc.encode(s)]),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 64 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate-line' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete-line' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-lines' as const), at, other: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('flood' as const),
      at,
      unit: fc.constantFrom(...FLOOD_UNITS),
      count: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.constantFrom(1_000, 5_000, 10_000)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('huge-number' as const), at, digits: fc.constantFrom(...HUGE) }),
  },
)

export const mutations = (maxLength = 4): fc.Arbitrary<Mutation[]> => fc.array(mutation, { minLength: 1, maxLength })

/** Line starts (after each LF, and 0). */
function lineStarts(b: Uint8Array): number[] {
  const out = [0]
  for (let i = 0; i < b.length; i++) if (b[i] === 10 && i + 1 < b.length) out.push(i + 1)
  return out
}

function lineAt(b: Uint8Array, n: number): [number, number] {
  const starts = lineStarts(b)
  const start = starts[n % starts.length] ?? 0
  let end = start
  while (end < b.length && b[end] !== 10) end++
  return [start, Math.min(end + 1, b.length)]
}

function splice(b: Uint8Array, start: number, deleteCount: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - deleteCount + insert.length)
  out.set(b.subarray(0, start))
  out.set(insert, start)
  out.set(b.subarray(start + deleteCount), start + insert.length)
  return out
}

function applyOne(b: Uint8Array, m: Mutation): Uint8Array {
  const pos = b.length === 0 ? 0 : m.at % (b.length + 1)
  const inside = b.length === 0 ? 0 : m.at % b.length
  switch (m.op) {
    case 'flip': {
      if (b.length === 0) return b
      const out = b.slice()
      out[inside] = (out[inside] ?? 0) ^ (1 << m.bit)
      return out
    }
    case 'set': {
      if (b.length === 0) return new Uint8Array([m.byte])
      const out = b.slice()
      out[inside] = m.byte
      return out
    }
    case 'insert':
      return splice(b, pos, 0, new Uint8Array(m.bytes))
    case 'delete':
      return splice(b, inside, Math.min(m.length, b.length - inside), new Uint8Array(0))
    case 'duplicate':
      return splice(b, inside, 0, b.slice(inside, inside + m.length))
    case 'duplicate-line': {
      const [s, e] = lineAt(b, m.at)
      return splice(b, e, 0, b.slice(s, e))
    }
    case 'delete-line': {
      const [s, e] = lineAt(b, m.at)
      return splice(b, s, e - s, new Uint8Array(0))
    }
    case 'swap-lines': {
      const [s1, e1] = lineAt(b, m.at)
      const [s2, e2] = lineAt(b, m.other)
      if (s1 === s2) return b
      const [a, c] =
        s1 < s2
          ? [
              [s1, e1],
              [s2, e2],
            ]
          : [
              [s2, e2],
              [s1, e1],
            ]
      const [as, ae] = a as [number, number]
      const [cs, ce] = c as [number, number]
      if (ae > cs) return b
      const parts = [b.subarray(0, as), b.subarray(cs, ce), b.subarray(ae, cs), b.subarray(as, ae), b.subarray(ce)]
      const out = new Uint8Array(b.length)
      let o = 0
      for (const p of parts) {
        out.set(p, o)
        o += p.length
      }
      return out
    }
    case 'truncate':
      return b.slice(0, pos)
    case 'flood':
      return splice(b, pos, 0, enc.encode(m.unit.repeat(m.count)))
    case 'huge-number': {
      // Replace the run of digits at or after the position (a length, a port, a CSeq...) with a huge number.
      let s = pos
      while (s < b.length && !((b[s] ?? 0) >= 48 && (b[s] ?? 0) <= 57)) s++
      if (s >= b.length) return splice(b, pos, 0, enc.encode(m.digits))
      let e = s
      while (e < b.length && (b[e] ?? 0) >= 48 && (b[e] ?? 0) <= 57) e++
      return splice(b, s, e - s, enc.encode(m.digits))
    }
  }
}

export function mutate(seed: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = seed
  for (const m of ms) b = applyOne(b, m)
  return b
}

const latin1 = new TextDecoder('latin1')

/** The same operators on text (through its UTF-8 bytes; invalid UTF-8 comes out as U+FFFD). */
export function mutateText(seed: string, ms: readonly Mutation[]): string {
  return new TextDecoder().decode(mutate(enc.encode(seed), ms))
}

/** Bytes shown for a report: text where printable, escapes elsewhere, cut to `max` characters. */
export function showBytes(b: Uint8Array, max = 400): string {
  const s = JSON.stringify(latin1.decode(b.subarray(0, max)))
  return b.length > max ? `${s}... (${b.length} bytes)` : s
}
