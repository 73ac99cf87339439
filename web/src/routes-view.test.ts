import { describe, expect, it } from 'vitest'
import type { RouteDto } from './api.js'
import { conflictedNumbers, evidenceOf } from './routes-view.js'

const route = (number: string, domain: string, provenCalls?: number, trusted?: boolean): RouteDto => ({
  number,
  domain,
  sipUri: `sip:${number}@${domain}`,
  expiresAt: 2,
  validatedAt: 1,
  ...(provenCalls !== undefined && { provenCalls }),
  ...(trusted !== undefined && { trusted }),
})

describe('learned routes on the operator page', () => {
  it('marks numbers that two domains proved', () => {
    const routes = [route('+1', 'b.example'), route('+1', 'c.example'), route('+2', 'b.example')]
    expect([...conflictedNumbers(routes)]).toEqual(['+1'])
  })

  it('says how many calls a route proved and whether it is a candidate', () => {
    expect(evidenceOf(route('+1', 'b.example', 3, true))).toBe('3 calls proved')
    expect(evidenceOf(route('+1', 'c.example', 1, false))).toBe('1 call proved, candidate')
    expect(evidenceOf(route('+1', 'c.example'))).toBe('')
  })
})
