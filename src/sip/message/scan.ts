/**
 * Character classes of RFC 3261 section 25 and a cursor over a header value. Every scan is a single forward pass
 * over a lookup table: no regular expressions, so no backtracking for a hostile input to exploit.
 */
import { err, ok, type Result } from '../../core/result.js'

function table(chars: string, alnum = true): Uint8Array {
  const t = new Uint8Array(128)
  if (alnum) for (let c = 0; c < 128; c++) if (/[A-Za-z0-9]/.test(String.fromCharCode(c))) t[c] = 1
  for (const ch of chars) t[ch.charCodeAt(0)] = 1
  return t
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~")
/** unreserved plus user-unreserved: the characters a URI user part may hold unescaped. */
export const USER = table("-_.!~*'()&=+$,;?/")
/** unreserved plus the password extras. */
export const PASSWORD = table("-_.!~*'()&=+$,")
/** paramchar: unreserved plus param-unreserved, for URI parameter names and values. */
export const PARAM = table("-_.!~*'()[]/:&+$")
/** hnv-unreserved plus unreserved, for URI header names and values. */
export const URI_HEADER = table("-_.!~*'()[]/?:+$")
/** hostname characters (IPv6 references are handled apart). */
export const HOST = table('-.')
/** A header parameter value: token, or host (which adds ':' and the IPv6 brackets). */
export const PARAM_VALUE = table("-.!%*_+`'~:[]")

/**
 * Whether `text` holds `lower` at `at`, its letters in any case (`lower` is written in lower case; its other
 * characters must match exactly): a case-insensitive match without a lower-cased copy.
 */
export function matchesAt(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const want = lower.charCodeAt(i)
    const c = text.charCodeAt(at + i)
    if (want >= 97 && want <= 122 ? (c | 32) !== want : c !== want) return false
  }
  return true
}

export function inClass(t: Uint8Array, code: number): boolean {
  return code < 128 && t[code] === 1
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false
  for (let i = 0; i < s.length; i++) if (!inClass(TOKEN, s.charCodeAt(i))) return false
  return true
}

/** Printable for an error message: quoted, cut to 60 characters, control characters escaped (JSON, and DEL). */
export function shown(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s).replaceAll('\x7f', '\\u007f')
}

/** A forward-only cursor over one header value (already unfolded, so whitespace is SP or HTAB). */
export class Cursor {
  pos = 0
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1
  }

  /** Skips SP and HTAB; returns whether any was skipped (some grammar needs at least one). */
  skipWs(): boolean {
    const start = this.pos
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos)
      if (c !== 32 && c !== 9) break
      this.pos++
    }
    return this.pos > start
  }

  /** Consumes `ch` (after optional whitespace) if it is next; leaves the cursor after it. */
  eat(ch: string): boolean {
    const save = this.pos
    this.skipWs()
    if (this.text.charCodeAt(this.pos) === ch.charCodeAt(0)) {
      this.pos++
      return true
    }
    this.pos = save
    return false
  }

  /** The longest run of characters in class `t` (possibly empty). */
  run(t: Uint8Array): string {
    const start = this.pos
    while (this.pos < this.text.length && inClass(t, this.text.charCodeAt(this.pos))) this.pos++
    return this.text.slice(start, this.pos)
  }

  /** A quoted-string at the cursor, unescaped (RFC 3261: quoted-pair = "\" %x00-09 / %x0B-0C / %x0E-7F). */
  quoted(): Result<string> {
    if (this.peek() !== 34) return err('expected a quoted string')
    let out = ''
    let i = this.pos + 1
    let chunk = i
    while (i < this.text.length) {
      const c = this.text.charCodeAt(i)
      if (c === 34) {
        out += this.text.slice(chunk, i)
        this.pos = i + 1
        return ok(out)
      }
      if (c === 92) {
        if (i + 1 >= this.text.length) break
        out += this.text.slice(chunk, i) + this.text[i + 1]
        i += 2
        chunk = i
        continue
      }
      i++
    }
    return err(`unterminated quoted string in ${shown(this.text)}`)
  }

  rest(): string {
    return this.text.slice(this.pos)
  }
}

/** Quotes a string for a quoted-string, escaping `"` and `\`. */
export function quote(s: string): string {
  let out = '"'
  for (const ch of s) out += ch === '"' || ch === '\\' ? '\\' + ch : ch
  return out + '"'
}
