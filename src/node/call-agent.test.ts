import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { edgeSipUri } from './call-agent.js'

describe('edgeSipUri', () => {
  const number = '+12015550100' as E164
  it('names the edge WebSocket first (browsers reach it), then its TCP, else the domain', () => {
    expect(edgeSipUri(number, 'a.example', { host: '10.0.0.1', ws: 5062, tcp: 5060 })).toBe(
      'sip:+12015550100@10.0.0.1:5062;transport=ws',
    )
    expect(edgeSipUri(number, 'a.example', { host: '10.0.0.1', tcp: 5060 })).toBe(
      'sip:+12015550100@10.0.0.1:5060;transport=tcp',
    )
    expect(edgeSipUri(number, 'a.example', undefined)).toBe('sip:+12015550100@a.example')
  })
})
