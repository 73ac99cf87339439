/**
 * Who is asking: a signed-in user (session cookie or `Authorization: Bearer SESSION_TOKEN`), or the operator
 * (the operator token from the node's configuration, as a bearer token, compared in constant time; or a user
 * with the operator role). Sign-in by password is rate limited per account and per address; one-time sign-in
 * tokens (for the links the demo prints) work once and expire soon.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Clock } from '../core/clock.js'
import { err, ok, type Result } from '../core/result.js'
import type { IssuedToken, TokenKind, User, UserRole } from '../store/user-store.js'
import { DEFAULT_LOGIN_LIMITS, FailureLimiter, type FailureLimits } from './rate-limit.js'

export const SESSION_COOKIE = 'ime_session'

/** The part of the user store the HTTP side uses. */
export interface UserAccounts {
  get(name: string): User | undefined
  verifyPassword(name: string, password: string): Promise<User | undefined>
  issueToken(user: string, kind: TokenKind, expiresAt: number): Result<IssuedToken>
  lookupToken(token: string, kind: TokenKind, now: number): { user: User; expiresAt: number } | undefined
  consumeToken(token: string, kind: TokenKind, now: number): User | undefined
  revokeToken(token: string): boolean
}

export interface Principal {
  /** The user's name; 'operator' for the operator token. */
  readonly name: string
  readonly role: UserRole
  readonly number: string | null
  /** How the request proved it: a session cookie, a session bearer token, or the operator token. */
  readonly via: 'cookie' | 'bearer' | 'operator-token'
  /** The session token (not for the operator token). */
  readonly token?: string
}

export interface AuthOptions {
  users: UserAccounts
  clock: Clock
  /** The operator's bearer credential; at least 16 characters. Without it, only operator-role users operate. */
  operatorToken?: string
  sessionTtlMs?: number
  loginTokenTtlMs?: number
  limits?: FailureLimits
  /** Password checks (scrypt: memory and CPU) running at once; more sign-ins are refused for now (503). */
  maxConcurrentChecks?: number
}

export interface SignInRefusal {
  readonly status: 400 | 401 | 429 | 503
  readonly error: string
  readonly retryAfterS?: number
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim())
  }
  return cookies
}

export class Authenticator {
  readonly sessionTtlMs: number
  readonly loginTokenTtlMs: number
  private readonly operatorDigest: Buffer | undefined
  private readonly byAccount: FailureLimiter
  private readonly byAddress: FailureLimiter
  private checking = 0

  constructor(private readonly options: AuthOptions) {
    if (options.operatorToken !== undefined && options.operatorToken.length < 16) {
      throw new Error('the operator token must be at least 16 characters')
    }
    this.operatorDigest = options.operatorToken === undefined ? undefined : digest(options.operatorToken)
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 3600_000
    this.loginTokenTtlMs = options.loginTokenTtlMs ?? 10 * 60_000
    this.byAccount = new FailureLimiter(options.limits ?? DEFAULT_LOGIN_LIMITS)
    this.byAddress = new FailureLimiter(options.limits ?? DEFAULT_LOGIN_LIMITS)
  }

  /**
   * The principal of a request: undefined when it carries no credentials, an error (saying why) when it carries
   * credentials that are not valid here. A bearer token is tried first, then the session cookie.
   */
  authenticate(req: IncomingMessage): Result<Principal | undefined> {
    const now = this.options.clock.now()
    const authorization = req.headers.authorization
    if (authorization !== undefined) {
      const match = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})$/i.exec(authorization.trim())
      if (match === null) return err('the Authorization header must be "Bearer TOKEN"')
      const token = match[1]!
      if (this.operatorDigest !== undefined && timingSafeEqual(digest(token), this.operatorDigest)) {
        return ok({ name: 'operator', role: 'operator', number: null, via: 'operator-token' })
      }
      const session = this.options.users.lookupToken(token, 'session', now)
      if (session === undefined) return err('the bearer token is not a session or operator token of this node')
      return ok({ ...session.user, via: 'bearer', token })
    }
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE)
    if (cookie === undefined || cookie === '') return ok(undefined)
    const session = this.options.users.lookupToken(cookie, 'session', now)
    if (session === undefined) return err('the session has expired or was signed out; sign in again')
    return ok({ ...session.user, via: 'cookie', token: cookie })
  }

  /** Password sign-in; refused (429) after too many failures for the account or from the address. */
  async signIn(name: unknown, password: unknown, address: string): Promise<Result<IssuedToken, SignInRefusal>> {
    if (typeof name !== 'string' || name === '' || name.length > 64) {
      return err({ status: 400, error: 'user must be a user name (a string of 1..64 characters)' })
    }
    if (typeof password !== 'string' || password.length > 1024) {
      return err({ status: 400, error: 'password must be a string of at most 1024 characters' })
    }
    const now = this.options.clock.now()
    const wait = Math.max(this.byAccount.blockedFor(`user:${name}`, now), this.byAddress.blockedFor(address, now))
    if (wait > 0) {
      const retryAfterS = Math.ceil(wait / 1000)
      return err({ status: 429, error: `too many failed sign-ins; try again in ${retryAfterS} s`, retryAfterS })
    }
    if (this.checking >= (this.options.maxConcurrentChecks ?? 8)) {
      return err({ status: 503, error: 'too many sign-ins at once; try again in a second', retryAfterS: 1 })
    }
    // Counted as a failure before the (slow) check, so that attempts sent in parallel cannot all slip in under
    // the limit; taken back if it succeeds.
    this.byAccount.fail(`user:${name}`, now)
    this.byAddress.fail(address, now)
    this.checking++
    const user = await this.options.users.verifyPassword(name, password).finally(() => this.checking--)
    if (user === undefined) return err({ status: 401, error: 'unknown user or wrong password' })
    this.byAccount.clear(`user:${name}`)
    this.byAddress.forgive(address, now)
    const issued = this.options.users.issueToken(user.name, 'session', now + this.sessionTtlMs)
    return issued.ok ? issued : err({ status: 401, error: issued.error })
  }

  /** A one-time sign-in token for a user (for a link such as /api/login?token=...). */
  createLoginToken(user: string): Result<IssuedToken> {
    return this.options.users.issueToken(user, 'login', this.options.clock.now() + this.loginTokenTtlMs)
  }

  /** Redeems a one-time sign-in token for a session; the token is spent whatever happens next. */
  redeemLoginToken(token: string): Result<IssuedToken> {
    const now = this.options.clock.now()
    const user = this.options.users.consumeToken(token, 'login', now)
    if (user === undefined) return err('this sign-in link is unknown, used already or expired; ask for a new one')
    return this.options.users.issueToken(user.name, 'session', now + this.sessionTtlMs)
  }

  signOut(principal: Principal): boolean {
    return principal.token === undefined ? false : this.options.users.revokeToken(principal.token)
  }
}
