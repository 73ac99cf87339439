import { boundedCache } from '../../core/bounded-cache.js'
import type { SipRequest } from '../message/index.js'

/** User-Agent values of well-known SIP scanners (sipvicious and its forks, sipcli, sundayddr...). */
const SCANNER_AGENTS = /friendly-scanner|sipvicious|sipcli|sip-scan|sundayddr|sipsak|vaxsipuseragent|pplsip|iWar|sivus/i
/**
 * One source is taken for a scanner when, within a minute, it is challenged for more distinct users than a real
 * office behind one address has phones (extension enumeration), or causes more refusals (wrong passwords,
 * refused tickets) than any honest client would.
 */
const DISTINCT_USERS_PER_SOURCE_PER_MINUTE = 30
const REFUSALS_PER_SOURCE_PER_MINUTE = 60
/** How long a scanner's address is ignored (ms). */
const SCANNER_BLOCK_MS = 10 * 60_000
/**
 * Sources remembered at once. Past that the least recently seen is forgotten, never the whole table: a scanner
 * that churns addresses (or keys) must not wipe the blocks of the others.
 */
export const SOURCES_REMEMBERED = 50_000

/**
 * Notices scanners: a known scanner User-Agent, or one source probing many users or failing often. A noticed
 * source is not answered at all for a while: a scanner learns nothing, and costs nothing but a lookup.
 */
export class ScannerWatch {
  private readonly blocked = boundedCache<string, number>(SOURCES_REMEMBERED)
  private readonly window = boundedCache<string, { since: number; users: Set<string>; refusals: number }>(
    SOURCES_REMEMBERED,
  )

  check(req: SipRequest, source: string, now: number): { blocked: boolean; first: boolean; why?: string } {
    const until = this.blocked.get(source)
    if (until !== undefined && until > now) return { blocked: true, first: false }
    const agent = req.headers.get('User-Agent') ?? ''
    if (SCANNER_AGENTS.test(agent))
      return this.block(source, now, `scanner user agent ${JSON.stringify(agent.slice(0, 60))}`)
    const w = this.window.get(source)
    if (w !== undefined && now - w.since < 60_000) {
      if (w.users.size > DISTINCT_USERS_PER_SOURCE_PER_MINUTE) {
        return this.block(source, now, `challenged for ${w.users.size} different users within a minute`)
      }
      if (w.refusals > REFUSALS_PER_SOURCE_PER_MINUTE) {
        return this.block(source, now, `${w.refusals} refusals within a minute`)
      }
    }
    return { blocked: false, first: false }
  }

  private current(source: string, now: number) {
    let w = this.window.get(source)
    if (w === undefined || now - w.since >= 60_000) {
      w = { since: now, users: new Set(), refusals: 0 }
      this.window.set(source, w)
    }
    return w
  }

  /** A digest challenge sent to this source for this user. */
  noteChallenge(source: string, user: string, now: number): void {
    const w = this.current(source, now)
    if (w.users.size <= DISTINCT_USERS_PER_SOURCE_PER_MINUTE) w.users.add(user)
  }

  /** A wrong password or a refused ticket from this source. */
  noteRefusal(source: string, now: number): void {
    this.current(source, now).refusals++
  }

  private block(source: string, now: number, why: string) {
    this.blocked.set(source, now + SCANNER_BLOCK_MS)
    this.window.delete(source)
    return { blocked: true, first: true, why }
  }
}
