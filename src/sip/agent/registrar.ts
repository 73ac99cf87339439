/**
 * Registrations of an enterprise's users (RFC 3261 section 10): user -> contacts, each with its expiry and the
 * connection it was registered on. A browser cannot be connected to, so a call to it goes down the flow it
 * registered on (RFC 5626 and RFC 7118 section 5): such a binding is flow-bound, lives with its connection and
 * goes the moment that connection closes. A binding whose contact can be dialled (a desk phone's TCP contact)
 * outlives its connection until it expires. Pure apart from the clock.
 */
import { err, ok, type Result } from '../../core/result.js'
import { parseSipUri, sameSipUri, uriParam } from '../message/uri.js'

/**
 * Whether a contact can only be reached down the flow it registered on: `;ob` (RFC 5626: "use my flow"), or a host
 * under `.invalid` (RFC 7118 section 5: what WebSocket clients write, as they cannot be dialled), never looked up.
 */
export function isFlowOnlyContact(contact: string): boolean {
  const u = parseSipUri(contact)
  if (!u.ok) return false
  return uriParam(u.value, 'ob') !== undefined || /(^|\.)invalid\.?$/i.test(u.value.host)
}

export interface Binding {
  readonly contact: string
  readonly connectionId: string
  readonly expiresAt: number
  /** Call-ID and CSeq of the REGISTER that made it: a stale REGISTER must not undo a newer one. */
  readonly callId: string
  readonly cseq: number
  /** Reachable only down its connection (a WebSocket client, `;ob`, an `.invalid` host): gone when it closes. */
  readonly flowBound: boolean
}

export interface ContactUpdate {
  readonly contact: string
  /** Seconds; 0 removes. */
  readonly expires: number
}

/** Registration expiry bounds (s): below MIN is answered 423, above MAX is lowered. */
export const MIN_EXPIRES_S = 30
export const MAX_EXPIRES_S = 3600
export const DEFAULT_EXPIRES_S = 600
/** Contacts one user may hold: forking fans out to each. */
export const MAX_BINDINGS_PER_USER = 10

export class Registrations {
  private readonly byUser = new Map<string, Binding[]>()

  /** Applies a REGISTER's contacts ('*' with expires 0 removes all); returns the user's bindings after it. */
  update(
    user: string,
    contacts: readonly ContactUpdate[] | '*',
    from: {
      connectionId: string
      callId: string
      cseq: number
      /** The connection is a flow that cannot be dialled back (WebSocket): every binding on it is flow-bound. */
      flow?: boolean
    },
    nowMs: number,
  ): Result<Binding[], { status: number; reason: string }> {
    let list = this.current(user, nowMs)
    if (contacts === '*') {
      list = list.filter((b) => b.callId === from.callId && b.cseq > from.cseq)
    } else {
      for (const c of contacts) {
        if (c.expires > 0 && c.expires < MIN_EXPIRES_S) {
          return err({ status: 423, reason: `Interval Too Brief (at least ${MIN_EXPIRES_S} s)` })
        }
        const old = list.find((b) => sameSipUri(b.contact, c.contact))
        if (old !== undefined && old.callId === from.callId && old.cseq > from.cseq) continue
        list = list.filter((b) => !sameSipUri(b.contact, c.contact))
        if (c.expires === 0) continue
        const expires = Math.min(c.expires, MAX_EXPIRES_S)
        const { flow, ...origin } = from
        const flowBound = flow === true || isFlowOnlyContact(c.contact)
        list.push({ contact: c.contact, expiresAt: nowMs + expires * 1000, ...origin, flowBound })
      }
      if (list.length > MAX_BINDINGS_PER_USER) {
        return err({ status: 403, reason: `Too many registrations (at most ${MAX_BINDINGS_PER_USER})` })
      }
    }
    if (list.length === 0) this.byUser.delete(user)
    else this.byUser.set(user, list)
    return ok(list)
  }

  /** The user's unexpired bindings. */
  current(user: string, nowMs: number): Binding[] {
    const list = this.byUser.get(user)
    if (list === undefined) return []
    const live = list.filter((b) => b.expiresAt > nowMs)
    if (live.length !== list.length) {
      if (live.length === 0) this.byUser.delete(user)
      else this.byUser.set(user, live)
    }
    return live
  }

  /** A connection closed: its flow-bound bindings can no longer be reached and go at once. */
  dropConnection(connectionId: string): void {
    for (const [user, list] of this.byUser) {
      const kept = list.filter((b) => !(b.flowBound && b.connectionId === connectionId))
      if (kept.length === 0) this.byUser.delete(user)
      else if (kept.length !== list.length) this.byUser.set(user, kept)
    }
  }

  /**
   * The binding (and its user) whose contact is this URI, for in-dialog requests to a registered contact: the
   * URIs are compared as RFC 3261 says, since a phone's dialog Contact may add parameters (JsSIP adds `;ob`).
   */
  findContact(contact: string, nowMs: number): { user: string; binding: Binding } | undefined {
    for (const [user, list] of this.byUser) {
      const b = list.find((x) => x.expiresAt > nowMs && sameSipUri(x.contact, contact))
      if (b !== undefined) return { user, binding: b }
    }
    return undefined
  }

  get userCount(): number {
    return this.byUser.size
  }
}
