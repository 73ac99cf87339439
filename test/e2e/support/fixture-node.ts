/**
 * A stand-in node for the softphone's UI harness: serves a built web/dist and answers the HTTP API from fixtures
 * (users, learned routes, call history, status) in the shapes of docs/http-api.md on the http branch (the
 * session names no domain and no SIP WebSocket; POST /api/calls refuses unknown fields), with a fixture SIP relay on /sip (the node's internal SIP
 * WebSocket), /ime (another domain's public SIP WebSocket) and /drop (one that drops the connection
 * after an INVITE). It is not the project's node or call agent.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { WebSocketServer } from 'ws'
import { SipRelay } from './sip-relay.js'

export interface FixtureUser {
  name: string
  password: string
  number: string
}

export interface FixtureRoute {
  number: string
  sipUri: string
  domain: string
  ticket: string
  expiresAt: number
  validatedAt: number
  wsUrl?: string
}

export interface FixtureCall {
  id: string
  user: string
  direction: 'in' | 'out'
  from: string
  to: string
  start: number
  end?: number
  answeredAt?: number
  path: 'ime' | 'pstn'
  fallback: boolean
  outcome: string
}

export interface FixtureNodeOptions {
  distDir: string
  domain: string
  users: FixtureUser[]
  operatorToken: string
  status: unknown
  calls?: FixtureCall[]
}

const HOUR = 3600_000

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

export async function startFixtureNode(options: FixtureNodeOptions) {
  const sessions = new Map<string, string>() // token -> user name ('' for the operator)
  sessions.set(options.operatorToken, '')
  const routes = new Map<string, FixtureRoute[]>()
  const calls: FixtureCall[] = [...(options.calls ?? [])]
  const posted: unknown[] = []
  const streams = new Set<ServerResponse>()
  let validTicket = 'good-ticket'
  let eventId = 0
  const relay = new SipRelay(
    (user) => options.users.find((u) => u.name === user),
    () => validTicket,
    ({ user, number, fallback }) => {
      const caller = options.users.find((u) => u.name === user)
      const now = Date.now()
      const call: FixtureCall = {
        id: `c${calls.length + 1}`,
        user,
        direction: 'out',
        from: caller?.number ?? '',
        to: number,
        start: now,
        end: now,
        path: 'pstn',
        fallback,
        outcome: 'answered',
      }
      calls.push(call)
      emit('call', { call })
    },
  )

  const emit = (event: string, data: Record<string, unknown>) => {
    const seq = ++eventId
    const json = JSON.stringify({ type: event, seq, at: Date.now(), ...data })
    const text = `id: ${seq}\nevent: ${event}\ndata: ${json}\n\n`
    for (const s of streams) s.write(text)
  }

  const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers })
    res.end(body === undefined ? '' : JSON.stringify(body))
  }

  const who = (req: IncomingMessage): string | undefined => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const cookie = /(?:^|;\s*)ime_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    return sessions.get(bearer ?? cookie ?? '')
  }

  const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = ''
    for await (const chunk of req) text += String(chunk)
    try {
      return JSON.parse(text) as Record<string, unknown>
    } catch {
      return {}
    }
  }

  const userJson = (u: FixtureUser) => ({ name: u.name, role: 'user', number: u.number })
  const loginTokens = new Map<string, string>()
  const FIELDS = ['number', 'start', 'end', 'path', 'fallback', 'outcome', 'direction']
  const OUTCOMES = ['answered', 'busy', 'no-answer', 'rejected', 'failed']
  const newSession = (name: string) => {
    const token = randomBytes(16).toString('base64url')
    sessions.set(token, name)
    return { token, cookie: `ime_session=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200` }
  }

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const method = req.method ?? 'GET'
    const path = url.pathname
    if (method !== 'GET' && req.headers['x-ime-csrf'] !== '1') return json(res, 403, { error: 'missing X-IME-CSRF' })
    if (path === '/api/session' && method === 'POST') {
      const b = await body(req)
      const user = options.users.find((u) => u.name === b.user && u.password === b.password)
      if (!user) return json(res, 401, { error: 'unknown user or wrong password' })
      const { token, cookie } = newSession(user.name)
      const answer = { user: userJson(user), token, expiresAt: Date.now() + 12 * HOUR }
      return json(res, 200, answer, { 'Set-Cookie': cookie })
    }
    if (path === '/api/login' && method === 'GET') {
      const name = loginTokens.get(url.searchParams.get('token') ?? '')
      if (name === undefined) return json(res, 401, { error: 'this sign-in link is unknown, used already or expired' })
      loginTokens.clear()
      res.writeHead(303, { Location: '/', 'Set-Cookie': newSession(name).cookie })
      return res.end()
    }
    const name = who(req)
    if (name === undefined) return json(res, 401, { error: 'sign in first' })
    const user = options.users.find((u) => u.name === name)
    if (path === '/api/session' && method === 'DELETE') return json(res, 200, { signedOut: true })
    if (path === '/api/session' && user) return json(res, 200, { user: userJson(user), via: 'cookie' })
    if (path === '/api/status') return json(res, 200, options.status)
    if (path === '/api/validations') return json(res, 200, { validations: [] })
    // The softphone's contacts card asks for the directory; this fixture keeps none (contacts are tested across
    // the demo world, test/e2e/app.e2e.test.ts).
    if (path === '/api/contacts') return json(res, 200, { contacts: [] })
    // No STUN or TURN: every page and the fixture's relay are on this machine.
    if (path === '/api/ice-servers' && user) {
      return json(res, 200, { iceServers: [], iceTransportPolicy: 'all', expiresAt: Date.now() + 3_600_000 })
    }
    if (path === '/api/activity') {
      // As the node answers it (src/http/activity.ts): counts per bucket, oldest first.
      const window = url.searchParams.get('window') === 'day' ? 'day' : 'hour'
      const buckets = window === 'hour' ? 12 : 24
      const bucketMs = window === 'hour' ? 300_000 : 3_600_000
      const last = (n: number) => [...new Array<number>(buckets - 1).fill(0), n]
      return json(res, 200, {
        window,
        from: Date.now() - buckets * bucketMs,
        bucketMs,
        calls: { pstn: last(1), ime: last(2) },
        validations: { validated: last(1) },
        conflicts: {},
        ticketRefusals: { 403: last(1) },
        conflictedNumbers: [],
      })
    }
    if (path === '/api/routes') {
      return json(res, 200, { routes: [...routes.values()].flat().map(({ ticket: _ticket, ...r }) => r) })
    }
    const m = /^\/api\/routes\/([^/]+)$/.exec(path)
    if (m?.[1]) {
      const number = decodeURIComponent(m[1])
      const list = (routes.get(number) ?? []).map(({ number: _n, ticket: _t, ...r }) => r)
      return json(res, 200, { number, routes: list })
    }
    // As the node vouches for one call (src/http/api.ts): the route's ticket, and an assertion (a stand-in here:
    // the fixture relay checks only the ticket).
    if (path === '/api/calls/authorize' && method === 'POST' && user) {
      const number = String((await body(req)).number)
      const route = routes.get(number)?.[0]
      if (route === undefined) return json(res, 404, { error: `no learned route to ${number}` })
      const headers = { 'X-IME-Ticket': route.ticket, Identity: `fixture.assertion.for-${user.name}` }
      return json(res, 200, {
        headers,
        route: { sipUri: route.sipUri, domain: route.domain, expiresAt: route.expiresAt },
      })
    }
    if (path === '/api/calls' && method === 'GET') {
      const mine = calls.filter((c) => c.user === name).sort((a, b) => b.start - a.start)
      const view = mine.map(({ answeredAt: _a, ...c }) => ({
        ...c,
        direction: c.direction === 'in' ? 'inbound' : 'outbound',
      }))
      return json(res, 200, { calls: view })
    }
    if (path === '/api/calls' && method === 'POST' && user) {
      const b = await body(req)
      posted.push({ user: name, ...b })
      // As strict as the node (src/http/call-input.ts on the http branch).
      const unknown = Object.keys(b).filter((k) => !FIELDS.includes(k))
      if (unknown.length > 0) return json(res, 400, { error: `unknown field ${unknown[0]}` })
      if (!OUTCOMES.includes(String(b.outcome))) return json(res, 400, { error: 'bad outcome' })
      if (b.direction !== 'outbound' && b.direction !== 'inbound') return json(res, 400, { error: 'bad direction' })
      if (b.fallback === true && b.path !== 'pstn') return json(res, 400, { error: 'fallback needs path pstn' })
      const out = b.direction === 'outbound'
      const call: FixtureCall = {
        id: `c${calls.length + 1}`,
        user: name,
        direction: out ? 'out' : 'in',
        from: out ? user.number : String(b.number),
        to: out ? String(b.number) : user.number,
        start: Number(b.start),
        end: Number(b.end),
        path: b.path === 'ime' ? 'ime' : 'pstn',
        fallback: b.fallback === true,
        outcome: String(b.outcome),
      }
      calls.push(call)
      emit('call', { call })
      return json(res, 201, { call })
    }
    if (path === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
      res.write(': hello\n\n')
      streams.add(res)
      req.on('close', () => streams.delete(res))
      return
    }
    return json(res, 404, { error: `no ${method} ${path}` })
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch((e: unknown) => json(res, 500, { error: String(e) }))
      return
    }
    const file = url.pathname === '/' ? '/index.html' : url.pathname
    const full = normalize(join(options.distDir, file))
    if (!full.startsWith(options.distDir)) return json(res, 403, { error: 'no' })
    readFile(full).then(
      (data) => {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(full)] ?? 'application/octet-stream',
          // The node's policy (src/http/static.ts on the http branch), so that the harness sees what it refuses.
          'Content-Security-Policy':
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; " +
            "form-action 'self'; object-src 'none'",
        })
        res.end(data)
      },
      () => json(res, 404, { error: 'not found' }),
    )
  })

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  })
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== '/sip' && path !== '/ime' && path !== '/drop') return socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => relay.attach(ws, path.slice(1) as 'sip' | 'ime' | 'drop'))
  })

  // A TCP port that accepts connections and never answers: a far node whose WebSocket never opens.
  const held = new Set<Socket>()
  const blackhole = createTcpServer((socket) => {
    held.add(socket)
    socket.on('close', () => held.delete(socket))
  })
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve))
  const blackholePort = (blackhole.address() as AddressInfo).port

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://localhost:${port}`
  const wsBase = `ws://localhost:${port}`

  return {
    url,
    wsBase,
    relay,
    calls,
    posted,
    emit,
    setRoutes(number: string, list: FixtureRoute[]) {
      routes.set(number, list)
    },
    /** A one-time sign-in link, as node.http.loginUrl(user) makes. */
    loginUrl(user: string) {
      const token = randomBytes(12).toString('base64url')
      loginTokens.set(token, user)
      return `${url}/api/login?token=${token}`
    },
    setValidTicket(ticket: string) {
      validTicket = ticket
    },
    /** ws:// URL of a far node that accepts TCP but never completes the WebSocket handshake. */
    blackholeWsUrl: `ws://localhost:${blackholePort}/`,
    /** Cuts every SIP WebSocket, as a node restart would. */
    dropSip() {
      for (const c of wss.clients) c.terminate()
    },
    async close() {
      for (const s of streams) s.end()
      for (const c of wss.clients) c.terminate()
      for (const c of held) c.destroy()
      blackhole.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type FixtureNode = Awaited<ReturnType<typeof startFixtureNode>>
