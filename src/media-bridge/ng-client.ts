/**
 * A client of rtpengine's ng control protocol: UDP datagrams `<cookie> <bencoded dictionary>`, each answered by
 * one datagram that starts with the same cookie. A request that gets no answer is sent again with the same cookie
 * (rtpengine keeps the replies to recent cookies, so a retried offer is not applied twice); after the time budget
 * the result is an error that names the address and the wait, not a hang.
 */
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { isIP } from 'node:net'
import { err, ok, type Result } from '../core/result.js'
import { decodeBencode, encodeBencode, type BencodeValue } from './bencode.js'

export interface NgAddress {
  /** An IPv4 or IPv6 address (not a name: the ng port is on the node's own machine or network). */
  readonly host: string
  readonly port: number
}

export const formatNgAddress = (a: NgAddress): string =>
  a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`

export type NgDictionary = { readonly [key: string]: BencodeValue }

/**
 * Why a request failed: `unreachable` (no answer in time: down, wrong address, firewalled), `refused` (rtpengine
 * answered with an error: its reason is in the message), `bad-reply` (something answered that is not rtpengine),
 * `closed` (this client was closed).
 */
export type NgFailureKind = 'unreachable' | 'refused' | 'bad-reply' | 'closed'
export interface NgFailure {
  readonly kind: NgFailureKind
  readonly message: string
}
export type NgResult<T> = Result<T, NgFailure>
const fail = (kind: NgFailureKind, message: string) => err<NgFailure>({ kind, message })

export interface NgClientOptions {
  readonly address: NgAddress
  /** How long a request may take in all, retries included (ms). */
  readonly timeoutMs?: number
  /** How many times a request is sent within that time. */
  readonly attempts?: number
}

/** rtpengine answers most requests in well under a millisecond on the same machine; 2 s means it is not there. */
export const DEFAULT_NG_TIMEOUT_MS = 2_000
/** Sent at 0, 1/3 and 2/3 of the time budget: a lost datagram costs a third of it, not all. */
export const DEFAULT_NG_ATTEMPTS = 3

/** A call as `list` and `query` see it. */
export interface NgCallSummary {
  readonly created: number | undefined
  /** The tags (dialog sides) the call has, each with its media ports. */
  readonly tags: readonly { readonly tag: string; readonly localPorts: readonly number[] }[]
}

export interface NgClient {
  readonly address: NgAddress
  /** Sends any command; the reply's `result` is checked (an `error` result becomes an error value). */
  request(command: string, params?: NgDictionary): Promise<NgResult<NgDictionary>>
  /** Up when it answers `pong`. */
  ping(): Promise<NgResult<void>>
  /** `offer`/`answer`: the rewritten SDP for the other side. */
  offer(params: NgDictionary & { 'call-id': string; 'from-tag': string; sdp: string }): Promise<NgResult<string>>
  answer(
    params: NgDictionary & { 'call-id': string; 'from-tag': string; 'to-tag': string; sdp: string },
  ): Promise<NgResult<string>>
  /** Ends the call's session and frees its ports; an unknown call is an error (rtpengine says "Call-ID not found"). */
  delete(callId: string, params?: NgDictionary): Promise<NgResult<NgDictionary>>
  query(callId: string): Promise<NgResult<NgCallSummary>>
  /** The Call-IDs rtpengine holds (at most `limit`). */
  list(limit?: number): Promise<NgResult<string[]>>
  close(): void
}

/** Validates an ng address: an IP literal and a port in 1-65535. */
export function checkNgAddress(a: NgAddress): Result<NgAddress> {
  if (isIP(a.host) === 0) return err(`rtpengine ng address host must be an IP address, not "${a.host}"`)
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65_535) {
    return err(`rtpengine ng port must be an integer in 1-65535, not ${a.port}`)
  }
  return ok(a)
}

interface Pending {
  resolve(reply: NgResult<NgDictionary>): void
}

export function createNgClient(options: NgClientOptions): NgClient {
  const address = options.address
  const where = `rtpengine at ${formatNgAddress(address)}`
  const timeoutMs = options.timeoutMs ?? DEFAULT_NG_TIMEOUT_MS
  const attempts = Math.max(1, options.attempts ?? DEFAULT_NG_ATTEMPTS)
  const pending = new Map<string, Pending>()
  const prefix = randomBytes(6).toString('hex')
  let counter = 0
  let socket: Socket | undefined
  let closed = false

  const open = (): Socket => {
    if (socket !== undefined) return socket
    const s = createSocket(address.host.includes(':') ? 'udp6' : 'udp4')
    s.on('message', (message) => {
      const space = message.indexOf(0x20)
      if (space <= 0) return
      const cookie = message.toString('latin1', 0, space)
      const waiting = pending.get(cookie)
      if (waiting === undefined) return // a late answer to a request already answered or given up
      pending.delete(cookie)
      const decoded = decodeBencode(message.subarray(space + 1))
      if (!decoded.ok)
        return waiting.resolve(fail('bad-reply', `${where} sent a reply that is not bencode: ${decoded.error}`))
      const v = decoded.value
      if (typeof v !== 'object' || Array.isArray(v))
        return waiting.resolve(fail('bad-reply', `${where} sent a non-dictionary reply`))
      waiting.resolve(ok(v as NgDictionary))
    })
    // ICMP port unreachable shows up as an error on some systems: the retries and the timeout still decide.
    s.on('error', () => undefined)
    s.unref()
    socket = s
    return s
  }

  const request = (command: string, params: NgDictionary = {}): Promise<NgResult<NgDictionary>> => {
    if (closed) return Promise.resolve(fail('closed', `the ng client for ${where} is closed`))
    const s = open()
    const cookie = `${prefix}_${++counter}`
    const datagram = Buffer.concat([Buffer.from(`${cookie} `), encodeBencode({ ...params, command })])
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = []
      const finish = (reply: NgResult<NgDictionary>) => {
        for (const t of timers) clearTimeout(t)
        pending.delete(cookie)
        if (!reply.ok) return resolve(reply)
        const result = reply.value.result
        if (result === 'error' || result === 'load limit') {
          const reason = reply.value['error-reason']
          return resolve(
            fail('refused', `${where} refused ${command}: ${typeof reason === 'string' ? reason : String(result)}`),
          )
        }
        resolve(reply)
      }
      pending.set(cookie, { resolve: finish })
      const send = () => s.send(datagram, address.port, address.host, () => undefined)
      for (let i = 0; i < attempts; i++) timers.push(setTimeout(send, (i * timeoutMs) / attempts))
      timers.push(
        setTimeout(() => {
          const seconds = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`
          finish(
            fail(
              'unreachable',
              `${where} did not answer ${command} within ${seconds} (${attempts} tries); is it running?`,
            ),
          )
        }, timeoutMs),
      )
    })
  }

  const sdpOf =
    (command: string) =>
    (reply: NgResult<NgDictionary>): NgResult<string> => {
      if (!reply.ok) return reply
      const sdp = reply.value.sdp
      return typeof sdp === 'string' ? ok(sdp) : fail('bad-reply', `${where} answered ${command} without an SDP`)
    }

  return {
    address,
    request,
    async ping() {
      const reply = await request('ping')
      if (!reply.ok) return reply
      return reply.value.result === 'pong'
        ? ok(undefined)
        : fail('bad-reply', `${where} answered ping with ${String(reply.value.result)}`)
    },
    offer: async (params) => sdpOf('offer')(await request('offer', params)),
    answer: async (params) => sdpOf('answer')(await request('answer', params)),
    delete: (callId, params = {}) => request('delete', { ...params, 'call-id': callId }),
    async query(callId) {
      const reply = await request('query', { 'call-id': callId })
      if (!reply.ok) return reply
      return ok(callSummary(reply.value))
    },
    async list(limit = 1_000) {
      const reply = await request('list', { limit })
      if (!reply.ok) return reply
      const calls = reply.value.calls
      if (!Array.isArray(calls)) return fail('bad-reply', `${where} answered list without a calls list`)
      return ok((calls as BencodeValue[]).filter((c): c is string => typeof c === 'string'))
    },
    close() {
      closed = true
      for (const [cookie, p] of pending) {
        pending.delete(cookie)
        p.resolve(fail('closed', `the ng client for ${where} was closed before rtpengine answered`))
      }
      socket?.close()
      socket = undefined
    },
  }
}

/** The parts of a `query` reply a leak check needs: each tag and the local ports of its media streams. */
export function callSummary(reply: NgDictionary): NgCallSummary {
  const dict = (v: BencodeValue | undefined): NgDictionary =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as NgDictionary) : {}
  const list = (v: BencodeValue | undefined): readonly BencodeValue[] => (Array.isArray(v) ? v : [])
  const tags = Object.entries(dict(reply.tags)).map(([tag, info]) => {
    const localPorts: number[] = []
    for (const media of list(dict(info).medias)) {
      for (const stream of list(dict(media).streams)) {
        const port = dict(stream)['local port']
        if (typeof port === 'number' && port > 0) localPorts.push(port)
      }
    }
    return { tag, localPorts }
  })
  return { created: typeof reply.created === 'number' ? reply.created : undefined, tags }
}
