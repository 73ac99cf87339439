import { describe, expect, it } from 'vitest'
import { isSoftphoneOrigin } from './softphone-sessions.js'

describe("the softphone's SIP WebSocket sign-in takes pages of this node only", () => {
  const node = { httpPort: 8080 }
  it.each([
    ['http://127.0.0.1:8080', '127.0.0.1:5066', true],
    ['https://phone.b.example:8080', 'phone.b.example:5066', true],
    ['http://localhost:8080', 'localhost:5066', true],
    // Another site on the same port: its page would carry the user's cookie for this host (cookies ignore ports).
    ['http://evil.example:8080', '127.0.0.1:5066', false],
    ['http://127.0.0.1:8081', '127.0.0.1:5066', false],
    ['http://127.0.0.1', '127.0.0.1:5066', false],
    ['file://', '127.0.0.1:5066', false],
    ['null', '127.0.0.1:5066', false],
    [undefined, '127.0.0.1:5066', false],
    ['http://127.0.0.1:8080', undefined, false],
  ])('Origin %s, Host %s: %s', (origin, host, allowed) => {
    expect(isSoftphoneOrigin(origin, host, node)).toBe(allowed)
  })

  it('behind a reverse proxy, the configured public origin exactly', () => {
    const proxied = { httpPort: 8080, publicOrigin: 'https://phone.b.example' }
    expect(isSoftphoneOrigin('https://phone.b.example', '10.0.0.5:5066', proxied)).toBe(true)
    expect(isSoftphoneOrigin('https://phone.b.example:443', '10.0.0.5:5066', proxied)).toBe(true)
    expect(isSoftphoneOrigin('http://phone.b.example', '10.0.0.5:5066', proxied)).toBe(false)
    expect(isSoftphoneOrigin('https://evil.b.example', '10.0.0.5:5066', proxied)).toBe(false)
  })
})
