/**
 * The ng client against a real rtpengine (started by the launcher): ping, offer, answer, query, list and delete
 * change and report rtpengine's state; a lost datagram is retried under the same cookie; a bridge
 * that is down, or something that answers with garbage, gives an error that names the address.
 */
import { createSocket, type Socket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNgClient, type NgClient } from '../../src/media-bridge/ng-client.js'
import { startRtpengine, type RtpengineProcess } from '../../src/media-bridge/rtpengine.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { audioOf, plainSdp } from '../../src/testing/rtp/plain-sdp.js'

/** A plain RTP/AVP G.711 offer, as a trunk or a legacy phone sends it. */
const plainOffer = (port: number) => plainSdp({ address: LOCALHOST, port })

let engine: RtpengineProcess
let client: NgClient
let mediaMin: number

beforeAll(async () => {
  mediaMin = await freePorts(40)
  engine = await startRtpengine({
    ng: { host: LOCALHOST, port: await freePorts(1) },
    mediaAddress: LOCALHOST,
    mediaPorts: { min: mediaMin, max: mediaMin + 39 },
  })
  client = createNgClient({ address: engine.ng })
}, 30_000)
afterAll(async () => {
  client?.close()
  await engine?.stop()
})

describe('ng client against rtpengine', () => {
  it('pings', async () => {
    expect(await client.ping()).toEqual({ ok: true, value: undefined })
  })

  it('offer, answer, query, list and delete: the session holds ports from the range, then none is left', async () => {
    const callId = `ng-test-${Date.now()}`
    const offer = await client.offer({ 'call-id': callId, 'from-tag': 'caller', sdp: plainOffer(40_000) })
    expect(offer.ok, offer.ok ? '' : offer.error.message).toBe(true)
    const offered = offer.ok ? offer.value : ''
    const port = Number(/^m=audio (\d+) RTP\/AVP/m.exec(offered)?.[1])
    expect(port).toBeGreaterThanOrEqual(mediaMin)
    expect(port).toBeLessThanOrEqual(mediaMin + 39)

    const answer = await client.answer({
      'call-id': callId,
      'from-tag': 'caller',
      'to-tag': 'callee',
      sdp: plainOffer(40_010),
    })
    expect(answer.ok, answer.ok ? '' : answer.error.message).toBe(true)

    expect(await client.list()).toEqual({ ok: true, value: [callId] })
    const query = await client.query(callId)
    expect(query.ok).toBe(true)
    const tags = query.ok ? query.value.tags : []
    expect(tags.map((t) => t.tag).sort()).toEqual(['callee', 'caller'])
    for (const t of tags) {
      expect(t.localPorts.length).toBe(2) // RTP and RTCP
      for (const p of t.localPorts) expect(p >= mediaMin && p <= mediaMin + 39).toBe(true)
    }

    expect((await client.delete(callId)).ok).toBe(true)
    expect(await client.list()).toEqual({ ok: true, value: [] })
    const gone = await client.query(callId)
    expect(gone.ok).toBe(false)
    if (!gone.ok) expect(gone.error.message).toMatch(/refused query: Unknown call-id/i)
    // Every port of the range can be bound again: rtpengine holds none.
    const sockets: Socket[] = []
    try {
      for (const t of tags) {
        for (const p of t.localPorts) {
          const s = createSocket('udp4')
          sockets.push(s)
          await new Promise<void>((resolve, reject) => {
            s.once('error', reject)
            s.bind(p, LOCALHOST, resolve)
          })
        }
      }
    } finally {
      for (const s of sockets) s.close()
    }
  })

  it('keeps concurrent requests apart: 8 offers at once each get their own reply', async () => {
    // 8 calls x 4 ports (RTP and RTCP on each side) fill 32 of the range's 40.
    const ids = Array.from({ length: 8 }, (_, i) => `concurrent-${i}-${Date.now()}`)
    const replies = await Promise.all(
      ids.map((id, i) =>
        client.offer({
          'call-id': id,
          'from-tag': 'caller',
          sdp: plainSdp({ address: LOCALHOST, port: 41_000 + 2 * i, sessionId: 1_000 + i }),
        }),
      ),
    )
    const ports = replies.map((r) => (r.ok ? audioOf(r.value)?.port : undefined))
    expect(new Set(ports).size).toBe(8) // each call its own port, none undefined
    // Each reply is the one to its own request: rtpengine keeps the offer's o= session id.
    replies.forEach((r, i) => expect(r.ok && r.value).toMatch(new RegExp(`^o=- ${1_000 + i} `, 'm')))
    for (const port of ports) expect(port! >= mediaMin && port! <= mediaMin + 39).toBe(true)
    const listed = await client.list()
    expect(listed.ok && [...listed.value].sort()).toEqual([...ids].sort())
    await Promise.all(ids.map((id) => client.delete(id)))
    expect(await client.list()).toEqual({ ok: true, value: [] })
  })

  it('an error result carries rtpengine error-reason', async () => {
    const reply = await client.answer({
      'call-id': 'never-offered',
      'from-tag': 'a',
      'to-tag': 'b',
      sdp: plainOffer(1),
    })
    expect(reply).toEqual({
      ok: false,
      error: { kind: 'refused', message: expect.stringMatching(/^rtpengine at 127\.0\.0\.1:\d+ refused answer: /) },
    })
  })

  it('retries a lost datagram under the same cookie', async () => {
    // A relay in front of rtpengine that drops the first datagram and counts what it forwards.
    const relay = createSocket('udp4')
    await new Promise<void>((resolve) => relay.bind(0, LOCALHOST, resolve))
    const upstream = createSocket('udp4')
    await new Promise<void>((resolve) => upstream.bind(0, LOCALHOST, resolve))
    let seen = 0
    let clientPort = 0
    const cookies = new Set<string>()
    relay.on('message', (m, from) => {
      clientPort = from.port
      seen++
      cookies.add(m.toString('latin1', 0, m.indexOf(0x20)))
      if (seen > 1) upstream.send(m, engine.ng.port, LOCALHOST)
    })
    upstream.on('message', (m) => relay.send(m, clientPort, LOCALHOST))
    const lossy = createNgClient({ address: { host: LOCALHOST, port: relay.address().port }, timeoutMs: 900 })
    try {
      const callId = `retried-${Date.now()}`
      const offer = await lossy.offer({ 'call-id': callId, 'from-tag': 'x', sdp: plainOffer(40_020) })
      expect(offer.ok).toBe(true)
      expect(seen).toBeGreaterThanOrEqual(2)
      expect(cookies.size).toBe(1)
      expect(await client.list()).toEqual({ ok: true, value: [callId] })
      expect((await client.delete(callId)).ok).toBe(true)
    } finally {
      lossy.close()
      relay.close()
      upstream.close()
    }
  })
})

describe('ng client when rtpengine is not there', () => {
  it('a closed port: an error naming the address and the wait, within the budget', async () => {
    const port = await freePorts(1)
    const down = createNgClient({ address: { host: LOCALHOST, port }, timeoutMs: 600 })
    const started = Date.now()
    const reply = await down.ping()
    down.close()
    expect(reply).toEqual({
      ok: false,
      error: {
        kind: 'unreachable',
        message: `rtpengine at 127.0.0.1:${port} did not answer ping within 600 ms (3 tries); is it running?`,
      },
    })
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('something that answers with garbage: an error saying so', async () => {
    const fake = createSocket('udp4')
    await new Promise<void>((resolve) => fake.bind(0, LOCALHOST, resolve))
    fake.on('message', (m, from) => {
      const cookie = m.subarray(0, m.indexOf(0x20))
      fake.send(Buffer.concat([cookie, Buffer.from(' HTTP/1.1 400 Bad Request')]), from.port, from.address)
    })
    const confused = createNgClient({ address: { host: LOCALHOST, port: fake.address().port }, timeoutMs: 600 })
    const reply = await confused.ping()
    confused.close()
    fake.close()
    expect(reply.ok).toBe(false)
    if (!reply.ok)
      expect(reply.error.message).toMatch(/sent a reply that is not bencode: bencode: unexpected byte 0x48/)
  })

  it('a closed client answers at once', async () => {
    const c = createNgClient({ address: { host: LOCALHOST, port: 9 } })
    c.close()
    expect(await c.ping()).toEqual({
      ok: false,
      error: { kind: 'closed', message: 'the ng client for rtpengine at 127.0.0.1:9 is closed' },
    })
  })
})
