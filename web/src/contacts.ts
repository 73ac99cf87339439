/**
 * Contacts: the enterprise's own users, from the node (GET /api/contacts), with presence (their phone is
 * registered now, or not); and numbers from the user's recent calls that the user names, kept in this browser
 * only. Search as you type (by name or by digits), call from a contact. No third-party service is asked.
 */
import type { ApiClient } from './api.js'
import { byId, h } from './dom.js'
import { displayNumber } from './number.js'

export interface Contact {
  readonly name: string
  readonly number: string
  /** colleague: a user of this enterprise (from the node); named: a number this user gave a name. */
  readonly kind: 'colleague' | 'named'
  /** A colleague's phone is registered now. */
  readonly registered?: boolean
}

/** Dispatched on the document when the user names a number or forgets a name (the history then shows it). */
export const NAMES_CHANGED = 'ime-names-changed'

const E164 = /^\+[1-9][0-9]{1,14}$/

/** The node's answer to GET /api/contacts, checked: well-formed entries only. */
export function parseDirectory(body: unknown): Contact[] {
  const list = (body as { contacts?: unknown } | undefined)?.contacts
  if (!Array.isArray(list)) return []
  return list.flatMap((raw: unknown) => {
    const c = raw as { name?: unknown; number?: unknown; registered?: unknown }
    if (typeof c.name !== 'string' || typeof c.number !== 'string' || c.name === '') return []
    return [{ name: c.name, number: c.number, kind: 'colleague' as const, registered: c.registered === true }]
  })
}

/** Names this user gave to numbers, as saved: a JSON object of E.164 number to name; anything else is dropped. */
export function parseNames(saved: string | null): Map<string, string> {
  const names = new Map<string, string>()
  if (saved === null) return names
  let parsed: unknown
  try {
    parsed = JSON.parse(saved)
  } catch {
    return names
  }
  if (typeof parsed !== 'object' || parsed === null) return names
  for (const [number, name] of Object.entries(parsed)) {
    if (E164.test(number) && typeof name === 'string' && name.trim() !== '') names.set(number, name.trim().slice(0, 60))
  }
  return names
}

/** Colleagues first (their own names win), then the named numbers; each number once, sorted by name. */
export function mergeContacts(colleagues: readonly Contact[], names: ReadonlyMap<string, string>): Contact[] {
  const seen = new Set(colleagues.map((c) => c.number))
  const named = [...names]
    .filter(([n]) => !seen.has(n))
    .map(([number, name]) => ({ name, number, kind: 'named' as const }))
  const byName = (a: Contact, b: Contact) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })
  return [...[...colleagues].sort(byName), ...named.sort(byName)]
}

/**
 * The contacts a query finds: every word of it in the name (any case, accents ignored), or its digits within the
 * number (however the query spaces them). An empty query finds all.
 */
export function searchContacts(contacts: readonly Contact[], query: string): Contact[] {
  const fold = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
  const words = fold(query).split(/\s+/).filter(Boolean)
  const digits = query.replace(/[^0-9]/g, '')
  const numeric = digits !== '' && /^[0-9+\s\-().]*$/.test(query)
  if (words.length === 0) return [...contacts]
  return contacts.filter((c) =>
    numeric ? c.number.replace(/[^0-9]/g, '').includes(digits) : words.every((w) => fold(c.name).includes(w)),
  )
}

const REFRESH_MS = 15_000

/** The phone is registered with its node (the status region, phone-view.ts, says so). */
const connected = (): boolean => document.getElementById('registration')?.dataset.kind === 'registered'

/** The contacts card (#contacts): the list, search, naming a recent number. */
export class ContactsPanel {
  private readonly el = {
    search: byId<HTMLInputElement>('contact-search'),
    list: byId<HTMLUListElement>('contact-list'),
    empty: byId('contacts-empty'),
    nameForm: byId<HTMLFormElement>('name-form'),
    nameNumber: byId<HTMLSelectElement>('name-number'),
    nameText: byId<HTMLInputElement>('name-text'),
  }
  private colleagues: Contact[] = []
  private names: Map<string, string>
  private readonly key: string
  private readonly life = new AbortController()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly api: Pick<ApiClient, 'contacts' | 'calls'>,
    user: { readonly name: string; readonly domain: string },
    /** Calls a number as if the user had typed it. */
    private readonly call: (number: string) => void,
  ) {
    this.key = `ime.names.${user.name}@${user.domain}`
    this.names = parseNames(localStorage.getItem(this.key))
    const live = { signal: this.life.signal }
    this.el.search.addEventListener('input', () => this.render(), live)
    // Looking for someone: presence as it is now.
    this.el.search.addEventListener('focus', () => void this.refresh(), live)
    this.el.search.addEventListener(
      'keydown',
      (e) => {
        // Enter calls the only (or first) contact found.
        if (e.key !== 'Enter') return
        e.preventDefault()
        const first = searchContacts(this.all(), this.el.search.value)[0]
        if (first) this.call(first.number)
      },
      live,
    )
    this.el.nameForm.addEventListener('submit', (e) => (e.preventDefault(), this.saveName()), live)
    // Presence again while the page is in front and the phone is connected to its node (a node that is down or
    // restarting is not asked: every refused request would be an error in the console, and nothing is learned).
    const again = () => !document.hidden && connected() && void this.refresh()
    document.addEventListener('visibilitychange', again, live)
    this.timer = setInterval(again, REFRESH_MS)
    this.render()
    void this.refresh()
  }

  /** A contact's name for a number. */
  nameOf(number: string): string | undefined {
    return this.colleagues.find((c) => c.number === number)?.name ?? this.names.get(number)
  }

  /** Presence from the node, and the recent numbers that have no name yet. */
  async refresh(): Promise<void> {
    const [directory, calls] = await Promise.allSettled([this.api.contacts(), this.api.calls()])
    if (this.life.signal.aborted) return
    if (directory.status === 'fulfilled') this.colleagues = parseDirectory(directory.value)
    this.el.empty.textContent =
      directory.status === 'rejected'
        ? `Could not load the directory: ${directory.reason instanceof Error ? directory.reason.message : String(directory.reason)}`
        : 'No contacts found.'
    if (calls.status === 'fulfilled') {
      const unnamed = [...new Set(calls.value.map((c) => (c.direction === 'in' ? c.from : c.to)))].filter(
        (n) => E164.test(n) && !this.nameOf(n),
      )
      const chosen = this.el.nameNumber.value
      this.el.nameNumber.replaceChildren(
        ...unnamed.slice(0, 20).map((n) => h('option', { value: n }, displayNumber(n))),
      )
      if (unnamed.includes(chosen)) this.el.nameNumber.value = chosen
      this.el.nameForm.hidden = unnamed.length === 0
    }
    this.render()
  }

  dispose(): void {
    this.life.abort()
    clearInterval(this.timer)
    this.el.list.replaceChildren()
  }

  private all(): Contact[] {
    return mergeContacts(this.colleagues, this.names)
  }

  private saveName(): void {
    const number = this.el.nameNumber.value
    const name = this.el.nameText.value.trim()
    if (!E164.test(number) || name === '') {
      this.el.nameText.setCustomValidity(name === '' ? 'Type a name for this number.' : 'Choose a number.')
      this.el.nameText.reportValidity()
      return
    }
    this.el.nameText.setCustomValidity('')
    this.names.set(number, name.slice(0, 60))
    this.persist()
    this.el.nameText.value = ''
    void this.refresh()
  }

  private forget(number: string): void {
    this.names.delete(number)
    this.persist()
    void this.refresh()
  }

  private persist(): void {
    localStorage.setItem(this.key, JSON.stringify(Object.fromEntries(this.names)))
    document.dispatchEvent(new Event(NAMES_CHANGED))
  }

  private render(): void {
    const found = searchContacts(this.all(), this.el.search.value)
    this.el.empty.hidden = found.length > 0
    this.el.list.replaceChildren(
      ...found.map((c) => {
        const presence =
          c.kind === 'named' ? 'Named by you' : c.registered ? 'Available' : 'Offline (phone not registered)'
        const call = h(
          'button',
          { type: 'button', class: 'contact', 'aria-label': `Call ${c.name}, ${displayNumber(c.number)}, ${presence}` },
          h('span', { class: 'presence', 'data-presence': c.kind === 'named' ? 'named' : String(c.registered) }),
          h('span', { class: 'contact-name' }, c.name),
          h('span', { class: 'contact-number' }, displayNumber(c.number)),
        )
        call.title = presence
        call.addEventListener('click', () => this.call(c.number))
        const item = h('li', {}, call)
        if (c.kind === 'named') {
          const forget = h('button', { type: 'button', class: 'quiet', 'aria-label': `Forget the name ${c.name}` }, '×')
          forget.addEventListener('click', () => this.forget(c.number))
          item.append(forget)
        }
        return item
      }),
    )
  }
}
