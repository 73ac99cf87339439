/**
 * The node's HTTP API as the softphone and the operator page use it. Every endpoint path and response shape
 * lives here so that it can be adapted to the server in one place. Times may arrive as epoch milliseconds or
 * ISO strings; they leave this module as epoch milliseconds.
 */
import { SseParser, type SseEvent } from './sse.js'

export const endpoints = {
  session: '/api/session',
  /** GET /api/session: who the session (cookie or bearer) belongs to. */
  me: '/api/session',
  routes: '/api/routes',
  routesTo: (number: string) => `/api/routes/${encodeURIComponent(number)}`,
  /** POST /api/calls/authorize {number}: the node vouches for one call over its learned route (its headers). */
  authorizeCall: '/api/calls/authorize',
  calls: '/api/calls',
  events: '/api/events',
  status: '/api/status',
  /** GET /api/validations?limit=N: the outcomes of validations, newest first (operator). */
  validations: (limit: number) => `/api/validations?limit=${limit}`,
  /** GET /api/ice-servers: STUN/TURN servers for calls, TURN credentials minted for this user. */
  iceServers: '/api/ice-servers',
  /** GET /api/contacts: the enterprise's users and whether their phones are registered now. */
  contacts: '/api/contacts',
  /** GET /api/activity?window=hour|day: counts over time for the operator page's plots (operator). */
  activity: (window: 'hour' | 'day') => `/api/activity?window=${window}`,
} as const

/** Sent on every state-changing request; a cross-site form cannot set it. */
export const CSRF_HEADER = ['X-IME-CSRF', '1'] as const

export interface SessionUser {
  /** The user's name, also the SIP user name unless sipUser is given. */
  readonly name: string
  readonly number: string
  /** The node's domain (the SIP domain and digest realm); from GET /api/status when the session omits it. */
  readonly domain: string
  /** The node's internal SIP WebSocket (RFC 7118); derived from the page's origin when absent. */
  readonly sipWsUrl?: string
  /** The port of that WebSocket on the page's own host (the session answer's softphone.sipWsPort). */
  readonly sipWsPort?: number
  /** How long an IME route may take before the call falls back to the PSTN (softphone.imeTimeoutMs). */
  readonly imeTimeoutMs?: number
  readonly sipUser?: string
  /** Only for sessions opened with a token (no password typed), when the server chooses to hand it out. */
  readonly sipPassword?: string
}

export interface Session {
  readonly token: string
  readonly expiresAt: number
  readonly user: SessionUser
}

export interface RouteDto {
  readonly number: string
  readonly sipUri: string
  readonly domain: string
  readonly expiresAt: number
  readonly validatedAt: number
  /** The callee domain's public SIP WebSocket; derived from sipUri when absent. */
  readonly wsUrl?: string
  /** The operator's list: distinct calls proved in a row, and whether the route carries calls yet. */
  readonly provenCalls?: number
  readonly trusted?: boolean
}

/** ime: over a learned route; pstn: over the PSTN; internal: to or from a user of the same enterprise. */
export type CallPath = 'ime' | 'pstn' | 'internal'
export type Direction = 'in' | 'out'

export interface CallRecordDto {
  readonly id: string
  readonly direction: Direction
  readonly from: string
  readonly to: string
  readonly start: number
  readonly end?: number
  readonly answeredAt?: number
  readonly path: CallPath
  readonly fallback: boolean
  readonly outcome: string
}

/** Outcomes the node keeps (src/validation/call-record.ts); the softphone's finer ones map onto them. */
export type WireOutcome = 'answered' | 'busy' | 'no-answer' | 'rejected' | 'failed'

const WIRE_OUTCOME: Record<string, WireOutcome> = {
  answered: 'answered',
  busy: 'busy',
  'no-answer': 'no-answer',
  cancelled: 'no-answer',
  missed: 'no-answer',
  declined: 'rejected',
  rejected: 'rejected',
}

/**
 * The body of POST /api/calls: exactly the fields the node accepts (it refuses any other), direction spelled
 * 'outbound' / 'inbound'; fallback with path 'ime': the call moved to the PSTN mid-call.
 */
export function toWireCall(r: NewCallRecord) {
  return {
    number: r.number,
    start: Math.round(r.start),
    end: Math.round(Math.max(r.end, r.start)),
    path: r.path,
    fallback: r.fallback,
    outcome: WIRE_OUTCOME[r.outcome] ?? 'failed',
    direction: r.direction === 'in' ? 'inbound' : 'outbound',
  }
}

export interface NewCallRecord {
  readonly number: string
  readonly start: number
  readonly end: number
  readonly answeredAt?: number
  readonly path: CallPath
  readonly fallback: boolean
  readonly outcome: string
  readonly direction: Direction
  /** The SIP Call-ID (not sent: the node refuses fields it does not know; kept for when it can merge records). */
  readonly callId?: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && value !== '') {
    const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

type Json = Record<string, unknown>
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export function parseSession(body: unknown): Session {
  const b = obj(body)
  const user = parseUser(b)
  return { token: str(b.token) ?? '', expiresAt: toMillis(b.expiresAt) ?? 0, user }
}

/** The user from a session answer, `{user: {...}}` or the user itself; domain may be '' (filled in later). */
export function parseUser(body: unknown): SessionUser {
  const wrapped = obj(body).user
  const u = wrapped !== null && typeof wrapped === 'object' ? obj(wrapped) : obj(body)
  // The node's session answer: {user, softphone: {domain, sipWsPort, imeTimeoutMs}}.
  const softphone = obj(obj(body).softphone)
  const name = str(u.name) ?? str(u.user)
  const number = str(u.number)
  const domain = str(u.domain) ?? str(softphone.domain) ?? ''
  if (name === undefined || number === undefined) {
    throw new ApiError(0, 'the server described the user without a name and a number')
  }
  const out: { -readonly [K in keyof SessionUser]: SessionUser[K] } = { name, number, domain }
  for (const k of ['sipWsUrl', 'sipUser', 'sipPassword'] as const) {
    const v = str(u[k])
    if (v !== undefined) out[k] = v
  }
  const port = softphone.sipWsPort
  if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) out.sipWsPort = port
  const timeout = softphone.imeTimeoutMs
  if (typeof timeout === 'number' && timeout > 0) out.imeTimeoutMs = timeout
  return out
}

/** `[route]`, `{routes: [route]}`, or `{number, routes: [route without number]}` (GET /api/routes/:number). */
export interface IceServersDto {
  readonly config: RTCConfiguration
  /** When the TURN credentials in it expire (ms since the epoch). */
  readonly expiresAt: number
}

/** GET /api/ice-servers' answer as an RTCConfiguration; servers without URLs are dropped. */
export function parseIceServers(body: unknown): IceServersDto {
  const b = obj(body)
  const iceServers: RTCIceServer[] = []
  for (const raw of Array.isArray(b.iceServers) ? b.iceServers : []) {
    const s = obj(raw)
    const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u): u is string => typeof u === 'string')
    if (urls.length === 0) continue
    const username = str(s.username)
    const credential = str(s.credential)
    iceServers.push({
      urls,
      ...(username !== undefined && { username }),
      ...(credential !== undefined && { credential }),
    })
  }
  const policy = b.iceTransportPolicy === 'relay' ? 'relay' : 'all'
  const expiresAt = typeof b.expiresAt === 'number' && Number.isFinite(b.expiresAt) ? b.expiresAt : 0
  return { config: { iceServers, iceTransportPolicy: policy }, expiresAt }
}

export function parseRoutes(body: unknown): RouteDto[] {
  const list = Array.isArray(body) ? body : Array.isArray(obj(body).routes) ? (obj(body).routes as unknown[]) : []
  const outer = Array.isArray(body) ? undefined : str(obj(body).number)
  const routes: RouteDto[] = []
  for (const item of list) {
    const r = obj(item)
    const number = str(r.number) ?? outer
    const sipUri = str(r.sipUri)
    const domain = str(r.domain)
    const expiresAt = toMillis(r.expiresAt)
    const validatedAt = toMillis(r.validatedAt)
    if (!number || !sipUri || !domain || expiresAt === undefined || validatedAt === undefined) continue
    const wsUrl = str(r.wsUrl)
    const provenCalls = typeof r.provenCalls === 'number' ? r.provenCalls : undefined
    routes.push({
      number,
      sipUri,
      domain,
      expiresAt,
      validatedAt,
      ...(wsUrl ? { wsUrl } : {}),
      ...(provenCalls !== undefined && { provenCalls }),
      ...(typeof r.trusted === 'boolean' && { trusted: r.trusted }),
    })
  }
  return routes
}

export function parseCalls(body: unknown): CallRecordDto[] {
  const list = Array.isArray(body) ? body : Array.isArray(obj(body).calls) ? (obj(body).calls as unknown[]) : []
  const calls: CallRecordDto[] = []
  list.forEach((item, i) => {
    const c = obj(item)
    const start = toMillis(c.start)
    const direction: Direction = c.direction === 'in' || c.direction === 'inbound' ? 'in' : 'out'
    if (start === undefined) return
    const end = toMillis(c.end)
    const answeredAt = toMillis(c.answeredAt)
    const other = str(c.number)
    calls.push({
      id: str(c.id) ?? String(c.id ?? `call-${i}`),
      direction,
      from: str(c.from) ?? (direction === 'in' ? (other ?? '') : ''),
      to: str(c.to) ?? (direction === 'out' ? (other ?? '') : ''),
      start,
      ...(end !== undefined ? { end } : {}),
      ...(answeredAt !== undefined ? { answeredAt } : {}),
      path: c.path === 'ime' || c.path === 'internal' ? c.path : 'pstn',
      fallback: c.fallback === true,
      outcome: str(c.outcome) ?? 'unknown',
    })
  })
  return calls
}

export interface ApiClientOptions {
  /** The node's origin; '' means the page's own origin. */
  readonly base?: string
  readonly token?: string
  readonly fetch?: typeof fetch
}

export class ApiClient {
  private readonly base: string
  private readonly fetchFn: typeof fetch
  token: string | undefined

  constructor(options: ApiClientOptions = {}) {
    this.base = options.base ?? ''
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init))
    this.token = options.token
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    if (method !== 'GET') headers[CSRF_HEADER[0]] = CSRF_HEADER[1]
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const init: RequestInit = { method, headers, credentials: 'same-origin' }
    if (body !== undefined) init.body = JSON.stringify(body)
    const res = await this.fetchFn(this.base + path, init)
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      parsed = text
    }
    if (!res.ok) {
      const reason = str(obj(parsed).error) ?? str(obj(parsed).message) ?? (text.slice(0, 200) || res.statusText)
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${reason}`)
    }
    return parsed
  }

  async signIn(user: string, password: string): Promise<Session> {
    const session = parseSession(await this.request('POST', endpoints.session, { user, password }))
    return { ...session, user: await this.withDomain(session.user) }
  }

  /** Sessions name the user but not always the node's domain; GET /api/status does. */
  private async withDomain(user: SessionUser): Promise<SessionUser> {
    if (user.domain) return user
    const domain = str(obj(await this.status()).domain)
    if (!domain) throw new ApiError(0, "the server did not say the node's domain (GET /api/status)")
    return { ...user, domain }
  }

  async signOut(): Promise<void> {
    await this.request('DELETE', endpoints.session)
    this.token = undefined
  }

  async me(): Promise<SessionUser> {
    return this.withDomain(parseUser(await this.request('GET', endpoints.me)))
  }

  async routesTo(number: string): Promise<RouteDto[]> {
    return parseRoutes(await this.request('GET', endpoints.routesTo(number)))
  }

  /**
   * The SIP headers for one call over the learned route to the number (the route's ticket and the node's signed
   * assertion for this call): the node vouches for each call; a browser never holds a ticket.
   */
  async authorizeCall(number: string): Promise<string[]> {
    const headers = obj(obj(await this.request('POST', endpoints.authorizeCall, { number })).headers)
    const lines = Object.entries(headers).flatMap(([name, value]) =>
      typeof value === 'string' && /^[A-Za-z-]+$/.test(name) && !/[\r\n]/.test(value) ? [`${name}: ${value}`] : [],
    )
    if (lines.length === 0) throw new ApiError(0, 'the node vouched for the call with no headers')
    return lines
  }

  async learnedRoutes(): Promise<RouteDto[]> {
    return parseRoutes(await this.request('GET', endpoints.routes))
  }

  async calls(): Promise<CallRecordDto[]> {
    return parseCalls(await this.request('GET', endpoints.calls))
  }

  async recordCall(record: NewCallRecord): Promise<void> {
    await this.request('POST', endpoints.calls, toWireCall(record))
  }

  async iceServers(): Promise<IceServersDto> {
    return parseIceServers(await this.request('GET', endpoints.iceServers))
  }

  /** The enterprise's directory, as sent (contacts.ts checks its shape). */
  async contacts(): Promise<unknown> {
    return this.request('GET', endpoints.contacts)
  }

  async status(): Promise<unknown> {
    return this.request('GET', endpoints.status)
  }

  /** Counts over the last hour or day, per bucket and label (calls, validations, conflicts, ticket refusals). */
  async activity(window: 'hour' | 'day'): Promise<Record<string, unknown>> {
    const body = await this.request('GET', endpoints.activity(window))
    return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {}
  }

  /** The newest validation outcomes (each with `at`, ms), newest first. */
  async validations(limit = 50): Promise<Record<string, unknown>[]> {
    const body = (await this.request('GET', endpoints.validations(limit))) as { validations?: unknown }
    return Array.isArray(body?.validations)
      ? body.validations.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      : []
  }

  /**
   * Follows GET /api/events (server-sent events) with fetch rather than EventSource, so that a bearer token
   * can be sent; reconnects after a pause until the signal aborts.
   */
  async followEvents(onEvent: (e: SseEvent) => void, signal: AbortSignal, onState?: (up: boolean) => void) {
    let lastId: string | undefined
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' }
        if (this.token) headers.Authorization = `Bearer ${this.token}`
        if (lastId !== undefined) headers['Last-Event-ID'] = lastId
        const res = await this.fetchFn(this.base + endpoints.events, { headers, signal, credentials: 'same-origin' })
        if (!res.ok || !res.body) throw new ApiError(res.status, `GET ${endpoints.events}: ${res.status}`)
        onState?.(true)
        const parser = new SseParser()
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          for (const e of parser.push(value)) {
            if (e.id !== undefined) lastId = e.id
            onEvent(e)
          }
        }
      } catch {
        // fall through to the pause; an abort ends the loop
      }
      onState?.(false)
      if (signal.aborted) return
      await new Promise((resolve) => setTimeout(resolve, 3000))
    }
  }
}
