/**
 * The ICE servers a softphone uses for its calls (GET /api/ice-servers): STUN servers as configured, and TURN
 * servers with short-lived credentials minted per signed-in user by the shared-secret scheme coturn checks
 * (`use-auth-secret`, the "TURN REST API" draft): username = "<unix expiry>:<user>", credential =
 * base64(HMAC-SHA1(secret, username)). The node and the TURN server share only the secret; a credential works
 * until its expiry, for anyone holding it, so it is given only to signed-in users and lives an hour by default.
 */
import { createHmac } from 'node:crypto'

export interface IceConfig {
  /** stun: URLs, e.g. stun:turn.example.com:3478 */
  readonly stun?: readonly string[]
  readonly turn?: {
    /** turn: and turns: URLs of one TURN service, e.g. turn:turn.example.com:3478?transport=udp */
    readonly urls: readonly string[]
    /** coturn's static-auth-secret. */
    readonly secret: string
    /** How long a credential lives (s); default 3600. */
    readonly ttlSeconds?: number
  }
  /** 'relay' makes the softphone use TURN relays only (hides the users' addresses from the other side). */
  readonly policy?: 'all' | 'relay'
}

export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

export interface IceServersReply {
  iceServers: IceServer[]
  /** 'all' or 'relay' (RTCConfiguration.iceTransportPolicy). */
  iceTransportPolicy: 'all' | 'relay'
  /** When the TURN credentials expire (ms since the epoch); ask again before then. */
  expiresAt: number
}

export const DEFAULT_TURN_TTL_SECONDS = 3600
/** Without TURN there is nothing to expire: the softphone asks again after this long anyway (ms). */
const NO_EXPIRY_REFRESH_MS = 24 * 3600_000

/** A TURN credential for `user` that coturn accepts until `expiresAtSeconds` (Unix time). */
export function turnCredential(
  secret: string,
  user: string,
  expiresAtSeconds: number,
): { username: string; credential: string } {
  const username = `${Math.floor(expiresAtSeconds)}:${user}`
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') }
}

/** What `user` gets at `nowMs`. */
export function iceServersFor(config: IceConfig | undefined, user: string, nowMs: number): IceServersReply {
  const iceServers: IceServer[] = []
  if (config?.stun !== undefined && config.stun.length > 0) iceServers.push({ urls: [...config.stun] })
  let expiresAt = nowMs + NO_EXPIRY_REFRESH_MS
  const turn = config?.turn
  if (turn !== undefined && turn.urls.length > 0) {
    const ttl = turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS
    const expiresAtSeconds = Math.floor(nowMs / 1000) + ttl
    iceServers.push({ urls: [...turn.urls], ...turnCredential(turn.secret, user, expiresAtSeconds) })
    expiresAt = expiresAtSeconds * 1000
  }
  return { iceServers, iceTransportPolicy: config?.policy ?? 'all', expiresAt }
}
