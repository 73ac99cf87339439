/**
 * The node's HTTP side: the JSON API (docs/http-api.md), the event stream, and the built web app. Every
 * collaborator is injected as a small interface, so the whole API is tested without libp2p.
 *
 * Access (docs/security.md, "Access rules"): nothing but /api/health and sign-in is open; a user sees their own
 * calls and the routes the node learned; operator acts need the operator role. Cookie-authenticated requests
 * that change state must carry `X-IME-CSRF: 1` or a same-origin Origin. No CORS headers are ever sent.
 */
import { activity } from './activity.js'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AdmissionCounters, AdmissionLimits } from '../core/connection-admission.js'
import { SocketAdmission, socketKey } from '../core/socket-admission.js'
import type { AddressInfo, Socket } from 'node:net'
import type { Clock } from '../core/clock.js'
import { isE164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import type { CallRecordStore } from '../validation/call-record.js'
import type { LearnedRouteStore } from '../validation/learned-route.js'
import type { ValidationOutcome } from '../validation/scheduler.js'
import { Authenticator, SESSION_COOKIE, type Principal, type UserAccounts } from './auth.js'
import { readJsonObject } from './body.js'
import { callView, checkCallInput } from './call-input.js'
import { contactRoutes, type Directory } from './contacts.js'
import { iceServersFor, type IceConfig } from './ice-servers.js'
import { visibleTo, type EventHub } from './events.js'
import type { FailureLimits } from './rate-limit.js'
import { Router, STREAMING, type Access, type Reply, type RequestContext, type RouteSpec } from './router.js'
import { DEFAULT_SSE_OPTIONS, SseStream, type SseOptions } from './sse.js'
import { serveStatic } from './static.js'

/** What only an operator may do to a running node (each returns what it did, or why it could not). */
export interface OperatorActs {
  edge(): { up: boolean; sipWs?: string | undefined; sipTcp?: string | undefined }
  setEdge(up: boolean): Promise<{ up: boolean }>
  rotateTicketKey(): Result<{ epoch: number }>
  numbers(): string[]
  publish(number: string): Promise<Result<{ number: string; published: boolean }>>
  withdraw(number: string): Promise<Result<{ number: string; withdrawn: boolean }>>
}

/** What POST /api/calls/authorize answers: one call's headers, and the route they are good for. */
export interface CallAuthorizationDto {
  readonly headers: Readonly<Record<string, string>>
  readonly route: { readonly sipUri: string; readonly domain: string; readonly expiresAt: number }
}

export interface HttpApiDeps {
  routes: Pick<LearnedRouteStore, 'list' | 'routesTo' | 'remove' | 'blockDomain' | 'unblockDomain'>
  calls: Pick<CallRecordStore, 'add' | 'list'>
  /** The outcomes of validations, newest first (GET /api/validations); without it, the list is empty. */
  validations?: { recent(limit: number): readonly { at: number; outcome: ValidationOutcome }[] }
  /** Recent ticket refusals (GET /api/activity); without it, none. */
  ticketRefusals?: { list(): readonly { at: number; code: string }[] }
  /** Runs every pending validation now; their outcomes. */
  runValidations(): Promise<readonly ValidationOutcome[]>
  /** The node's ids, ring neighbours and counters. */
  status(): Record<string, unknown>
  users: UserAccounts
  operatorToken?: string
  events: EventHub
  clock: Clock
  /** The built web app (web/dist); without it, non-API paths are 404. */
  webRoot?: string
  /** Add `Secure` to the session cookie (when the node is served over HTTPS by a proxy). */
  cookieSecure?: boolean
  /** The origin users reach the node at through a reverse proxy (https://phone.b.example): state-changing requests
   * from pages of that origin are accepted like those of the Host header's. */
  publicOrigin?: string
  sessionTtlMs?: number
  loginTokenTtlMs?: number
  loginLimits?: FailureLimits
  maxConcurrentChecks?: number
  sse?: Partial<SseOptions>
  newId?: () => string
  /** Told of handler failures (answered 500). */
  onError?: (error: unknown) => void
  /** Operator acts on the node itself; without them, their endpoints answer 404. */
  operator?: OperatorActs
  /** Prometheus exposition (GET /metrics, operator only); without it, no such endpoint. */
  metrics?: () => Promise<{ text: string; contentType: string }>
  /** More for GET /api/health (anybody may read it): e.g. whether the node is reachable from outside. */
  health?: () => Record<string, unknown>
  /** STUN and TURN servers for the softphones (GET /api/ice-servers); without it, none (host candidates only). */
  ice?: IceConfig
  /**
   * POST /api/calls/authorize: the headers by which the node vouches for one call of the signed-in user over the
   * learned route to a number (docs/protocol.md, "Caller identity"); without it, that endpoint answers 404.
   */
  authorizeCall?: (
    user: { readonly name: string; readonly number: string | null },
    number: string,
  ) => Result<CallAuthorizationDto, { status: 404 | 409; error: string }>
  /** What a signed-in softphone needs to know (domain, its SIP WebSocket port...), sent with the session. */
  softphone?: () => Record<string, unknown>
  /** The enterprise's users with their presence (GET /api/contacts); without it, that endpoint answers 404. */
  directory?: Directory
  /** Limits on inbound connections (default DEFAULT_HTTP_INBOUND_LIMITS); a request's headers are its first message. */
  inbound?: Partial<AdmissionLimits>
}

/**
 * HTTP connections (docs/security.md, "Floods of connections"): a source holds at most 128 (browsers open 6 per
 * host), of which 32 may still be sending their first request's headers; those have 5 s; 4,000 in all, of which
 * pending ones take at most 3,500.
 */
export const DEFAULT_HTTP_INBOUND_LIMITS: AdmissionLimits = {
  perSource: 128,
  perSourcePending: 32,
  max: 4_000,
  reserve: 500,
  firstMessageMs: 5_000,
}

export interface HttpApi {
  readonly auth: Authenticator
  /** The request handler, for a server of one's own. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Starts a server; port 0 picks a free one. */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>
  /** Connections held now and accepted, refused and closed by the limits, by reason. */
  connections(): { held: number; pending: number } & Readonly<AdmissionCounters>
  close(): Promise<void>
}

/** A list's `?limit=` (default 100, 1 to 1000). */
function limitOf(url: URL): Result<number, string> {
  const text = url.searchParams.get('limit') ?? '100'
  const limit = Number(text)
  if (!/^[0-9]{1,4}$/.test(text) || limit < 1 || limit > 1000) return err('limit must be a whole number from 1 to 1000')
  return ok(limit)
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** A lowercase domain name (as learned routes keep them). */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

const error = (status: number, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { error: message },
  ...(headers !== undefined && { headers }),
})
const isOperator = (p: Principal | undefined) => p?.role === 'operator'

export function createHttpApi(deps: HttpApiDeps): HttpApi {
  const auth = new Authenticator({
    users: deps.users,
    clock: deps.clock,
    ...(deps.operatorToken !== undefined && { operatorToken: deps.operatorToken }),
    ...(deps.sessionTtlMs !== undefined && { sessionTtlMs: deps.sessionTtlMs }),
    ...(deps.loginTokenTtlMs !== undefined && { loginTokenTtlMs: deps.loginTokenTtlMs }),
    ...(deps.loginLimits !== undefined && { limits: deps.loginLimits }),
    ...(deps.maxConcurrentChecks !== undefined && { maxConcurrentChecks: deps.maxConcurrentChecks }),
  })
  const sseOptions = { ...DEFAULT_SSE_OPTIONS, ...deps.sse }
  const newId = deps.newId ?? (() => `web-${randomBytes(12).toString('base64url')}`)
  const streams = new Set<SseStream>()
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const admission = new SocketAdmission({ ...DEFAULT_HTTP_INBOUND_LIMITS, ...deps.inbound })

  const sessionCookie = (token: string, maxAgeMs: number) =>
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}` +
    (deps.cookieSecure === true ? '; Secure' : '')

  const routes: RouteSpec[] = [
    {
      method: 'GET',
      path: '/api/health',
      access: 'open',
      handle: () => ({ status: 200, body: { ok: true, ...deps.health?.() } }),
    },
    {
      method: 'GET',
      path: '/metrics',
      access: 'operator',
      async handle() {
        if (deps.metrics === undefined) return error(404, 'metrics are not enabled on this node')
        const m = await deps.metrics()
        return { status: 200, body: m.text, headers: { 'content-type': m.contentType } }
      },
    },
    {
      method: 'POST',
      path: '/api/session',
      access: 'open',
      async handle({ req, address }) {
        const body = await readJsonObject(req)
        if (!body.ok) return error(body.error.status, body.error.error)
        const signed = await auth.signIn(body.value.user, body.value.password, address)
        if (!signed.ok) {
          const retry = signed.error.retryAfterS
          return error(
            signed.error.status,
            signed.error.error,
            retry === undefined ? undefined : { 'retry-after': `${retry}` },
          )
        }
        const { token, expiresAt, user } = signed.value
        // The token goes in the HttpOnly cookie; the answer carries it only to a client that asks for a bearer
        // token (a script without cookies), so that a page's scripts never see it.
        const bearer = body.value.bearer === true
        return {
          status: 200,
          body: { user: deps.users.get(user), ...(bearer && { token }), expiresAt, softphone: deps.softphone?.() },
          headers: { 'set-cookie': sessionCookie(token, expiresAt - deps.clock.now()) },
        }
      },
    },
    {
      method: 'GET',
      path: '/api/session',
      access: 'signed-in',
      handle: ({ principal: p }) => ({
        status: 200,
        body: { user: { name: p!.name, role: p!.role, number: p!.number }, via: p!.via, softphone: deps.softphone?.() },
      }),
    },
    {
      method: 'DELETE',
      path: '/api/session',
      access: 'user',
      handle({ principal }) {
        auth.signOut(principal!)
        return { status: 200, body: { signedOut: true }, headers: { 'set-cookie': sessionCookie('', 0) } }
      },
    },
    {
      method: 'GET',
      path: '/api/login',
      access: 'open',
      handle({ url }) {
        const token = url.searchParams.get('token')
        if (token === null || !/^[A-Za-z0-9_-]{1,128}$/.test(token)) {
          return error(400, 'a sign-in link needs ?token= with the token it was given')
        }
        const session = auth.redeemLoginToken(token)
        if (!session.ok) return error(401, session.error)
        return {
          status: 303,
          headers: {
            location: '/',
            'set-cookie': sessionCookie(session.value.token, session.value.expiresAt - deps.clock.now()),
          },
        }
      },
    },
    {
      method: 'GET',
      path: '/api/status',
      // The ring, counters and the list of routes are the operator page's data; a softphone needs neither.
      access: 'operator',
      handle: () => ({ status: 200, body: { ...deps.status(), http: { eventClients: streams.size } } }),
    },
    {
      method: 'GET',
      path: '/api/routes',
      access: 'operator',
      handle({ principal }) {
        const routes = deps.routes.list(deps.clock.now()).map((r) => ({
          number: r.number,
          sipUri: r.sipUri,
          domain: r.domain,
          expiresAt: r.expiresAt,
          validatedAt: r.validatedAt,
          // Evidence: distinct calls proved in a row; a candidate (not trusted) carries no calls yet.
          provenCalls: r.provenCalls ?? 1,
          trusted: r.trusted !== false,
          ...(isOperator(principal) && { claimer: r.claimer }),
        }))
        return { status: 200, body: { routes } }
      },
    },
    {
      method: 'GET',
      path: '/api/routes/:number',
      access: 'signed-in',
      handle({ params }) {
        const number = params.number!
        if (!isE164(number)) return error(400, `${JSON.stringify(number)} is not an E.164 number such as +12015550100`)
        // Never the ticket: a user learns whether a route exists; each call over it is vouched for by the node
        // (POST /api/calls/authorize).
        const routes = deps.routes.routesTo(number, deps.clock.now()).map((r) => ({
          sipUri: r.sipUri,
          domain: r.domain,
          expiresAt: r.expiresAt,
          validatedAt: r.validatedAt,
        }))
        return { status: 200, body: { number, routes } }
      },
    },
    {
      method: 'DELETE',
      path: '/api/routes/:number',
      access: 'operator',
      handle({ params }) {
        const number = params.number!
        if (!isE164(number)) return error(400, `${JSON.stringify(number)} is not an E.164 number such as +12015550100`)
        const removed = deps.routes.remove(number)
        if (removed > 0) deps.events.publish({ type: 'route-dropped', number, count: removed, reason: 'operator' })
        return { status: 200, body: { number, removed } }
      },
    },
    {
      method: 'POST',
      path: '/api/domains/:domain/block',
      access: 'operator',
      handle({ params }) {
        const domain = params.domain!.toLowerCase()
        if (!DOMAIN.test(domain)) return error(400, `${JSON.stringify(params.domain)} is not a domain name`)
        const removed = deps.routes.blockDomain(domain)
        if (removed > 0) deps.events.publish({ type: 'route-dropped', domain, count: removed, reason: 'blocked' })
        return { status: 200, body: { domain, blocked: true, routesRemoved: removed } }
      },
    },
    {
      method: 'DELETE',
      path: '/api/domains/:domain/block',
      access: 'operator',
      handle({ params }) {
        const domain = params.domain!.toLowerCase()
        if (!DOMAIN.test(domain)) return error(400, `${JSON.stringify(params.domain)} is not a domain name`)
        deps.routes.unblockDomain(domain)
        return { status: 200, body: { domain, blocked: false } }
      },
    },
    {
      method: 'GET',
      path: '/api/calls',
      access: 'signed-in',
      handle({ principal, url }) {
        const limit = limitOf(url)
        if (!limit.ok) return error(400, limit.error)
        const calls = deps.calls.list(
          isOperator(principal) ? { limit: limit.value } : { user: principal!.name, limit: limit.value },
        )
        return { status: 200, body: { calls: calls.map(callView) } }
      },
    },
    {
      method: 'GET',
      path: '/api/ice-servers',
      access: 'signed-in',
      handle: ({ principal }) => ({
        status: 200,
        body: iceServersFor(deps.ice, principal!.name, deps.clock.now()),
        headers: { 'cache-control': 'no-store' },
      }),
    },
    {
      method: 'GET',
      path: '/api/activity',
      access: 'operator',
      handle({ url }) {
        const window = url.searchParams.get('window') ?? 'hour'
        if (window !== 'hour' && window !== 'day') return error(400, 'window must be hour or day')
        const now = deps.clock.now()
        const input = {
          calls: deps.calls.list({ limit: 10_000 }),
          validations: deps.validations?.recent(1_000) ?? [],
          ticketRefusals: deps.ticketRefusals?.list() ?? [],
        }
        return { status: 200, body: activity(input, now, window) }
      },
    },
    {
      method: 'GET',
      path: '/api/validations',
      access: 'operator',
      handle({ url }) {
        const limit = limitOf(url)
        if (!limit.ok) return error(400, limit.error)
        const logged = deps.validations?.recent(limit.value) ?? []
        return { status: 200, body: { validations: logged.map((v) => ({ at: v.at, ...v.outcome })) } }
      },
    },
    {
      method: 'POST',
      path: '/api/calls/authorize',
      access: 'user',
      async handle({ req, principal }) {
        if (deps.authorizeCall === undefined) return error(404, 'this node places no calls over learned routes')
        const body = await readJsonObject(req)
        if (!body.ok) return error(body.error.status, body.error.error)
        const number = body.value.number
        if (typeof number !== 'string' || !isE164(number)) {
          return error(400, `number must be an E.164 number such as +12015550100; got ${JSON.stringify(number)}`)
        }
        const auth = deps.authorizeCall({ name: principal!.name, number: principal!.number }, number)
        if (!auth.ok) return error(auth.error.status, auth.error.error)
        return { status: 200, body: auth.value, headers: { 'cache-control': 'no-store' } }
      },
    },
    {
      method: 'POST',
      path: '/api/calls',
      access: 'user',
      async handle({ req, principal }) {
        const body = await readJsonObject(req)
        if (!body.ok) return error(body.error.status, body.error.error)
        const input = checkCallInput(body.value, principal!, deps.clock.now(), newId())
        if (!input.ok) return error(400, input.error)
        const stored = deps.calls.add(input.value)
        if (!stored.ok) return error(409, stored.error)
        deps.events.publish({ type: 'call', call: stored.value })
        return { status: 201, body: { call: callView(stored.value) } }
      },
    },
    ...operatorRoutes(deps),
    {
      method: 'POST',
      path: '/api/validation/run',
      access: 'operator',
      async handle() {
        return { status: 200, body: { outcomes: await deps.runValidations() } }
      },
    },
    {
      method: 'GET',
      path: '/api/events',
      access: 'signed-in',
      handle({ req, res, principal }) {
        if (req.method === 'HEAD') return { status: 200, headers: { 'content-type': 'text/event-stream' } }
        if (streams.size >= sseOptions.maxStreams) {
          return error(503, 'too many event streams are open on this node; try again later', { 'retry-after': '30' })
        }
        const viewer = { name: principal!.name, operator: isOperator(principal) }
        const token = principal!.token
        let unsubscribe: () => void = () => undefined
        const stream = new SseStream(
          res,
          sseOptions,
          () => {
            unsubscribe()
            streams.delete(stream)
          },
          () => token === undefined || deps.users.lookupToken(token, 'session', deps.clock.now()) !== undefined,
        )
        streams.add(stream)
        unsubscribe = deps.events.subscribe((event) => {
          if (visibleTo(viewer, event)) stream.event(event)
        })
        return STREAMING
      },
    },
  ]
  routes.push(...contactRoutes(deps.directory))
  const router = new Router(routes)

  async function route(req: IncomingMessage, res: ServerResponse, rawPath: string, url: URL): Promise<Reply | void> {
    const method = req.method ?? 'GET'
    const match = router.match(method, rawPath)
    if (match.kind === 'none') return error(404, `no API endpoint ${method} ${rawPath}`)
    if (match.kind === 'bad-path') return error(400, match.error)
    if (match.kind === 'method-not-allowed') {
      return error(405, `${method} is not allowed on ${rawPath}; use ${match.allowed.join(' or ')}`, {
        allow: match.allowed.join(', '),
      })
    }
    const { route, params } = match
    const who = auth.authenticate(req)
    const principal = who.ok ? who.value : undefined
    if (route.access !== 'open') {
      const refusal = accessRefusal(route.access, who.ok ? who.value : undefined, who.ok ? undefined : who.error)
      if (refusal !== undefined) return refusal
    }
    if (STATE_CHANGING.has(method) && req.headers.authorization === undefined && !csrfSafe(req, deps.publicOrigin)) {
      return error(403, 'a cookie-authenticated request that changes state needs the header X-IME-CSRF: 1')
    }
    const address = req.socket.remoteAddress ?? 'unknown'
    const ctx: RequestContext = { req, res, url, params, principal, address }
    const reply = await route.handle(ctx)
    if (reply === STREAMING) return
    return reply
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply | void
    try {
      const raw = req.url ?? '/'
      const rawPath = raw.split('?')[0]!
      let url: URL
      try {
        url = new URL(raw, 'http://node.invalid')
      } catch {
        return send(res, error(400, 'the request target is not a valid path'))
      }
      if (rawPath === '/api' || rawPath.startsWith('/api/') || rawPath === '/metrics')
        reply = await route(req, res, rawPath, url)
      else reply = await staticFile(req, res, rawPath)
    } catch (e) {
      deps.onError?.(e)
      reply = error(500, 'internal error; the node logged it')
    }
    if (reply !== undefined) send(res, reply)
  }

  async function staticFile(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<Reply | void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return error(405, `${req.method} is not allowed on ${rawPath}; use GET`, { allow: 'GET, HEAD' })
    }
    if (deps.webRoot === undefined) return error(404, 'this node serves no web app')
    const outcome = await serveStatic(deps.webRoot, rawPath, res, req.method === 'HEAD')
    if (!outcome.served) return error(outcome.status, outcome.error)
  }

  return {
    auth,
    handle,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        // A connection has the first-message time for its first request's headers (SocketAdmission), each later
        // request as long for its headers and 15 s for the whole request (event streams are GETs: their request is
        // complete at once; the response may last). Node checks these every connectionsCheckingInterval.
        const s = createServer(
          {
            headersTimeout: admission.limits.firstMessageMs,
            requestTimeout: Math.max(15_000, admission.limits.firstMessageMs),
            connectionsCheckingInterval: 1_000,
          },
          (req, res) => {
            admission.established(socketKey(req.socket))
            void handle(req, res)
          },
        )
        s.on('connection', (socket: Socket) => {
          if (admission.admit(socket) === undefined) return
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
        })
        s.once('error', reject)
        s.listen(port, host, () => {
          server = s
          const bound = (s.address() as AddressInfo).port
          const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
          resolve({ port: bound, url: `http://${shown}:${bound}` })
        })
      })
    },
    connections: () => ({ ...admission.held, ...admission.counters }),
    async close() {
      for (const stream of [...streams]) stream.close()
      const s = server
      server = undefined
      if (s === undefined) return
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    },
  }
}

/** Why a principal may not call an endpoint with this access (401: who are you; 403: not you), if not. */
export function accessRefusal(access: Access, principal: Principal | undefined, invalid?: string): Reply | undefined {
  if (access === 'open') return undefined
  if (principal === undefined) {
    return error(401, invalid ?? 'sign in first: POST /api/session, or send Authorization: Bearer TOKEN', {
      'www-authenticate': 'Bearer realm="ime"',
    })
  }
  if (access === 'operator' && principal.role !== 'operator') return error(403, 'this needs the operator role')
  if (access === 'user' && principal.via === 'operator-token') {
    return error(403, "this needs a user's session; the operator token is not one")
  }
  return undefined
}

/**
 * A state-changing request from a page of this origin: the custom header, or an Origin equal to this host (or to
 * the configured public origin, the reverse proxy's).
 */
function csrfSafe(req: IncomingMessage, publicOrigin: string | undefined): boolean {
  if (req.headers['x-ime-csrf'] === '1') return true
  const origin = req.headers.origin
  if (origin === undefined) return false
  if (publicOrigin !== undefined && origin === publicOrigin) return true
  const host = req.headers.host
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent) {
    res.end()
    return
  }
  // A text body (the Prometheus exposition) goes as it is, with the content type its handler gave.
  const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
  const headers: Record<string, string | string[]> = { ...JSON_HEADERS, ...reply.headers }
  if (reply.status === 413) headers.connection = 'close'
  if (body === '') delete headers['content-type']
  res.writeHead(reply.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

/** The operator's acts on the node: the SIP edge, ticket keys, published numbers. */
function operatorRoutes(deps: HttpApiDeps): RouteSpec[] {
  const acts = deps.operator
  const missing = () => error(404, 'this node has no such part (no SIP call agent, or operator acts not enabled)')
  const numberParam = (raw: string | undefined): string | Reply =>
    raw !== undefined && isE164(raw)
      ? raw
      : error(400, `${JSON.stringify(raw)} is not an E.164 number such as +12015550100`)
  return [
    {
      method: 'GET',
      path: '/api/edge',
      access: 'operator',
      handle: () => (acts ? { status: 200, body: acts.edge() } : missing()),
    },
    ...(['up', 'down'] as const).map((state): RouteSpec => ({
      method: 'POST',
      path: `/api/edge/${state}`,
      access: 'operator',
      async handle() {
        if (acts === undefined) return missing()
        const done = await acts.setEdge(state === 'up')
        deps.events.publish({ type: 'operator', act: state === 'up' ? 'edge-up' : 'edge-down' })
        return { status: 200, body: done }
      },
    })),
    {
      method: 'POST',
      path: '/api/tickets/rotate',
      access: 'operator',
      handle() {
        if (acts === undefined) return missing()
        const rotated = acts.rotateTicketKey()
        if (!rotated.ok) return error(409, rotated.error)
        deps.events.publish({ type: 'operator', act: 'ticket-key-rotated', detail: `epoch ${rotated.value.epoch}` })
        return { status: 200, body: rotated.value }
      },
    },
    {
      method: 'GET',
      path: '/api/numbers',
      access: 'operator',
      handle: () => (acts ? { status: 200, body: { numbers: acts.numbers() } } : missing()),
    },
    ...(['POST', 'DELETE'] as const).map((method): RouteSpec => ({
      method,
      path: '/api/numbers/:number',
      access: 'operator',
      async handle({ params }) {
        if (acts === undefined) return missing()
        const number = numberParam(params.number)
        if (typeof number !== 'string') return number
        const done = method === 'POST' ? await acts.publish(number) : await acts.withdraw(number)
        if (!done.ok) return error(409, done.error)
        deps.events.publish({
          type: 'operator',
          act: method === 'POST' ? 'number-published' : 'number-withdrawn',
          detail: number,
        })
        return { status: 200, body: done.value }
      },
    })),
  ]
}
