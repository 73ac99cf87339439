import { describe, expect, it } from 'vitest'
import { natRole } from './libp2p-node.js'
import { dialRank } from './relay.js'

describe('nodes behind NAT', () => {
  it('a node with a public address relays; one with only private addresses needs a relay; loopback needs none', () => {
    expect(natRole(['/ip4/203.0.113.7/tcp/4001'], [])).toBe('relay')
    expect(natRole(['/ip4/10.1.0.2/tcp/4001'], ['/dns4/node.b.example/tcp/4001'])).toBe('relay')
    expect(natRole(['/ip4/10.1.0.2/tcp/4001'], [])).toBe('relayed')
    expect(natRole(['/ip4/127.0.0.1/tcp/0'], [])).toBe('none')
    // 0.0.0.0 stands for the machine's addresses
    expect(natRole(['/ip4/0.0.0.0/tcp/4001'], [], ['127.0.0.1', '10.1.0.2'])).toBe('relayed')
    expect(natRole(['/ip4/0.0.0.0/tcp/4001'], [], ['127.0.0.1', '203.0.113.7'])).toBe('relay')
  })

  it('dials public addresses first, then relayed ones, and private ones last', () => {
    const addrs = [
      '/ip4/10.1.0.2/tcp/4001/p2p/12D3KooWMe',
      '/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWMe',
      '/ip4/198.51.100.9/tcp/4001/p2p/12D3KooWMe',
    ]
    expect([...addrs].sort((a, b) => dialRank(a) - dialRank(b))).toEqual([addrs[2], addrs[1], addrs[0]])
  })
})
