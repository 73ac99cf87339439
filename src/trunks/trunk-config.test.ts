import { describe, expect, it } from 'vitest'
import { trunkAddress } from './trunk-config.js'

describe('trunkAddress', () => {
  it('takes a trunk URI at its transport, UDP included (a proxy hop would take UDP over TCP)', () => {
    expect(trunkAddress('sip:198.51.100.10;transport=udp')).toEqual({
      transport: 'UDP',
      host: '198.51.100.10',
      port: 5060,
    })
    expect(trunkAddress('sip:sip.carrier.example:5080;transport=UDP')).toMatchObject({ transport: 'UDP', port: 5080 })
    expect(trunkAddress('sip:198.51.100.10:5070')).toEqual({ transport: 'TCP', host: '198.51.100.10', port: 5070 })
    expect(trunkAddress('sips:sip.carrier.example')).toMatchObject({ transport: 'TLS', port: 5061 })
    expect(trunkAddress('sip:sip.carrier.example;transport=tls')).toMatchObject({ transport: 'TLS', port: 5061 })
    expect(trunkAddress('sip:198.51.100.10;transport=sctp')).toBeUndefined()
  })
})
