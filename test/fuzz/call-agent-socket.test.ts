/**
 * The SIP call agent on real sockets, fed mutated messages over TCP and WebSocket at its edge and internal ports: the process
 * must not crash (no uncaught exception), each refused request that can be answered is answered with the
 * parser's status, a stream that cannot be trusted is closed, and afterwards the agent still answers OPTIONS.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import fc from 'fast-check'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/core/clock.js'
import { CallAgent } from '../../src/sip/agent/index.js'
import { StaticSipDirectory } from '../../src/testing/static-sip-directory.js'
import { parseMessage } from '../../src/sip/message/parser.js'
import { SipStreamFramer, type StreamItem } from '../../src/sip/transport/index.js'
import { MemoryTicketKeyStore, TicketKeyRing } from '../../src/tickets/key-ring.js'
import { edgeCallerCheck } from '../../src/node/caller-identity.js'
import type { E164 } from '../../src/core/e164.js'
import { SIP_CORPUS, sip } from '../../src/testing/sip-corpus.js'
import { mutate, mutations, showBytes } from '../../src/testing/fuzz/mutate.js'

const INPUTS = Number(process.env.FUZZ_SOCKET_RUNS ?? 200)
const CONCURRENCY = 10
/** How long a connection is watched for answers after the last byte was sent (ms). */
const QUIET_MS = 150

const rand = (k: number) => new Uint8Array(randomBytes(k))

interface Seen {
  /** Status codes of the responses that came back (read from their status lines: an answer to a malformed
   * request copies its malformed headers, so a strict parser would refuse it). */
  statuses: number[]
  closed: boolean
}

/** Sends `bytes` (in two pieces) and collects what comes back until the server closes or goes quiet. */
function exchange(port: number, bytes: Uint8Array, cut: number): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { statuses: [], closed: false }
    let received = ''
    const socket: Socket = connect(port, '127.0.0.1')
    let timer: NodeJS.Timeout | undefined
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(seen)
    }
    const quiet = () => {
      clearTimeout(timer)
      timer = setTimeout(finish, QUIET_MS)
    }
    socket.on('connect', () => {
      const at = Math.min(cut, bytes.length)
      socket.write(bytes.subarray(0, at))
      socket.write(bytes.subarray(at))
      quiet()
    })
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      seen.statuses = [...received.matchAll(/(?:^|\r\n)SIP\/2\.0 (\d{3}) /g)].map((m) => Number(m[1]))
      quiet()
    })
    socket.on('end', () => {
      seen.closed = true
      finish()
    })
    socket.on('error', () => {
      seen.closed = true
      finish()
    })
  })
}

/** Sends `bytes` as one WebSocket frame (RFC 7118) and collects the answers until close or quiet. */
function exchangeWs(port: number, bytes: Uint8Array): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { statuses: [], closed: false }
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'sip')
    let timer: NodeJS.Timeout | undefined
    const finish = () => {
      clearTimeout(timer)
      ws.terminate()
      resolve(seen)
    }
    const quiet = () => {
      clearTimeout(timer)
      timer = setTimeout(finish, QUIET_MS)
    }
    ws.on('open', () => {
      ws.send(bytes)
      quiet()
    })
    ws.on('message', (data: Buffer) => {
      const status = /^SIP\/2\.0 (\d{3}) /.exec(data.toString('latin1'))
      if (status !== null) seen.statuses.push(Number(status[1]))
      quiet()
    })
    ws.on('close', () => {
      seen.closed = true
      finish()
    })
    ws.on('error', () => {
      seen.closed = true
      finish()
    })
  })
}

const OPTIONS = sip([
  'OPTIONS sip:ime.example SIP/2.0',
  'Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKprobe',
  'Max-Forwards: 70',
  'From: <sip:probe@example.com>;tag=p1',
  'To: <sip:ime.example>',
  'Call-ID: probe',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
])

describe('call agent under mutated SIP over TCP and WebSocket', () => {
  let agent: CallAgent
  const uncaught: unknown[] = []
  const record = (e: unknown) => void uncaught.push(e)

  beforeAll(async () => {
    process.on('uncaughtException', record)
    process.on('unhandledRejection', record)
    const keys = new TicketKeyRing(new MemoryTicketKeyStore(), rand)
    agent = await CallAgent.start({
      domain: 'ime.example',
      host: '127.0.0.1',
      edge: { tcpPort: 0, wsPort: 0 },
      internal: { tcpPort: 0, wsPort: 0 },
      directory: new StaticSipDirectory('ime.example', [
        { name: 'alice', number: '+12025550100' as E164, password: 'pw' },
      ]),
      routeTo: () => undefined,
      checkCaller: edgeCallerCheck({ ticketKeys: keys, clock: systemClock }).check,
      vouchFor: () => ({ ok: false, error: 'no calls over learned routes here' }),
      clock: systemClock,
      imeTimeoutMs: 500,
    })
  })

  afterAll(async () => {
    await agent?.stop()
    process.off('uncaughtException', record)
    process.off('unhandledRejection', record)
  })

  it('answers or closes on every mutated message, never crashes, and still answers OPTIONS', async () => {
    const inputs = fc.sample(
      fc.record({
        seed: fc.nat(SIP_CORPUS.length - 1),
        mutations: mutations(3),
        edge: fc.boolean(),
        cut: fc.nat(400),
      }),
      { numRuns: INPUTS, seed: Number(process.env.FUZZ_SEED ?? 4475) },
    )
    const problems: string[] = []
    let answered = 0
    let closed = 0
    const one = async (input: (typeof inputs)[number]) => {
      const bytes = mutate(SIP_CORPUS[input.seed]!.bytes, input.mutations)
      const port = input.edge ? agent.addresses.edge.tcp! : agent.addresses.internal.tcp!
      const seen = await exchange(port, bytes, input.cut)
      // What the agent's own framer makes of the bytes: each answerable refusal must be answered with its status.
      const items: StreamItem[] = new SipStreamFramer().push(bytes)
      for (const item of items) {
        if (item.kind !== 'invalid') continue
        if (item.error.request !== undefined && !seen.statuses.includes(item.error.status))
          problems.push(`no ${item.error.status} (${item.error.reason}) for ${showBytes(bytes, 200)}`)
        if (item.error.close && !seen.closed) problems.push(`not closed after "${item.error.reason}"`)
      }
      if (seen.statuses.length > 0) answered++
      if (seen.closed) closed++
    }
    for (let i = 0; i < inputs.length; i += CONCURRENCY) await Promise.all(inputs.slice(i, i + CONCURRENCY).map(one))
    expect(uncaught).toEqual([])
    expect(problems.slice(0, 5)).toEqual([])
    expect(answered + closed).toBeGreaterThan(INPUTS / 2)
    for (const port of [agent.addresses.edge.tcp!, agent.addresses.internal.tcp!]) {
      const seen = await exchange(port, OPTIONS, OPTIONS.length)
      expect(seen.statuses).toEqual([200])
    }
  }, 120_000)

  it('does the same over WebSocket, one mutated message per frame', async () => {
    const inputs = fc.sample(
      fc.record({ seed: fc.nat(SIP_CORPUS.length - 1), mutations: mutations(3), edge: fc.boolean() }),
      { numRuns: INPUTS, seed: Number(process.env.FUZZ_SEED ?? 7118) },
    )
    const problems: string[] = []
    const one = async (input: (typeof inputs)[number]) => {
      const bytes = mutate(SIP_CORPUS[input.seed]!.bytes, input.mutations)
      const port = input.edge ? agent.addresses.edge.ws! : agent.addresses.internal.ws!
      const seen = await exchangeWs(port, bytes)
      const r = parseMessage(bytes)
      if (r.ok) return
      if (r.error.request !== undefined && !seen.statuses.includes(r.error.status))
        problems.push(`no ${r.error.status} (${r.error.reason}) for ${showBytes(bytes, 200)}`)
      if (r.error.close && !seen.closed) problems.push(`not closed after "${r.error.reason}"`)
    }
    for (let i = 0; i < inputs.length; i += CONCURRENCY) await Promise.all(inputs.slice(i, i + CONCURRENCY).map(one))
    expect(uncaught).toEqual([])
    expect(problems.slice(0, 5)).toEqual([])
    for (const port of [agent.addresses.edge.ws!, agent.addresses.internal.ws!]) {
      const seen = await exchangeWs(port, OPTIONS)
      expect(seen.statuses).toEqual([200])
    }
  }, 120_000)
})
