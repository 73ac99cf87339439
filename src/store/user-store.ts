/**
 * Users and their sessions, in SQLite.
 *
 * A password is kept as a salted scrypt hash (`scrypt$N$r$p$salt$hash`, base64url), checked in constant time;
 * checking a name that does not exist costs one scrypt too, so timing does not tell which names exist.
 *
 * SIP digest authentication (RFC 8760) needs HA1 = H(user:realm:password) on the server, so the store also keeps
 * HA1 for MD5 and SHA-256 in the node's realm. An HA1 is a password equivalent for SIP in that realm (whoever
 * has it can answer digest challenges as the user), though not for the HTTP API, which checks the scrypt hash.
 *
 * Session and one-time sign-in tokens are random 256-bit strings; only their SHA-256 is stored, so a copy of
 * the database does not hand out live sessions.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { err, ok, type Result } from '../core/result.js'
import { digestHa1, type DigestAlgorithm } from '../sip/auth/index.js'
import type { Database } from './database.js'

export type UserRole = 'user' | 'operator'

/** What the SIP registrar needs to check digest responses: the HA1 of a user in a realm, if known. */
export interface SipCredentials {
  ha1(user: string, realm: string, algorithm: DigestAlgorithm): string | undefined
}

export interface User {
  readonly name: string
  readonly role: UserRole
  /** The user's number (E.164) or extension, if they have one. */
  readonly number: string | null
}

export interface UserInput {
  name: string
  password: string
  role?: UserRole
  number?: string | null
}

export interface ScryptCost {
  N: number
  r: number
  p: number
}

/** About 16 MiB and tens of milliseconds per check (OWASP's minimum for scrypt is N=2^17 with r=8, p=1). */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 1 << 15, r: 8, p: 1 }

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const NUMBER = /^\+?[0-9*#]{1,32}$/
const KEY_LENGTH = 32

export function checkUserInput(input: UserInput): Result<Required<UserInput>> {
  if (typeof input.name !== 'string' || !NAME.test(input.name)) {
    return err('user name must be 1..64 letters, digits or ._-')
  }
  const role = input.role ?? 'user'
  if (role !== 'user' && role !== 'operator') return err(`role must be user or operator; got ${String(role)}`)
  if (typeof input.password !== 'string' || input.password.length < 8 || input.password.length > 1024) {
    return err(`password of ${input.name} must be 8..1024 characters`)
  }
  const number = input.number ?? null
  if (number !== null && (typeof number !== 'string' || !NUMBER.test(number))) {
    return err(`number of ${input.name} must be an E.164 number or an extension of up to 32 digits, * or #`)
  }
  return ok({ name: input.name, password: input.password, role, number })
}

const b64 = (b: Buffer) => b.toString('base64url')

function scryptAsync(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 },
      (e, key) => (e === null ? resolve(key) : reject(e)),
    ),
  )
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password, salt, cost)
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${b64(salt)}$${b64(key)}`
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![N, r, p].every((v) => Number.isSafeInteger(v) && v > 0) || N > 1 << 20 || r > 32 || p > 16) return false
  const expected = Buffer.from(parts[5]!, 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const key = await scryptAsync(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p })
  return timingSafeEqual(key, expected)
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')
export const newToken = (): string => b64(randomBytes(32))

interface UserRow {
  name: string
  role: UserRole
  number: string | null
  password_hash: string
  realm: string
  ha1_md5: string
  ha1_sha256: string
}

export type TokenKind = 'session' | 'login'

export interface IssuedToken {
  readonly token: string
  readonly user: string
  readonly expiresAt: number
}

export class SqliteUserStore implements SipCredentials {
  private readonly cost: ScryptCost
  private readonly realm: string
  /** A hash with this store's cost, checked when a name is unknown so that it costs what a known one does. */
  private readonly dummyHash: Promise<string>

  constructor(
    private readonly db: Database,
    options: { realm: string; cost?: ScryptCost },
  ) {
    this.realm = options.realm
    this.cost = options.cost ?? DEFAULT_SCRYPT_COST
    this.dummyHash = hashPassword('not a password of anyone', this.cost)
  }

  /** Adds a user or updates one (role, number and password all set anew); the HA1s follow the new password. */
  async put(input: UserInput, now: number): Promise<Result<User>> {
    const checked = checkUserInput(input)
    if (!checked.ok) return checked
    const u = checked.value
    const hash = await hashPassword(u.password, this.cost)
    this.db
      .prepare(
        `INSERT INTO users (name, role, number, password_hash, realm, ha1_md5, ha1_sha256, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, number = excluded.number,
           password_hash = excluded.password_hash, realm = excluded.realm, ha1_md5 = excluded.ha1_md5,
           ha1_sha256 = excluded.ha1_sha256, updated_at = excluded.updated_at`,
      )
      .run(
        u.name,
        u.role,
        u.number,
        hash,
        this.realm,
        digestHa1('MD5', u.name, this.realm, u.password),
        digestHa1('SHA-256', u.name, this.realm, u.password),
        now,
      )
    return ok({ name: u.name, role: u.role, number: u.number })
  }

  get(name: string): User | undefined {
    const row = this.row(name)
    return row === undefined ? undefined : { name: row.name, role: row.role, number: row.number }
  }

  list(): User[] {
    const rows = this.db.prepare('SELECT name, role, number FROM users ORDER BY name').all() as unknown as User[]
    return rows.map((r) => ({ name: r.name, role: r.role, number: r.number }))
  }

  /** Removes a user and their sessions; false if there was none. */
  remove(name: string): boolean {
    return Number(this.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes) > 0
  }

  /** The user, if the password is theirs. One scrypt either way, compared in constant time. */
  async verifyPassword(name: string, password: string): Promise<User | undefined> {
    const row = typeof name === 'string' ? this.row(name) : undefined
    const stored = row?.password_hash ?? (await this.dummyHash)
    const matches = await checkPassword(typeof password === 'string' ? password : '', stored)
    return matches && row !== undefined ? { name: row.name, role: row.role, number: row.number } : undefined
  }

  ha1(user: string, realm: string, algorithm: DigestAlgorithm): string | undefined {
    const row = this.row(user)
    if (row === undefined || row.realm !== realm) return undefined
    return algorithm === 'MD5' ? row.ha1_md5 : algorithm === 'SHA-256' ? row.ha1_sha256 : undefined
  }

  /** Issues a session (or one-time sign-in) token for a user; only its hash is stored. */
  issueToken(user: string, kind: TokenKind, expiresAt: number): Result<IssuedToken> {
    if (this.row(user) === undefined) return err(`no user ${user}`)
    const token = newToken()
    this.db
      .prepare('INSERT INTO user_sessions (token_hash, user_name, kind, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), user, kind, expiresAt)
    return ok({ token, user, expiresAt })
  }

  /** The user of an unexpired token of this kind. */
  lookupToken(token: string, kind: TokenKind, now: number): { user: User; expiresAt: number } | undefined {
    const row = this.db
      .prepare(
        `SELECT u.name, u.role, u.number, s.expires_at FROM user_sessions s JOIN users u ON u.name = s.user_name
         WHERE s.token_hash = ? AND s.kind = ? AND s.expires_at > ?`,
      )
      .get(hashToken(token), kind, now) as (User & { expires_at: number }) | undefined
    if (row === undefined) return undefined
    return { user: { name: row.name, role: row.role, number: row.number }, expiresAt: row.expires_at }
  }

  /** Looks a token up and deletes it in one step: a one-time token works once. */
  consumeToken(token: string, kind: TokenKind, now: number): User | undefined {
    const row = this.db
      .prepare('DELETE FROM user_sessions WHERE token_hash = ? AND kind = ? RETURNING user_name, expires_at')
      .get(hashToken(token), kind) as { user_name: string; expires_at: number } | undefined
    if (row === undefined || row.expires_at <= now) return undefined
    return this.get(row.user_name)
  }

  /** Ends a session (sign-out); false if there was none. */
  revokeToken(token: string): boolean {
    return Number(this.db.prepare('DELETE FROM user_sessions WHERE token_hash = ?').run(hashToken(token)).changes) > 0
  }

  /** Ends every session of a user (after a password change, say); returns how many. */
  revokeUser(user: string): number {
    return Number(this.db.prepare('DELETE FROM user_sessions WHERE user_name = ?').run(user).changes)
  }

  /** Deletes expired tokens; returns how many. */
  purgeExpired(now: number): number {
    return Number(this.db.prepare('DELETE FROM user_sessions WHERE expires_at <= ?').run(now).changes)
  }

  private row(name: string): UserRow | undefined {
    return this.db
      .prepare('SELECT name, role, number, password_hash, realm, ha1_md5, ha1_sha256 FROM users WHERE name = ?')
      .get(name) as UserRow | undefined
  }
}
