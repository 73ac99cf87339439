/**
 * A fixture SIP relay for the softphone's UI harness, NOT the project's call agent: it accepts REGISTER without
 * a challenge, forwards an INVITE to the user registered under the dialled number (rewriting the Request-URI to
 * the registered Contact, as a registrar would) and then relays every message with the same Call-ID to the other
 * side. On /drop it answers an INVITE with 100 Trying and then drops the connection. On the "IME" WebSocket it refuses INVITEs whose X-IME-Ticket is not the expected one with 403.
 */
import type { WebSocket } from 'ws'

interface Registration {
  user: string
  number: string
  contact: string
  socket: WebSocket
}

export interface SipRelayLog {
  method: string
  ruri: string
  via: 'sip' | 'ime' | 'drop'
  headers: Record<string, string>
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  l: 'content-length',
}

export function parseSip(text: string) {
  const end = text.indexOf('\r\n\r\n')
  const head = end < 0 ? text : text.slice(0, end)
  const [start = '', ...lines] = head.split('\r\n')
  const headers: [string, string][] = []
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()])
  }
  const get = (name: string) => headers.find(([n]) => n === name)?.[1]
  const request = !start.startsWith('SIP/2.0')
  const [method = '', ruri = ''] = request ? start.split(' ') : []
  return { start, request, method, ruri, headers, get, status: request ? 0 : Number(start.split(' ')[1]) }
}

export class SipRelay {
  private readonly registrations = new Map<string, Registration>()
  /** Call-ID -> the two sockets of the call. */
  private readonly calls = new Map<string, [WebSocket, WebSocket]>()
  readonly log: SipRelayLog[] = []

  constructor(
    private readonly directory: (user: string) => { number: string } | undefined,
    private readonly validTicket: () => string,
    /** Like the node: a call the relay carried for a registered user (the softphone reports only IME calls). */
    private readonly onCarried: (c: {
      user: string
      number: string
      fallback: boolean
      inbound: string | undefined
    }) => void = () => undefined,
  ) {}

  attach(socket: WebSocket, via: 'sip' | 'ime' | 'drop'): void {
    socket.on('message', (data) => this.onMessage(socket, via, data.toString()))
    socket.on('close', () => {
      for (const [k, r] of this.registrations) if (r.socket === socket) this.registrations.delete(k)
    })
  }

  isRegistered(user: string): boolean {
    return this.registrations.has(user)
  }

  private onMessage(socket: WebSocket, via: 'sip' | 'ime' | 'drop', text: string): void {
    if (text.trim() === '') return // keep-alive
    const m = parseSip(text)
    const callId = m.get('call-id') ?? ''
    if (m.request) {
      this.log.push({ method: m.method, ruri: m.ruri, via, headers: Object.fromEntries(m.headers) })
    }
    const pair = this.calls.get(callId)
    if (pair) {
      const other = pair[0] === socket ? pair[1] : pair[0]
      if (other.readyState === other.OPEN) other.send(text)
      return
    }
    if (!m.request) return
    if (m.method === 'REGISTER') return this.register(socket, m)
    if (m.method === 'ACK') return
    if (m.method !== 'INVITE') return this.reply(socket, m, 405, 'Method Not Allowed')
    // A far node that goes away mid-call setup: 100 Trying, then the connection drops.
    if (via === 'drop') {
      this.reply(socket, m, 100, 'Trying')
      setTimeout(() => socket.terminate(), 300)
      return
    }
    if (via === 'ime') {
      const ticket = m.get('x-ime-ticket')
      if (ticket === undefined) return this.reply(socket, m, 403, 'Missing ticket')
      if (ticket !== this.validTicket()) return this.reply(socket, m, 403, 'Bad signature')
    }
    const user = /^sips?:([^@;]+)@/.exec(m.ruri)?.[1]
    const target = [...this.registrations.values()].find((r) => r.number === user || r.user === user)
    if (!target) return this.reply(socket, m, 404, 'Not Found')
    this.calls.set(callId, [socket, target.socket])
    target.socket.send(text.replace(m.start, `INVITE ${target.contact} SIP/2.0`))
    if (via === 'sip') {
      const caller = [...this.registrations.values()].find((r) => r.socket === socket)
      if (caller !== undefined) {
        this.onCarried({
          user: caller.user,
          number: user ?? '',
          fallback: m.get('x-ime-fallback') === '1',
          inbound: undefined,
        })
      }
    }
  }

  private register(socket: WebSocket, m: ReturnType<typeof parseSip>): void {
    const user = /sips?:([^@;>]+)@/.exec(m.get('from') ?? '')?.[1] ?? ''
    const entry = this.directory(user)
    const contactHeader = m.get('contact') ?? ''
    const contact = /<([^>]+)>/.exec(contactHeader)?.[1] ?? contactHeader
    const expires = Number(/expires=(\d+)/.exec(contactHeader)?.[1] ?? m.get('expires') ?? 300)
    if (!entry) return this.reply(socket, m, 403, 'Unknown user')
    if (expires === 0) this.registrations.delete(user)
    else this.registrations.set(user, { user, number: entry.number, contact, socket })
    this.reply(socket, m, 200, 'OK', [`Contact: ${contactHeader}`, `Expires: ${expires}`])
  }

  private reply(socket: WebSocket, m: ReturnType<typeof parseSip>, code: number, reason: string, extra: string[] = []) {
    const copy = m.headers.filter(([n]) => n === 'via' || n === 'from' || n === 'call-id' || n === 'cseq')
    const to = m.get('to') ?? ''
    const lines = [
      `SIP/2.0 ${code} ${reason}`,
      ...copy.map(
        ([n, v]) => `${n === 'call-id' ? 'Call-ID' : n === 'cseq' ? 'CSeq' : n[0]?.toUpperCase() + n.slice(1)}: ${v}`,
      ),
      `To: ${/;tag=/.test(to) ? to : `${to};tag=relay${Math.random().toString(36).slice(2, 8)}`}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ]
    socket.send(lines.join('\r\n'))
  }
}
