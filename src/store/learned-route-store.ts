/** Learned routes and blocked domains in SQLite. */
import type { E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { checkLearnedRoute, type LearnedRoute, type LearnedRouteStore } from '../validation/learned-route.js'
import { transaction, type Database } from './database.js'

interface Row {
  number: string
  sip_uri: string
  domain: string
  ticket: string
  claimer: string
  validated_at: number
  expires_at: number
  proven_calls: number
  last_call_id: string | null
  trusted: number
  call_key: Uint8Array | null
}

const fromRow = (r: Row): LearnedRoute => ({
  number: r.number as E164,
  sipUri: r.sip_uri,
  domain: r.domain,
  ticket: r.ticket,
  claimer: r.claimer,
  validatedAt: r.validated_at,
  expiresAt: r.expires_at,
  provenCalls: r.proven_calls,
  lastCallId: r.last_call_id,
  trusted: r.trusted === 1,
  ...(r.call_key !== null && { callKey: new Uint8Array(r.call_key) }),
})

const COLUMNS =
  'number, sip_uri, domain, ticket, claimer, validated_at, expires_at, proven_calls, last_call_id, trusted, call_key'
/** How long a claimer once trusted for a number is remembered: the call records' retention order, 90 days. */
export const TRUST_MEMORY_MS = 90 * 24 * 3600_000

export class SqliteLearnedRouteStore implements LearnedRouteStore {
  constructor(private readonly db: Database) {}

  put(route: LearnedRoute): Result<LearnedRoute> {
    const checked = checkLearnedRoute(route)
    if (!checked.ok) return checked
    if (this.isBlocked(route.domain)) return err(`domain ${route.domain} is blocked by the operator`)
    const r = checked.value
    this.db
      .prepare(
        `INSERT INTO learned_routes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (number, domain) DO UPDATE SET sip_uri = excluded.sip_uri, ticket = excluded.ticket,
           claimer = excluded.claimer, validated_at = excluded.validated_at, expires_at = excluded.expires_at,
           proven_calls = excluded.proven_calls, last_call_id = excluded.last_call_id, trusted = excluded.trusted,
           call_key = excluded.call_key, failed_calls = 0`,
      )
      .run(
        r.number,
        r.sipUri,
        r.domain,
        r.ticket,
        r.claimer,
        r.validatedAt,
        r.expiresAt,
        r.provenCalls ?? 1,
        r.lastCallId ?? null,
        r.trusted === false ? 0 : 1,
        r.callKey ?? null,
      )
    if (r.trusted !== false) {
      this.db
        .prepare(
          `INSERT INTO trusted_claimers (number, claimer, since) VALUES (?, ?, ?)
           ON CONFLICT (number, claimer) DO UPDATE SET since = excluded.since`,
        )
        .run(r.number, r.claimer, r.validatedAt)
    }
    return ok(r)
  }

  routesTo(number: E164, now: number): LearnedRoute[] {
    // In a conflict (two trusted claimers), the one with more proved calls first: the established route.
    return this.allRoutesTo(number, now)
      .filter((r) => r.trusted === true)
      .sort((a, b) => (b.provenCalls ?? 1) - (a.provenCalls ?? 1) || b.validatedAt - a.validatedAt)
  }

  allRoutesTo(number: E164, now: number): LearnedRoute[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM learned_routes WHERE number = ? AND expires_at > ? ORDER BY validated_at DESC`)
      .all(number, now) as unknown as Row[]
    return rows.map(fromRow)
  }

  forgetTrust(number: E164, claimer: string): void {
    this.db.prepare('DELETE FROM trusted_claimers WHERE number = ? AND claimer = ?').run(number, claimer)
  }

  wasTrusted(number: E164, claimer: string, now: number): boolean {
    const sql = 'SELECT 1 FROM trusted_claimers WHERE number = ? AND claimer = ? AND since > ?'
    return this.db.prepare(sql).get(number, claimer, now - TRUST_MEMORY_MS) !== undefined
  }

  list(now: number): LearnedRoute[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM learned_routes WHERE expires_at > ? ORDER BY number, validated_at DESC`)
      .all(now) as unknown as Row[]
    return rows.map(fromRow)
  }

  countTrusted(now: number): { trusted: number; candidates: number } {
    const row = this.db
      .prepare(
        'SELECT coalesce(sum(trusted), 0) AS trusted, count(*) - coalesce(sum(trusted), 0) AS candidates FROM learned_routes WHERE expires_at > ?',
      )
      .get(now) as { trusted: number; candidates: number }
    return { trusted: Number(row.trusted), candidates: Number(row.candidates) }
  }

  purgeExpired(now: number): { routes: number; trustedClaimers: number } {
    return transaction(this.db, () => ({
      routes: Number(this.db.prepare('DELETE FROM learned_routes WHERE expires_at <= ?').run(now).changes),
      trustedClaimers: Number(
        this.db.prepare('DELETE FROM trusted_claimers WHERE since <= ?').run(now - TRUST_MEMORY_MS).changes,
      ),
    }))
  }

  remove(number: E164): number {
    return Number(this.db.prepare('DELETE FROM learned_routes WHERE number = ?').run(number).changes)
  }

  noteFailedProof(number: E164, claimer: string): number {
    return transaction(this.db, () => {
      this.db
        .prepare('UPDATE learned_routes SET failed_calls = failed_calls + 1 WHERE number = ? AND claimer = ?')
        .run(number, claimer)
      const row = this.db
        .prepare('SELECT max(failed_calls) AS n FROM learned_routes WHERE number = ? AND claimer = ?')
        .get(number, claimer) as { n: number | null }
      return row.n ?? 0
    })
  }

  dropClaimer(number: E164, claimer: string): number {
    const sql = 'DELETE FROM learned_routes WHERE number = ? AND claimer = ?'
    return Number(this.db.prepare(sql).run(number, claimer).changes)
  }

  blockDomain(domain: string): number {
    return transaction(this.db, () => {
      this.db.prepare('INSERT OR IGNORE INTO blocked_domains (domain) VALUES (?)').run(domain.toLowerCase())
      return Number(this.db.prepare('DELETE FROM learned_routes WHERE domain = ?').run(domain.toLowerCase()).changes)
    })
  }

  unblockDomain(domain: string): void {
    this.db.prepare('DELETE FROM blocked_domains WHERE domain = ?').run(domain.toLowerCase())
  }

  isBlocked(domain: string): boolean {
    return this.db.prepare('SELECT 1 FROM blocked_domains WHERE domain = ?').get(domain.toLowerCase()) !== undefined
  }
}
