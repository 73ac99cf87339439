/**
 * Digest authentication of the internal face (RFC 3261 section 22): challenges, checks answers, locks out a
 * user at an address after repeated failures, and takes a WebSocket signed in by the node's session as its user.
 */
import { randomBytes } from 'node:crypto'
import { boundedCache } from '../../core/bounded-cache.js'
import {
  challengeValues,
  digestUriMatches,
  NONCE_LIFETIME_MS,
  nonceCount,
  NonceSource,
  nonceStatus,
  NonceUses,
  offeredAlgorithms,
  readCredentials,
  responseMatches,
} from '../auth/index.js'
import { authValues, parseSipUri, toAddress, type SipRequest } from '../message/index.js'
import type { SipConnection } from '../transport/index.js'
import type { AgentContext } from './context.js'
import { SOURCES_REMEMBERED } from './scanner-watch.js'

/** Failed digest answers per user and address before a lockout; the lockout's length (ms). */
const AUTH_FAILURES_BEFORE_LOCKOUT = 10
const AUTH_LOCKOUT_MS = 10 * 60_000
/** Nonces whose use is remembered (each for its 5 min lifetime): far more than a node's phones authenticate. */
const NONCE_USES_REMEMBERED = 100_000

export class DigestGate {
  private readonly nonces: NonceSource
  private readonly nonceUses: NonceUses
  private readonly realm: string
  // Bounded: past SOURCES_REMEMBERED the least recently failed user and address is forgotten, never every lockout.
  private readonly authFailures = boundedCache<string, { count: number; until: number }>(SOURCES_REMEMBERED)

  constructor(private readonly ctx: AgentContext) {
    this.realm = ctx.config.domain
    this.nonces = new NonceSource(randomBytes(32), this.realm)
    this.nonceUses = new NonceUses(NONCE_USES_REMEMBERED, NONCE_LIFETIME_MS, () => ctx.config.clock.now())
  }

  /** The authenticated user, or undefined after answering 401/407/403. Unknown users fail like wrong passwords. */
  authenticate(req: SipRequest, conn: SipConnection, header: 'Authorization' | 'Proxy-Authorization') {
    if (conn.principal !== undefined) {
      // Signed in by the upgrade's session: only as that user (a REGISTER's To must be theirs).
      const to = toAddress(req)
      const aor = to.ok ? parseSipUri(to.value.uri) : undefined
      const user = this.ctx.config.directory.user(conn.principal)
      if (user === undefined) return this.ctx.core.reply(req, conn, 403, 'Signed-in user is not a SIP user')
      if (
        req.method === 'REGISTER' &&
        aor?.ok === true &&
        aor.value.user !== user.name &&
        aor.value.user !== user.number
      ) {
        return this.ctx.core.reply(
          req,
          conn,
          403,
          `Signed in as ${user.name}: cannot register ${aor.value.user ?? 'that'}`,
        )
      }
      return user
    }
    const now = this.ctx.config.clock.now()
    const status = header === 'Authorization' ? 401 : 407
    const challengeHeader = header === 'Authorization' ? 'WWW-Authenticate' : 'Proxy-Authenticate'
    const face = conn.face === 'edge' ? this.ctx.config.edge : this.ctx.config.internal
    const algorithms = offeredAlgorithms(face.digest, conn.transport)
    const challenge = (stale = false) => {
      const to = toAddress(req)
      const target = to.ok ? parseSipUri(to.value.uri) : undefined
      this.ctx.scanners.noteChallenge(conn.remoteAddress, target?.ok === true ? (target.value.user ?? '') : '', now)
      return this.ctx.core.reply(
        req,
        conn,
        status,
        undefined,
        challengeValues(this.realm, this.nonces.issue(now), stale, algorithms).map(
          (v) => [challengeHeader, v] as [string, string],
        ),
      )
    }
    const values = authValues(req, header)
    const mine = values.ok ? values.value.find((v) => v.params.get('realm') === this.realm) : undefined
    if (mine === undefined) return challenge()
    const creds = readCredentials(mine)
    if (!creds.ok) return this.ctx.core.reply(req, conn, 400, `Bad credentials: ${creds.error}`)
    const c = creds.value
    // Only an algorithm this listener offers is taken (no downgrade to one the operator turned off).
    if (!algorithms.includes(c.algorithm)) return challenge()
    // An answer computed for another Request-URI (captured from another request) authenticates nothing here.
    if (!digestUriMatches(c.uri, req.uri)) {
      return this.ctx.core.reply(req, conn, 400, 'Digest uri does not match the Request-URI')
    }
    const lockKey = `${c.user}|${conn.remoteAddress}`
    const lock = this.authFailures.get(lockKey)
    if (lock !== undefined && lock.until > now) {
      return this.ctx.core.reply(req, conn, 403, 'Too many failed attempts; try later')
    }
    // The nonce's MAC is checked once: its issue time gives both its freshness and its use's place below.
    const issuedAt = this.nonces.issuedAt(c.nonce)
    const nonce = nonceStatus(issuedAt, now)
    if (nonce === 'invalid') return challenge()
    const ha1 = this.ctx.config.directory.ha1(c.user, this.realm, c.algorithm) ?? randomBytes(32).toString('hex')
    if (!responseMatches(c, ha1, req.method)) {
      this.ctx.counters.authFailures++
      this.ctx.scanners.noteRefusal(conn.remoteAddress, now)
      const f = lock !== undefined && lock.until <= now && lock.count >= AUTH_FAILURES_BEFORE_LOCKOUT ? undefined : lock
      const count = (f?.count ?? 0) + 1
      this.authFailures.set(lockKey, {
        count,
        until: count >= AUTH_FAILURES_BEFORE_LOCKOUT ? now + AUTH_LOCKOUT_MS : 0,
      })
      this.ctx.emit({ type: 'auth-failed', user: c.user, source: conn.remoteAddress })
      return challenge()
    }
    if (nonce === 'stale') return challenge(true)
    // Each answer once: a nonce count that does not grow (or a second use without qop) is a replay; the client is
    // challenged afresh, which a real phone answers at once and a replayer cannot.
    const use = this.nonceUses.use(c.nonce, issuedAt!, nonceCount(c.nc))
    if (use !== 'accepted') {
      if (use === 'replayed')
        this.ctx.emit({ type: 'auth-failed', user: c.user, source: conn.remoteAddress, replay: true })
      return challenge(true)
    }
    this.authFailures.delete(lockKey)
    return this.ctx.config.directory.user(c.user)
  }
}
