/**
 * SIP digest authentication (RFC 3261 section 22, RFC 2617's qop=auth, RFC 8760's SHA-256), both sides: the
 * server's challenge and check, and the client's answer (used by our trunk registration and by tests). Pure
 * apart from node:crypto; the clock comes in as an argument.
 *
 * Nonces are stateless: base64url(issued-at ms, 8 bytes || 8 random bytes || HMAC-SHA-256(secret, issued-at ||
 * random || realm)[0..16]), so any node restart invalidates them and no table of nonces can be flooded; the random
 * part makes two challenges of the same millisecond differ (each answer is good once: nonce-uses.ts). A nonce
 * older than its lifetime is answered with a new challenge marked stale=true.
 */
import { createHash, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto'
import { err, ok, type Result } from '../../core/result.js'
import { formatAuthValue, type AuthValue } from '../message/header-values.js'

export type DigestAlgorithm = 'MD5' | 'SHA-256'
export const SUPPORTED_DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256']
/**
 * The challenges offered by default: MD5 alone. Clients differ in how they read several challenges (docs/interop.md
 * has the table): SIPp 3.6 and JsSIP 3 answer only the first and know only MD5; stock SIP.js 0.21 keeps only the
 * last and knows only MD5. One MD5 challenge is the only offer every common client answers. A listener can offer
 * SHA-256 (RFC 8760) too, or instead, by configuration (`digest` of a face).
 */
export const DEFAULT_DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5']

/**
 * What one face offers: one list for all its listeners, or one per listener (`tcp` covers TLS, `ws` covers WSS);
 * a listener not named gets the default.
 */
export type DigestOffer =
  | readonly DigestAlgorithm[]
  | {
      readonly tcp?: readonly DigestAlgorithm[]
      readonly ws?: readonly DigestAlgorithm[]
      readonly udp?: readonly DigestAlgorithm[]
    }

/** The algorithms a listener of this transport challenges with, in order. */
export function offeredAlgorithms(
  offer: DigestOffer | undefined,
  transport: 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS',
): readonly DigestAlgorithm[] {
  if (offer === undefined) return DEFAULT_DIGEST_ALGORITHMS
  if (Array.isArray(offer)) return offer.length > 0 ? offer : DEFAULT_DIGEST_ALGORITHMS
  const per = offer as Exclude<DigestOffer, readonly DigestAlgorithm[]>
  const list = transport === 'UDP' ? per.udp : transport === 'WS' || transport === 'WSS' ? per.ws : per.tcp
  return list !== undefined && list.length > 0 ? list : DEFAULT_DIGEST_ALGORITHMS
}

/** How long a nonce may be used (ms). */
export const NONCE_LIFETIME_MS = 5 * 60_000

const hashName = (a: DigestAlgorithm) => (a === 'MD5' ? 'md5' : 'sha256')
export const digestHash = (a: DigestAlgorithm, text: string): string =>
  createHash(hashName(a)).update(text, 'utf8').digest('hex')

/** HA1 = H(user:realm:password): what a registrar keeps instead of the password (a password equivalent). */
export const digestHa1 = (a: DigestAlgorithm, user: string, realm: string, password: string): string =>
  digestHash(a, `${user}:${realm}:${password}`)

export type NonceStatus = 'fresh' | 'stale' | 'invalid'

/** A nonce's status from its issue time (undefined: not one of ours), for a caller that needs both. */
export function nonceStatus(issuedAt: number | undefined, nowMs: number): NonceStatus {
  if (issuedAt === undefined || issuedAt > nowMs + 1000) return 'invalid'
  return nowMs - issuedAt > NONCE_LIFETIME_MS ? 'stale' : 'fresh'
}

export class NonceSource {
  constructor(
    private readonly secret: Uint8Array,
    private readonly realm: string,
  ) {}

  issue(nowMs: number): string {
    const head = Buffer.alloc(16)
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))))
    randomFillSync(head, 8)
    return Buffer.concat([head, this.mac(head)]).toString('base64url')
  }

  /** When one of our nonces was issued (ms), or undefined for a nonce that is not ours. */
  issuedAt(nonce: string): number | undefined {
    if (!/^[A-Za-z0-9_-]{43}$/.test(nonce)) return undefined
    const bytes = Buffer.from(nonce, 'base64url')
    if (bytes.length !== 32) return undefined
    const head = bytes.subarray(0, 16)
    return timingSafeEqual(this.mac(head), bytes.subarray(16)) ? Number(head.readBigUInt64BE()) : undefined
  }

  /** 'fresh', 'stale' (ours but too old: challenge again with stale=true) or 'invalid'. */
  check(nonce: string, nowMs: number): NonceStatus {
    return nonceStatus(this.issuedAt(nonce), nowMs)
  }

  private mac(head: Uint8Array): Buffer {
    return createHmac('sha256', this.secret).update(head).update(this.realm, 'utf8').digest().subarray(0, 16)
  }
}

/** The WWW-Authenticate / Proxy-Authenticate values to send: one per algorithm offered, in that order. */
export function challengeValues(
  realm: string,
  nonce: string,
  stale = false,
  algorithms: readonly DigestAlgorithm[] = DEFAULT_DIGEST_ALGORITHMS,
): string[] {
  return algorithms.map((algorithm) => {
    const params = new Map([
      ['realm', realm],
      ['nonce', nonce],
      ['algorithm', algorithm],
      ['qop', 'auth'],
    ])
    if (stale) params.set('stale', 'true')
    return formatAuthValue({ scheme: 'Digest', params })
  })
}

export interface DigestCredentials {
  readonly user: string
  readonly realm: string
  readonly nonce: string
  readonly uri: string
  readonly response: string
  readonly algorithm: DigestAlgorithm
  readonly qop?: string
  readonly nc?: string
  readonly cnonce?: string
}

/** Reads an Authorization value; the error says which field is missing or wrong. */
export function readCredentials(value: AuthValue): Result<DigestCredentials> {
  if (value.scheme.toLowerCase() !== 'digest') return err(`authentication scheme ${value.scheme} is not Digest`)
  const p = value.params
  const user = p.get('username')
  const realm = p.get('realm')
  const nonce = p.get('nonce')
  const uri = p.get('uri')
  const response = p.get('response')
  if (user === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return err('digest credentials need username, realm, nonce, uri and response')
  }
  const alg = (p.get('algorithm') ?? 'MD5').toUpperCase()
  if (alg !== 'MD5' && alg !== 'SHA-256') return err(`digest algorithm ${alg} is not supported (MD5, SHA-256)`)
  const qop = p.get('qop')
  if (qop !== undefined && qop !== 'auth') return err(`qop ${qop} is not supported (auth)`)
  const nc = p.get('nc')
  const cnonce = p.get('cnonce')
  if (qop !== undefined && (nc === undefined || cnonce === undefined)) return err('qop=auth needs nc and cnonce')
  return ok({
    user,
    realm,
    nonce,
    uri,
    response: response.toLowerCase(),
    algorithm: alg,
    ...(qop !== undefined && { qop }),
    ...(nc !== undefined && { nc }),
    ...(cnonce !== undefined && { cnonce }),
  })
}

/** The expected response for given credentials fields and HA1 (RFC 2617 section 3.2.2.1). */
export function expectedResponse(
  c: Omit<DigestCredentials, 'response' | 'user' | 'realm'>,
  ha1: string,
  method: string,
) {
  const ha2 = digestHash(c.algorithm, `${method}:${c.uri}`)
  return c.qop === 'auth'
    ? digestHash(c.algorithm, `${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:auth:${ha2}`)
    : digestHash(c.algorithm, `${ha1}:${c.nonce}:${ha2}`)
}

/**
 * Whether the credentials' digest uri names the Request-URI (RFC 2617 section 3.2.2.5: a proxy must check it,
 * or an answer captured for one request authenticates another). The same text, or the same SIP URI compared
 * as RFC 3261 section 19.1.4 does for what matters here: scheme, user, host (any case) and port.
 */
export function digestUriMatches(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true
  const a = uriParts(digestUri)
  const b = uriParts(requestUri)
  return a !== undefined && b !== undefined && a === b
}

function uriParts(uri: string): string | undefined {
  const m = /^(sips?|tel):(?:([^@;?]*)@)?([^;?:]+|\[[^\]]+\])(?::([0-9]+))?/i.exec(uri.trim())
  if (m === null) return undefined
  const scheme = m[1]!.toLowerCase()
  return `${scheme}:${m[2] ?? ''}@${m[3]!.toLowerCase()}:${m[4] ?? ''}`
}

/** Constant-time check of a response against HA1. */
export function responseMatches(c: DigestCredentials, ha1: string, method: string): boolean {
  const want = Buffer.from(expectedResponse(c, ha1, method), 'utf8')
  const got = Buffer.from(c.response, 'utf8')
  return want.length === got.length && timingSafeEqual(want, got)
}

/** A client's Authorization value answering a challenge (for our trunk and for tests). */
export function answerChallenge(
  challenge: AuthValue,
  who: { user: string; password: string },
  method: string,
  uri: string,
  cnonce: string,
  nc = 1,
): Result<string> {
  const realm = challenge.params.get('realm')
  const nonce = challenge.params.get('nonce')
  if (realm === undefined || nonce === undefined) return err('challenge without realm or nonce')
  const alg = (challenge.params.get('algorithm') ?? 'MD5').toUpperCase()
  if (alg !== 'MD5' && alg !== 'SHA-256') return err(`challenge algorithm ${alg} is not supported`)
  const qops = (challenge.params.get('qop') ?? '').split(',').map((s) => s.trim())
  const qop = qops.includes('auth') ? 'auth' : undefined
  const ncText = nc.toString(16).padStart(8, '0')
  const fields = { nonce, uri, algorithm: alg, ...(qop && { qop, nc: ncText, cnonce }) } as const
  const response = expectedResponse(fields, digestHa1(alg, who.user, realm, who.password), method)
  const params = new Map([
    ['username', who.user],
    ['realm', realm],
    ['nonce', nonce],
    ['uri', uri],
    ['response', response],
    ['algorithm', alg],
  ])
  if (qop !== undefined) {
    params.set('qop', 'auth')
    params.set('nc', ncText)
    params.set('cnonce', cnonce)
  }
  return ok(formatAuthValue({ scheme: 'Digest', params }, new Set(['algorithm', 'nc', 'qop'])))
}
