import { describe, expect, it } from 'vitest'
import { isPublicMultiaddr, reachability } from './reachability.js'

describe('reachability from announced addresses', () => {
  it.each([
    ['/ip4/127.0.0.1/tcp/4001', false],
    ['/ip4/10.1.0.2/tcp/4001', false],
    ['/ip4/172.20.3.4/tcp/4001', false],
    ['/ip4/172.32.0.1/tcp/4001', true],
    ['/ip4/192.168.1.10/tcp/4001', false],
    ['/ip4/100.72.0.1/tcp/4001', false],
    ['/ip4/169.254.9.9/tcp/4001', false],
    ['/ip4/0.0.0.0/tcp/4001', false],
    ['/ip4/203.0.113.7/tcp/4001', true],
    ['/ip6/::1/tcp/4001', false],
    ['/ip6/fd00::5/tcp/4001', false],
    ['/ip6/fe80::1/tcp/4001', false],
    ['/ip6/2001:db8::7/tcp/4001', true],
    ['/dns4/node.b.example/tcp/4001', true],
    ['/dns4/localhost/tcp/4001', false],
    ['/ip4/999.1.1.1/tcp/4001', false],
    ['garbage', false],
    ['/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWMe', false],
  ])('%s is public: %s', (addr, expected) => {
    expect(isPublicMultiaddr(addr)).toBe(expected)
  })

  it('says plainly what a node without a public address can and cannot do', () => {
    const r = reachability(['/ip4/10.1.0.2/tcp/4001/p2p/12D3KooW', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW'])
    expect(r.public).toBe(false)
    expect(r.claimer).toBe('unreachable')
    expect(r.note).toMatch(
      /cannot be validated .* until it has a public address \(p2p.listen .* p2p.announce.* or a relay/,
    )
    expect(reachability(['/ip4/203.0.113.7/tcp/4001']).publicAddrs).toEqual(['/ip4/203.0.113.7/tcp/4001'])
  })

  it('a node with a reservation on a relay is reachable through it, and says which', () => {
    const r = reachability([
      '/ip4/10.1.0.2/tcp/4001/p2p/12D3KooWMe',
      '/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWMe',
    ])
    expect(r).toMatchObject({ public: false, claimer: 'relayed', relays: ['12D3KooWRelay'] })
    expect(r.note).toMatch(/reachable through the relay 12D3KooWRelay/)
  })
})
