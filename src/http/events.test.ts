import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import type { CallRecord } from '../validation/call-record.js'
import { EventHub, validationEvents, visibleTo } from './events.js'
import { SseStream } from './sse.js'
import { OPERATOR_TOKEN, START, startTestNode, type TestNode } from '../testing/http-test-node.js'

const nodes: TestNode[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
})

const call = (id: string, user: string): CallRecord => ({
  id,
  direction: 'outbound',
  caller: '+12015550100' as E164,
  called: '+12025550102' as E164,
  start: START,
  end: START + 60_000,
  path: 'pstn',
  outcome: 'answered',
  user,
})

/** Reads an event stream until `until` matches what has arrived; returns all of it. */
async function readUntil(body: ReadableStream<Uint8Array>, until: RegExp): Promise<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!until.test(text)) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  reader.releaseLock()
  return text
}

const waitFor = async (condition: () => boolean) => {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(condition()).toBe(true)
}

describe('event stream', () => {
  it('sends a user their own calls only, the operator everything, with heartbeats; cleans up on disconnect', async () => {
    const node = await startTestNode({ sse: { heartbeatMs: 30 } })
    nodes.push(node)
    const aborts = [new AbortController(), new AbortController()]
    const [alice, operator] = await Promise.all([
      fetch(node.url + '/api/events', {
        headers: { cookie: `ime_session=${node.session('alice')}` },
        signal: aborts[0]!.signal,
      }),
      fetch(node.url + '/api/events', {
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        signal: aborts[1]!.signal,
      }),
    ])
    expect(alice.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(alice.headers.get('cache-control')).toBe('no-store')
    const head = await fetch(node.url + '/api/events', {
      method: 'HEAD',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    })
    expect(head.status).toBe(200)
    await waitFor(() => node.events.subscribers === 2)
    node.events.publish({ type: 'call', call: call('bob-1', 'bob') })
    node.events.publish({
      type: 'validation',
      outcome: { callId: 'x', number: '+12025550102' as E164, outcome: 'no-claim', kind: 'first', dropped: false },
    })
    node.events.publish({ type: 'call', call: call('alice-1', 'alice') })
    const seen = await readUntil(alice.body!, /alice-1[^\n]*\n\n[^]*: heartbeat\n\n/)
    expect(seen).toMatch(/^retry: 3000\n: connected\n\n/)
    expect(seen).toContain('id: 3\nevent: call\ndata: {"type":"call","call":{"id":"alice-1"')
    expect(seen).not.toContain('bob-1')
    expect(seen).not.toContain('validation')
    const all = await readUntil(operator.body!, /alice-1/)
    expect(all).toContain('bob-1')
    expect(all).toContain('event: validation\n')
    aborts.forEach((a) => a.abort())
    await waitFor(() => node.events.subscribers === 0)
  })

  it('closes a stream when its session ends, and refuses streams past the limit', async () => {
    const node = await startTestNode({ sse: { heartbeatMs: 20, maxStreams: 1 } })
    nodes.push(node)
    const token = node.session('alice')
    const stream = await fetch(node.url + '/api/events', { headers: { authorization: `Bearer ${token}` } })
    const second = await fetch(node.url + '/api/events', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    expect(second.status).toBe(503)
    expect(await second.json()).toEqual({ error: 'too many event streams are open on this node; try again later' })
    node.users.revokeToken(token)
    const text = await readUntil(stream.body!, /(?!)/) // to the end: the node closes the stream
    expect(text).toMatch(/^retry: 3000/)
    await waitFor(() => node.events.subscribers === 0)
  })

  it('publishes a call a user records to their stream', async () => {
    const node = await startTestNode()
    nodes.push(node)
    const abort = new AbortController()
    const token = node.session('alice')
    const stream = await fetch(node.url + '/api/events', {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    })
    await fetch(node.url + '/api/calls', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: '+12025550102', start: START - 9000, end: START, path: 'ime', outcome: 'busy' }),
    })
    expect(await readUntil(stream.body!, /event: call\n/)).toMatch(/"outcome":"busy"/)
    abort.abort()
  })
})

describe('event hub', () => {
  it('numbers and stamps events, survives a throwing subscriber, and unsubscribes', () => {
    const hub = new EventHub(new ManualClock(42))
    const got: number[] = []
    hub.subscribe(() => {
      throw new Error('broken')
    })
    const off = hub.subscribe((e) => got.push(e.seq))
    expect(hub.publish({ type: 'ring', change: 'left', node: null })).toMatchObject({ seq: 1, at: 42 })
    off()
    hub.publish({ type: 'ring', change: 'left', node: null })
    expect(got).toEqual([1])
    expect(hub.subscribers).toBe(1)
  })

  it('shows users only their own calls', () => {
    const event = { type: 'call' as const, call: call('c', 'alice') }
    expect(visibleTo({ name: 'alice', operator: false }, event)).toBe(true)
    expect(visibleTo({ name: 'bob', operator: false }, event)).toBe(false)
    expect(visibleTo({ name: 'bob', operator: false }, { type: 'ring', change: 'left', node: null })).toBe(false)
    expect(visibleTo({ name: 'olga', operator: true }, event)).toBe(true)
  })
})

describe('a slow event stream client', () => {
  class SlowResponse extends EventEmitter {
    written: string[] = []
    ended = false
    accept = true
    writeHead() {
      return this
    }
    write(text: string) {
      this.written.push(text)
      return this.accept
    }
    end() {
      this.ended = true
    }
  }

  it('queues a bounded number of events while the socket is full, then drops the client', () => {
    const res = new SlowResponse()
    let closed = 0
    const stream = new SseStream(
      res as unknown as ServerResponse,
      { heartbeatMs: 60_000, maxQueued: 3, maxStreams: 1 },
      () => closed++,
    )
    const hub = new EventHub(new ManualClock(1))
    res.accept = false
    hub.subscribe((e) => stream.event(e))
    hub.publish({ type: 'ring', change: 'left', node: null }) // written; the socket is now full
    for (let i = 0; i < 3; i++) hub.publish({ type: 'ring', change: 'left', node: null })
    expect(stream.queued).toBe(3)
    res.accept = true
    res.emit('drain')
    expect(stream.queued).toBe(0)
    expect(res.written.filter((t) => t.startsWith('id:')).length).toBe(4)
    res.accept = false
    for (let i = 0; i < 5; i++) hub.publish({ type: 'ring', change: 'left', node: null })
    expect(stream.isClosed).toBe(true)
    expect(res.ended).toBe(true)
    expect(closed).toBe(1)
  })
})

describe('validation events', () => {
  const base = { callId: 'out-1', number: '+12025550102' as E164, kind: 'first' as const, dropped: false }
  it('a trusted route is learned; a candidate is announced as one; a conflict is its own event', () => {
    expect(
      validationEvents({ ...base, outcome: 'validated', domain: 'b.example', trusted: true }).map((e) => e.type),
    ).toEqual(['validation', 'route-learned'])
    const conflict = validationEvents({
      ...base,
      outcome: 'validated',
      domain: 'c.example',
      trusted: false,
      provenCalls: 1,
      proofsNeeded: 3,
      conflictWith: 'b.example',
    })
    expect(conflict.slice(1)).toEqual([
      { type: 'route-candidate', number: base.number, domain: 'c.example', provenCalls: 1, proofsNeeded: 3 },
      {
        type: 'route-conflict',
        number: base.number,
        domain: 'c.example',
        established: 'b.example',
        trusted: false,
        provenCalls: 1,
        proofsNeeded: 3,
      },
    ])
    expect(validationEvents({ ...base, outcome: 'failed', failure: 'not-proven' })).toHaveLength(1)
  })
})
