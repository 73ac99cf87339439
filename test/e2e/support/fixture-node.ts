/**
 * A stand-in node for the softphone's UI harness: serves a built web/dist and answers the HTTP API from fixtures
 * (users, learned routes, call history, status), with a fixture SIP relay on /sip (the node's internal SIP
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
  )

  const emit = (event: string, data: unknown) => {
    const text = `id: ${++eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`
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

  let wsBase = ''
  const userJson = (u: FixtureUser) => ({
    name: u.name,
    number: u.number,
    domain: options.domain,
    sipWsUrl: `${wsBase}/sip`,
  })

  const api = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const method = req.method ?? 'GET'
    if (method !== 'GET' && req.headers['x-ime-csrf'] !== '1') return json(res, 403, { error: 'missing X-IME-CSRF' })
    if (path === '/api/session' && method === 'POST') {
      const b = await body(req)
      const user = options.users.find((u) => u.name === b.user && u.password === b.password)
      if (!user) return json(res, 401, { error: 'wrong user name or password' })
      const token = randomBytes(16).toString('base64url')
      sessions.set(token, user.name)
      const cookie = `ime_session=${token}; HttpOnly; SameSite=Strict; Path=/`
      return json(
        res,
        200,
        { token, expiresAt: Date.now() + 8 * 3600_000, user: userJson(user) },
        { 'Set-Cookie': cookie },
      )
    }
    const name = who(req)
    if (name === undefined) return json(res, 401, { error: 'sign in first' })
    const user = options.users.find((u) => u.name === name)
    if (path === '/api/session' && method === 'DELETE') return json(res, 204, undefined)
    if (path === '/api/me' && user) return json(res, 200, userJson(user))
    if (path === '/api/status') return json(res, 200, options.status)
    if (path === '/api/routes') return json(res, 200, [...routes.values()].flat())
    const m = /^\/api\/routes\/([^/]+)$/.exec(path)
    if (m?.[1]) return json(res, 200, routes.get(decodeURIComponent(m[1])) ?? [])
    if (path === '/api/calls' && method === 'GET') {
      const mine = calls.filter((c) => c.user === name)
      return json(
        res,
        200,
        mine.map(({ user: _user, ...c }) => c),
      )
    }
    if (path === '/api/calls' && method === 'POST' && user) {
      const b = await body(req)
      posted.push({ user: name, ...b })
      const out = b.direction !== 'in'
      const call: FixtureCall = {
        id: `c${calls.length + 1}`,
        user: name,
        direction: out ? 'out' : 'in',
        from: out ? user.number : String(b.number),
        to: out ? String(b.number) : user.number,
        start: Number(b.start),
        end: Number(b.end),
        ...(typeof b.answeredAt === 'number' ? { answeredAt: b.answeredAt } : {}),
        path: b.path === 'ime' ? 'ime' : 'pstn',
        fallback: b.fallback === true,
        outcome: String(b.outcome),
      }
      calls.push(call)
      emit('call', call)
      return json(res, 201, call)
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
      api(req, res, url.pathname).catch((e: unknown) => json(res, 500, { error: String(e) }))
      return
    }
    const file = url.pathname === '/' ? '/index.html' : url.pathname
    const full = normalize(join(options.distDir, file))
    if (!full.startsWith(options.distDir)) return json(res, 403, { error: 'no' })
    readFile(full).then(
      (data) => {
        res.writeHead(200, { 'Content-Type': TYPES[extname(full)] ?? 'application/octet-stream' })
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
  wsBase = `ws://localhost:${port}`

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
