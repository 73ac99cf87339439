/**
 * The flow token in this proxy's Record-Route URI (`;ime=BODY.MAC`), under an HMAC so no one can forge a route
 * through us to someone else's connection. It names the dialog's two connections and is bound to its dialog:
 *
 * - the Call-ID (hashed) and the caller's From tag: a token works only in requests of the dialog it was written for;
 * - the side that holds it: the callee gets its token in the request's Record-Route, the caller gets another one,
 *   written into the response's Record-Route as it passes (RFC 3261 section 16.7 step 4 lets a proxy rewrite its
 *   own Record-Route in responses);
 * - the rest of that side's route set after our entries (the other proxies of the dialog, as addresses, hashed):
 *   an in-dialog request may be forwarded only along the route set recorded for its dialog, never to a Route a
 *   party added (issue 15: that made the proxy an open relay for anyone who had completed one call);
 * - an expiry, 24 h after the dialog began. A dialog's route set is fixed when it is set up (RFC 3261 section
 *   12.2.1.2: target refreshes do not change it), so a token cannot be refreshed by in-dialog traffic; 24 h outlasts
 *   any real call, and a token that leaked is then worthless (and within the day it serves only its own dialog).
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { LRUCache } from 'lru-cache'
import { boundedCache } from '../../core/bounded-cache.js'
import { ownString } from '../../core/own-string.js'
import { callId as callIdOf, fromTag, routeUris, toTag, type SipRequest } from '../message/message.js'
import { addressOf } from './address.js'

/**
 * Tokens remembered with their claims once signed or verified: a dialog's tokens come back with each of its
 * requests and responses (180, 200, ACK, BYE and its 200), and a remembered one costs a lookup instead of an
 * HMAC. Calls being set up and torn down at a few thousand a second fit; older ones are verified again.
 */
const KNOWN_TOKENS = 8_192

/** How long a dialog's route tokens are honoured after the dialog began (ms). */
export const ROUTE_TOKEN_LIFETIME_MS = 24 * 3600_000

export interface DialogFlows {
  /** The caller's connection. */
  readonly a: string
  /** The callee's connection. */
  readonly b: string
  /** The caller's From tag. */
  readonly tag: string
}

/** A token's claims: the dialog's flows, and what its holder may do with it. */
export interface RouteClaims extends DialogFlows {
  /** Who holds the token: 'a' the caller (from a response), 'b' the callee (from the request). */
  readonly side: 'a' | 'b'
  /** The digest of the holder's route set after our entries (routeSetDigest). */
  readonly next: string
  /** The digest of the dialog's Call-ID. */
  readonly dialog: string
  /** When it stops being honoured (ms since the epoch). */
  readonly expiresAt: number
}

/**
 * The digest of a list of Route URIs, by where each sends a request (transport, host, port), so that a phone that
 * rewrites a URI's parameters does not break its dialog, while a Route to anywhere else is told apart.
 */
export function routeSetDigest(uris: readonly string[]): string {
  if (uris.length === 0) return EMPTY_ROUTE_SET
  let text = ''
  for (const u of uris) {
    const a = addressOf(u)
    text += (a === undefined ? `?${u.toLowerCase()}` : `${a.transport}:${a.host.toLowerCase()}:${a.port}`) + '\n'
  }
  return digest(text)
}

/** The first 9 bytes of SHA-256, in base64url (12 characters: 9 bytes make whole base64 groups). */
const digest = (text: string): string => hash('sha256', text, 'base64url').slice(0, 12)

/** Most dialogs have no other proxy on a side: the digest of the empty route set, made once. */
const EMPTY_ROUTE_SET = digest('')

const dialogDigest = (callId: string) => digest(callId)

/** A token written or verified here, and the Call-ID it was last found bound to (then its dialog's next needs no digest). */
interface KnownToken {
  readonly claims: RouteClaims
  callId?: string
}

export class RouteTokens {
  private readonly secret: Uint8Array
  /** Tokens this proxy wrote or found untampered (never one that failed), with their claims. */
  private readonly known: LRUCache<string, KnownToken> = boundedCache(KNOWN_TOKENS)
  /** The caller's token written for a callee's token and route set: a dialog's 180 and 200 carry the same. */
  private readonly callerTokens: LRUCache<string, string> = boundedCache(KNOWN_TOKENS)

  /**
   * `secret`: at least 32 bytes, kept across restarts so that calls outlive one; random by default. `now`: the
   * clock for expiry (ms).
   */
  constructor(
    secret: Uint8Array = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < 32) throw new Error('the Record-Route token key must have at least 32 bytes')
    this.secret = secret
  }

  /**
   * The callee's token, written into the forwarded request's Record-Route: `upstream` is the Record-Route the
   * request already carried (the callee's route set after ours).
   */
  issue(flows: DialogFlows, callId: string, upstream: readonly string[]): string {
    return this.sign({
      ...flows,
      side: 'b',
      next: routeSetDigest(upstream),
      dialog: dialogDigest(callId),
      expiresAt: this.now() + ROUTE_TOKEN_LIFETIME_MS,
    })
  }

  /**
   * The caller's token for the same dialog, written into a response's Record-Route: `downstream` is the caller's
   * route set after ours (the Record-Route entries above ours in the response, reversed).
   */
  forCaller(calleeToken: string, downstream: readonly string[]): string | undefined {
    const c = this.verify(calleeToken)?.claims
    if (c === undefined) return undefined
    const next = routeSetDigest(downstream)
    const key = calleeToken + ' ' + next
    const written = this.callerTokens.get(key)
    if (written !== undefined) return written
    const token = this.sign({ ...c, side: 'a', next })
    this.callerTokens.set(key, token)
    return token
  }

  /**
   * The claims of the request's top Route, if it carries an untampered, unexpired token of ours written for this
   * request's dialog (its Call-ID and the caller's tag, which is the From tag one way and the To tag the other).
   */
  read(req: SipRequest): RouteClaims | undefined {
    const token = topToken(req)
    const known = token === undefined ? undefined : this.verify(token)
    if (known === undefined || known.claims.expiresAt <= this.now()) return undefined
    const c = known.claims
    const callId = callIdOf(req) ?? ''
    if (known.callId !== callId) {
      if (c.dialog !== dialogDigest(callId)) return undefined
      // A copy: the Call-ID read from the request is a slice of its whole text, which the cache would keep alive.
      known.callId = ownString(callId)
    }
    if (c.tag !== fromTag(req) && c.tag !== toTag(req)) return undefined
    return c
  }

  private sign(c: RouteClaims): string {
    const fields = [c.a, c.b, c.tag, c.side, c.next, c.dialog, Math.floor(c.expiresAt / 1000).toString(36)]
    const body = Buffer.from(fields.join('|')).toString('base64url')
    const token = `${body}.${this.mac(body)}`
    this.known.set(token, { claims: { ...c, expiresAt: Math.floor(c.expiresAt / 1000) * 1000 } })
    return token
  }

  private verify(token: string): KnownToken | undefined {
    const known = this.known.get(token)
    if (known !== undefined) return known
    const claims = this.verifyText(token)
    if (claims === undefined) return undefined
    const fresh = { claims }
    this.known.set(token, fresh)
    return fresh
  }

  private verifyText(token: string): RouteClaims | undefined {
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token)
    if (m === null) return undefined
    const want = Buffer.from(this.mac(m[1]!))
    const got = Buffer.from(m[2]!)
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined
    const [a, b, tag, side, next, dialog, exp, ...rest] = Buffer.from(m[1]!, 'base64url').toString('utf8').split('|')
    // Tokens of the older shape (flows only, bound to no dialog) are not honoured.
    if (a === undefined || b === undefined || tag === undefined || next === undefined || dialog === undefined) return
    if ((side !== 'a' && side !== 'b') || exp === undefined || rest.length > 0) return undefined
    return { a, b, tag, side, next, dialog, expiresAt: parseInt(exp, 36) * 1000 }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 12).toString('base64url')
  }
}

/** The token in a Record-Route or Route URI, if it has one. */
export function tokenIn(uri: string): string | undefined {
  return /;ime=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(uri)?.[1]
}

function topToken(req: SipRequest): string | undefined {
  const r = routeUris(req, 'Route')
  if (!r.ok || r.value.length === 0) return undefined
  return tokenIn(r.value[0]!)
}
