import { describe, expect, it } from 'vitest'
import type { IceServersDto } from './api.js'
import { ICE_RENEW_MARGIN_MS, IceServers } from './ice.js'

const turn = (n: number, expiresAt: number): IceServersDto => ({
  config: { iceServers: [{ urls: ['turn:t.example'], username: `${expiresAt / 1000}:alice`, credential: `c${n}` }] },
  expiresAt,
})

describe("the softphone's ICE servers", () => {
  it('keeps the TURN credentials until a minute before they expire, then asks the node again', async () => {
    let now = 1_000_000
    let asked = 0
    const ice = new IceServers(
      async () => turn(++asked, now + 3_600_000),
      () => now,
    )
    const first = await ice.current()
    now += 3_600_000 - ICE_RENEW_MARGIN_MS - 1
    expect(await ice.current()).toBe(first)
    expect(asked).toBe(1)
    now += 1
    const renewed = await ice.current()
    expect(asked).toBe(2)
    expect(renewed.iceServers![0]!.credential).toBe('c2')
  })

  it('without an answer: the last servers it had, or none', async () => {
    let now = 0
    let up = true
    const ice = new IceServers(
      async () => {
        if (!up) throw new Error('GET /api/ice-servers: 503')
        return turn(1, now + 120_000)
      },
      () => now,
    )
    up = false
    expect(await ice.current()).toEqual({ iceServers: [] })
    up = true
    const got = await ice.current()
    up = false
    now += 200_000
    expect(await ice.current()).toBe(got)
  })
})
