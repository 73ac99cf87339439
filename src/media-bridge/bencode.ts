/**
 * Bencode, the encoding of rtpengine's ng control protocol: byte strings (`4:spam`), integers (`i42e`), lists
 * (`l...e`) and dictionaries with sorted keys (`d...e`). Pure; decoding returns a Result naming where the input
 * went wrong, since it comes from a socket.
 */
import { err, ok, type Result } from '../core/result.js'

export type BencodeValue = string | number | readonly BencodeValue[] | { readonly [key: string]: BencodeValue }

/** Encodes `value`; strings are UTF-8, numbers must be integers, dictionary keys are sorted by their bytes. */
export function encodeBencode(value: BencodeValue): Buffer {
  const parts: Buffer[] = []
  const put = (v: BencodeValue): void => {
    if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8')
      parts.push(Buffer.from(`${bytes.length}:`), bytes)
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`bencode integers must be safe integers, not ${v}`)
      parts.push(Buffer.from(`i${v}e`))
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'))
      for (const item of v as readonly BencodeValue[]) put(item)
      parts.push(Buffer.from('e'))
    } else {
      const dict = v as { readonly [key: string]: BencodeValue }
      parts.push(Buffer.from('d'))
      const keys = Object.keys(dict).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      for (const key of keys) {
        const item = dict[key]
        if (item === undefined) continue
        put(key)
        put(item)
      }
      parts.push(Buffer.from('e'))
    }
  }
  put(value)
  return Buffer.concat(parts)
}

/** The nesting a decoder accepts; rtpengine's replies are a few levels deep. */
const MAX_DEPTH = 32

/** Decodes one whole bencoded value (byte strings as UTF-8 text); trailing bytes are an error. */
export function decodeBencode(input: Buffer): Result<BencodeValue> {
  let at = 0
  const fail = (why: string): { ok: false; error: string } => err(`bencode: ${why} at byte ${at}`)
  const value = (depth: number): Result<BencodeValue> => {
    if (depth > MAX_DEPTH) return fail(`nested deeper than ${MAX_DEPTH}`)
    const c = input[at]
    if (c === undefined) return fail('input ends early')
    if (c === 0x69 /* i */) {
      const end = input.indexOf(0x65 /* e */, at)
      if (end < 0) return fail('integer without its closing e')
      const text = input.toString('latin1', at + 1, end)
      if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return fail(`bad integer "${text.slice(0, 20)}"`)
      const n = Number(text)
      if (!Number.isSafeInteger(n)) return fail(`integer ${text.slice(0, 20)} is too large`)
      at = end + 1
      return ok(n)
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = input.indexOf(0x3a /* : */, at)
      if (colon < 0) return fail('string length without its colon')
      const text = input.toString('latin1', at, colon)
      if (!/^(0|[1-9][0-9]*)$/.test(text)) return fail(`bad string length "${text.slice(0, 20)}"`)
      const length = Number(text)
      if (colon + 1 + length > input.length) return fail(`string of ${length} bytes runs past the end`)
      at = colon + 1 + length
      return ok(input.toString('utf8', colon + 1, at))
    }
    if (c === 0x6c /* l */) {
      at++
      const list: BencodeValue[] = []
      while (input[at] !== 0x65) {
        if (at >= input.length) return fail('list without its closing e')
        const item = value(depth + 1)
        if (!item.ok) return item
        list.push(item.value)
      }
      at++
      return ok(list)
    }
    if (c === 0x64 /* d */) {
      at++
      const dict: Record<string, BencodeValue> = {}
      while (input[at] !== 0x65) {
        if (at >= input.length) return fail('dictionary without its closing e')
        const key = value(depth + 1)
        if (!key.ok) return key
        if (typeof key.value !== 'string') return fail('dictionary key is not a string')
        const item = value(depth + 1)
        if (!item.ok) return item
        Object.defineProperty(dict, key.value, { value: item.value, enumerable: true, writable: true })
      }
      at++
      return ok(dict)
    }
    return fail(`unexpected byte 0x${c.toString(16)}`)
  }
  const result = value(0)
  if (result.ok && at !== input.length) return fail(`${input.length - at} bytes after the value`)
  return result
}
