/** Every transition the RFC does not draw throws: checked for every pair of states of the four machines. */
import { describe, expect, it } from 'vitest'
import {
  IllegalTransitionError,
  INVITE_CLIENT_TRANSITIONS,
  INVITE_SERVER_TRANSITIONS,
  NON_INVITE_CLIENT_TRANSITIONS,
  NON_INVITE_SERVER_TRANSITIONS,
  StateMachine,
} from './states.js'

const machines = {
  'INVITE client': INVITE_CLIENT_TRANSITIONS,
  'non-INVITE client': NON_INVITE_CLIENT_TRANSITIONS,
  'INVITE server': INVITE_SERVER_TRANSITIONS,
  'non-INVITE server': NON_INVITE_SERVER_TRANSITIONS,
} as const

describe('transaction state machines', () => {
  for (const [name, table] of Object.entries(machines)) {
    const states = Object.keys(table) as string[]
    it(`${name}: exactly the drawn transitions are allowed`, () => {
      for (const from of states) {
        for (const to of states) {
          const m = new StateMachine<string>(name, table as Record<string, readonly string[]>, from)
          const allowed = (table as Record<string, readonly string[]>)[from]!.includes(to)
          if (allowed) {
            m.to(to)
            expect(m.state).toBe(to)
          } else {
            expect(() => m.to(to)).toThrow(IllegalTransitionError)
            expect(m.state).toBe(from)
          }
        }
      }
    })
    it(`${name}: Terminated is final and reachable from every state`, () => {
      const t = table as Record<string, readonly string[]>
      expect(t['Terminated']).toEqual([])
      for (const s of states) if (s !== 'Terminated') expect(t[s]).toContain('Terminated')
    })
  }

  it('names the machine and the transition in the error', () => {
    const m = new StateMachine('INVITE server transaction', INVITE_SERVER_TRANSITIONS, 'Accepted')
    expect(() => m.to('Confirmed')).toThrow('INVITE server transaction: no transition from Accepted to Confirmed')
  })
})
