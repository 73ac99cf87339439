/**
 * The header fields of one message, in order, as the parser found them (folded lines joined, compact names
 * expanded). Names compare case-insensitively; values are kept as text and taken apart only when asked
 * (header-values.ts), with the result cached until the next change. Every value that goes in is checked for
 * CR, LF and other control characters, so no caller can inject a header line.
 */
import { err, ok, type Result } from '../../core/result.js'
import { MAX_VALUES_PER_HEADER } from './constants.js'
import { isToken, shown } from './scan.js'

/** Compact forms (RFC 3261 section 7.3.3 and the IANA registry) to full names. */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
}

/** Full names whose usual spelling is not plain Title-Case, plus the common ones, so output looks familiar. */
const KNOWN = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Language',
  'Content-Length',
  'CSeq',
  'Date',
  'Error-Info',
  'Expires',
  'In-Reply-To',
  'Max-Forwards',
  'MIME-Version',
  'Min-Expires',
  'Organization',
  'P-Asserted-Identity',
  'Path',
  'Priority',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Record-Route',
  'Reply-To',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'Server',
  'Timestamp',
  'Unsupported',
  'User-Agent',
  'Warning',
  'WWW-Authenticate',
  'X-IME-Ticket',
  ...Object.values(COMPACT),
]

const CANONICAL = new Map<string, string>()
for (const name of KNOWN) CANONICAL.set(name.toLowerCase(), name)
for (const [short, full] of Object.entries(COMPACT)) CANONICAL.set(short, full)

interface NameForms {
  /** The spelling written out: the full name for a compact or known one, else as given. */
  readonly canonical: string
  /** The lower-cased full name: the key names compare by. */
  readonly key: string
}

/**
 * Forms of names as they were spelled, for the names seen most (every message repeats a few dozen spellings, and
 * code asks by constant names): a lookup instead of lower-casing. Bounded, so odd names cannot grow it.
 */
const FORMS = new Map<string, NameForms>()
const MAX_REMEMBERED_NAMES = 1024

function formsOf(name: string): NameForms {
  const known = FORMS.get(name)
  if (known !== undefined) return known
  const canonical = CANONICAL.get(name.toLowerCase()) ?? name
  const forms = { canonical, key: canonical.toLowerCase() }
  if (FORMS.size < MAX_REMEMBERED_NAMES) FORMS.set(name, forms)
  return forms
}

/** The spelling a header is written with: the full name for a compact or known one, else as given. */
export function canonicalName(name: string): string {
  return formsOf(name).canonical
}

/** Lower-cased full name: the key names compare by. */
function keyOf(name: string): string {
  return formsOf(name).key
}

/**
 * Why a header value may not be written as is, or undefined if it may: no CR or LF anywhere (no header
 * injection), and no other control character except HTAB or one escaped by a backslash (a quoted-pair).
 */
export function headerValueProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (((c < 32 && c !== 9) || c === 127) && !(c !== 13 && c !== 10 && value.charCodeAt(i - 1) === 92)) {
      const what = c === 13 ? 'CR' : c === 10 ? 'LF' : `control character 0x${c.toString(16).padStart(2, '0')}`
      return `contains ${what}`
    }
  }
  if (value !== value.trim()) return 'has leading or trailing whitespace'
  return undefined
}

/**
 * Splits a header value at commas that are outside quoted strings and outside <...>, trimming each element:
 * `"Doe, John" <sip:a@b;x=1,2>, <sip:c@d>` gives two elements.
 */
export function splitList(value: string, what = 'header'): Result<string[]> {
  if (value.indexOf('"') >= 0) return splitListByChar(value, what)
  // Most values are one element without quotes (a Via per line, one Route): found natively.
  if (value.indexOf(',') < 0) {
    if (value.lastIndexOf('<') > value.lastIndexOf('>')) return err(`${what} has "<" without ">": ${shown(value)}`)
    const only = value.trim()
    return only === '' ? err(`${what} has an empty element: ${shown(value)}`) : ok([only])
  }
  // Without quotes, only <...> hides commas: native searches jump from one to the next.
  const out: string[] = []
  let start = 0
  for (let i = 0; ;) {
    const comma = value.indexOf(',', i)
    const open = value.indexOf('<', i)
    if (open >= 0 && (comma < 0 || open < comma)) {
      const close = value.indexOf('>', open + 1)
      if (close < 0) return err(`${what} has "<" without ">": ${shown(value)}`)
      i = close + 1
      continue
    }
    if (comma < 0) break
    out.push(value.slice(start, comma).trim())
    start = i = comma + 1
    if (out.length >= MAX_VALUES_PER_HEADER) return err(`${what} has more than ${MAX_VALUES_PER_HEADER} values`)
  }
  out.push(value.slice(start).trim())
  for (const element of out) if (element === '') return err(`${what} has an empty element: ${shown(value)}`)
  return ok(out)
}

/** splitList's rule, one character at a time: the general case (quoted strings, escapes in them). */
export function splitListByChar(value: string, what = 'header'): Result<string[]> {
  const out: string[] = []
  let start = 0
  let inQuote = false
  let inAngle = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (inQuote) {
      if (c === 92) i++
      else if (c === 34) inQuote = false
    } else if (c === 34) inQuote = true
    else if (c === 60) inAngle = true
    else if (c === 62) inAngle = false
    else if (c === 44 && !inAngle) {
      out.push(value.slice(start, i).trim())
      start = i + 1
      if (out.length >= MAX_VALUES_PER_HEADER) return err(`${what} has more than ${MAX_VALUES_PER_HEADER} values`)
    }
  }
  if (inQuote) return err(`${what} has an unterminated quoted string: ${shown(value)}`)
  if (inAngle) return err(`${what} has "<" without ">": ${shown(value)}`)
  out.push(value.slice(start).trim())
  for (const element of out) if (element === '') return err(`${what} has an empty element: ${shown(value)}`)
  return ok(out)
}

/**
 * What SipHeaders.cached keeps per header: its list of comma-separated values, a typed list with one element per
 * value (Vias, Routes: a Result of an array), the URIs of an address list (a Result of an array of strings), or
 * another typed view.
 */
export type HeaderView = 'values' | 'list' | 'uris' | 'view'
/** The views with one element per value, which lose their first when the first value is removed. */
const LISTS = ['values', 'list', 'uris'] as const

/** A header's views by slot (undefined: not computed yet). */
type ParsedViews = readonly unknown[]
const SLOT: Record<HeaderView, number> = { values: 0, list: 1, uris: 2, view: 3 }

function splitValues(headers: SipHeaders, name: string): Result<string[]> {
  const out: string[] = []
  for (const line of headers.getAll(name)) {
    const parts = splitList(line, canonicalName(name))
    if (!parts.ok) return parts
    out.push(...parts.value)
    if (out.length > MAX_VALUES_PER_HEADER)
      return err(`${canonicalName(name)} has more than ${MAX_VALUES_PER_HEADER} values`)
  }
  return ok(out)
}

export interface HeaderField {
  readonly name: string
  readonly value: string
}

export class SipHeaders {
  private readonly names: string[] = []
  private readonly keys: string[] = []
  private readonly vals: string[] = []
  /**
   * Parsed structures by header key, each key's views in one record (the map is made when first needed): a change
   * to one header drops only that header's record. Records are never changed in place, only replaced, so a copy
   * shares them until either copy changes that header.
   */
  private parsed: Map<string, ParsedViews> | undefined

  /** Builds headers from trusted pairs (the parser's, already checked); use add() for anything else. */
  static fromFields(fields: Iterable<HeaderField>): Result<SipHeaders> {
    const h = new SipHeaders()
    for (const f of fields) {
      const r = h.add(f.name, f.value)
      if (!r.ok) return r
    }
    return ok(h)
  }

  /** @internal For the parser: appends a field whose name and value it has already checked. */
  appendChecked(name: string, value: string): void {
    const forms = formsOf(name)
    this.names.push(forms.canonical)
    this.keys.push(forms.key)
    this.vals.push(value)
  }

  get size(): number {
    return this.names.length
  }

  has(name: string): boolean {
    return this.keys.includes(keyOf(name))
  }

  /** The first field's value, as written (folding undone). */
  get(name: string): string | undefined {
    const i = this.keys.indexOf(keyOf(name))
    return i < 0 ? undefined : this.vals[i]
  }

  /** How many fields (header lines) have this name. */
  count(name: string): number {
    const key = keyOf(name)
    let n = 0
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) n++
    return n
  }

  /** Every field's value with this name, in order (one per header line). */
  getAll(name: string): string[] {
    const key = keyOf(name)
    const out: string[] = []
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.vals[i] ?? '')
    return out
  }

  /** Every element of a comma-list header across all its lines, in order (Via, Route, Contact, Allow...). */
  values(name: string): Result<string[]> {
    return this.cached(name, 'values', splitValues)
  }

  /** Fields in order, with names spelled canonically. */
  *fields(): IterableIterator<HeaderField> {
    for (let i = 0; i < this.names.length; i++) yield { name: this.names[i] ?? '', value: this.vals[i] ?? '' }
  }

  /** The header lines as written on the wire ("Name: value" CRLF each), leaving out the header named `except`. */
  lines(except: string): string {
    const key = keyOf(except)
    let out = ''
    for (let i = 0; i < this.names.length; i++) {
      if (this.keys[i] !== key) out += this.names[i]! + ': ' + this.vals[i]! + '\r\n'
    }
    return out
  }

  /** Appends a field at the bottom. */
  add(name: string, value: string): Result<void> {
    const bad = this.check(name, value)
    if (bad !== undefined) return err(bad)
    this.appendChecked(name, value)
    this.changed(keyOf(name))
    return ok(undefined)
  }

  /** Inserts a field above every other field of this name (a new top Via, Record-Route or Route). */
  prepend(name: string, value: string): Result<void> {
    const bad = this.check(name, value)
    if (bad !== undefined) return err(bad)
    const key = keyOf(name)
    let at = this.keys.indexOf(key)
    if (at < 0) at = this.names.length
    this.names.splice(at, 0, canonicalName(name))
    this.keys.splice(at, 0, key)
    this.vals.splice(at, 0, value)
    this.changed(key)
    return ok(undefined)
  }

  /** Replaces every field of this name with one, where the first was (or at the bottom). */
  set(name: string, value: string): Result<void> {
    const bad = this.check(name, value)
    if (bad !== undefined) return err(bad)
    const key = keyOf(name)
    const at = this.keys.indexOf(key)
    if (at < 0) return this.add(name, value)
    this.vals[at] = value
    this.names[at] = canonicalName(name)
    for (let i = this.keys.length - 1; i > at; i--) if (this.keys[i] === key) this.removeAt(i)
    this.changed(key)
    return ok(undefined)
  }

  /**
   * Replaces `find` with `replacement` inside every value of this header, in place (a proxy rewriting its own
   * Record-Route token in a response, RFC 3261 16.7 step 4); returns how many values changed. Each new value is
   * checked as add() checks one; if any fails, nothing changes.
   */
  replaceInValues(name: string, find: string, replacement: string): Result<number> {
    if (find === '') return err('replaceInValues: nothing to find')
    const key = keyOf(name)
    const changes: [number, string][] = []
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key || !this.vals[i]!.includes(find)) continue
      const value = this.vals[i]!.replaceAll(find, replacement)
      const problem = headerValueProblem(value)
      if (problem !== undefined) return err(`${canonicalName(name)} value ${shown(value)} ${problem}`)
      changes.push([i, value])
    }
    for (const [i, value] of changes) this.vals[i] = value
    if (changes.length > 0) this.changed(key)
    return ok(changes.length)
  }

  /** Removes every field of this name; returns how many were removed. */
  remove(name: string): number {
    const key = keyOf(name)
    let n = 0
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.removeAt(i)
        n++
      }
    }
    if (n > 0) this.changed(key)
    return n
  }

  /**
   * Removes the first element of a comma-list header (the top Via on a response, the top Route a proxy
   * consumed), even when it shares a line with others; returns it, or undefined if there is none.
   */
  removeFirstValue(name: string): Result<string | undefined> {
    const key = keyOf(name)
    const at = this.keys.indexOf(key)
    if (at < 0) return ok(undefined)
    const line = this.vals[at] ?? ''
    // The header's values already split (a Route or Via the proxy has read): the first line starts with the first
    // value, and a comma follows it if the line holds more; what is after that comma stays as written.
    const known = this.parsed?.get(key)?.values as Result<string[]> | undefined
    const first = known?.ok ? known.value[0] : undefined
    if (first !== undefined && line.startsWith(first)) {
      let i = first.length
      while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++
      if (i === line.length) {
        this.removeAt(at)
        this.shifted(key)
        return ok(first)
      }
      if (line.charCodeAt(i) === 44) {
        this.vals[at] = line.slice(i + 1).trim()
        this.shifted(key)
        return ok(first)
      }
    }
    const parts = splitList(line, canonicalName(name))
    if (!parts.ok) return parts
    const [removed, ...others] = parts.value
    if (others.length === 0) this.removeAt(at)
    else this.vals[at] = others.join(', ')
    this.shifted(key)
    return ok(removed)
  }

  /** A copy; parsed structures are shared with it (they are read-only), until either copy changes that header. */
  clone(): SipHeaders {
    const h = new SipHeaders()
    h.names.push(...this.names)
    h.keys.push(...this.keys)
    h.vals.push(...this.vals)
    if (this.parsed !== undefined && this.parsed.size > 0) h.parsed = new Map(this.parsed)
    return h
  }

  /**
   * A structure parsed from the header `name` (its `view`: the list of values, or the typed value), computed on
   * first use by `compute(this, name)` and kept until that header changes. `compute` must read no other header.
   */
  cached<T>(name: string, view: HeaderView, compute: (headers: SipHeaders, name: string) => T): T {
    const key = keyOf(name)
    const parsed = (this.parsed ??= new Map())
    const views = parsed.get(key)
    const slot = SLOT[view]
    const known = views?.[slot]
    if (known !== undefined) return known as T
    const value = compute(this, name)
    const next = views === undefined ? [undefined, undefined, undefined, undefined] : views.slice()
    next[slot] = value
    parsed.set(key, next)
    return value
  }

  private removeAt(i: number): void {
    this.names.splice(i, 1)
    this.keys.splice(i, 1)
    this.vals.splice(i, 1)
  }

  private changed(key: string): void {
    this.parsed?.delete(key)
  }

  /**
   * The first value of a header is gone: its lists (plain and typed) lose their first element, so a proxy that
   * pops the top Route or Via does not parse the rest again. A list that did not parse is dropped (the value that
   * was wrong may be the one removed).
   */
  private shifted(key: string): void {
    const views = this.parsed?.get(key)
    if (views === undefined) return
    const kept: unknown[] = [undefined, undefined, undefined, undefined]
    for (const view of LISTS) {
      const known = views[SLOT[view]] as Result<readonly unknown[]> | undefined
      if (known?.ok) kept[SLOT[view]] = ok(known.value.slice(1))
    }
    this.parsed!.set(key, kept)
  }

  private check(name: string, value: string): string | undefined {
    if (!isToken(name)) return `header name ${shown(name)} is not a token`
    const problem = headerValueProblem(value)
    return problem === undefined ? undefined : `${canonicalName(name)} value ${shown(value)} ${problem}`
  }
}
