import { describe, expect, it } from 'vitest'
import { iceServersFor, turnCredential } from './ice-servers.js'

const SECRET = '0123456789abcdef'

describe('ICE servers for a softphone', () => {
  it("mints coturn's shared-secret credential (checked against openssl dgst -sha1 -hmac)", () => {
    // echo -n "1700000000:alice" | openssl dgst -sha1 -hmac 0123456789abcdef -binary | base64
    expect(turnCredential(SECRET, 'alice', 1_700_000_000)).toEqual({
      username: '1700000000:alice',
      credential: 'QmpguVhgm8LJZp0MkvqhyKEkXps=',
    })
  })

  it('gives STUN as configured and TURN with a credential that expires after the TTL', () => {
    const now = 1_700_000_000_500
    const reply = iceServersFor(
      { stun: ['stun:turn.example:3478'], turn: { urls: ['turn:turn.example:3478'], secret: SECRET, ttlSeconds: 600 } },
      'bob',
      now,
    )
    expect(reply.iceServers).toEqual([
      { urls: ['stun:turn.example:3478'] },
      {
        urls: ['turn:turn.example:3478'],
        username: '1700000600:bob',
        credential: turnCredential(SECRET, 'bob', 1_700_000_600).credential,
      },
    ])
    expect(reply.expiresAt).toBe(1_700_000_600_000)
    expect(reply.iceTransportPolicy).toBe('all')
  })

  it('each user gets a credential of their own', () => {
    const config = { turn: { urls: ['turn:t.example'], secret: SECRET } }
    const a = iceServersFor(config, 'alice', 0).iceServers[0]!
    const b = iceServersFor(config, 'bob', 0).iceServers[0]!
    expect(a.username).toBe('3600:alice')
    expect(a.credential).not.toBe(b.credential)
  })

  it('without configuration: no servers (host candidates only), asked again within a day', () => {
    expect(iceServersFor(undefined, 'alice', 1000)).toEqual({
      iceServers: [],
      iceTransportPolicy: 'all',
      expiresAt: 1000 + 24 * 3600_000,
    })
  })
})
