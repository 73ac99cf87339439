import { describe, expect, it } from 'vitest'
import { isMissed, pageTitle } from './notify.js'
import type { CallView } from './phone.js'

const call = (p: Partial<CallView>): CallView => ({
  direction: 'in',
  number: '+12025550102',
  phase: 'ended',
  muted: false,
  held: false,
  ...p,
})

describe('pageTitle', () => {
  it('says who is ringing, else counts missed calls', () => {
    expect(pageTitle('bob (+1 202 555 0102)', 2)).toBe('Ringing: bob (+1 202 555 0102) · IME softphone')
    expect(pageTitle(undefined, 2)).toBe('(2) IME softphone')
    expect(pageTitle(undefined, 0)).toBe('IME softphone')
  })
})

describe('isMissed', () => {
  it('is an incoming call that ended unanswered, not one the user declined nor an outgoing one', () => {
    expect(isMissed(call({ outcome: 'missed' }))).toBe(true)
    expect(isMissed(call({ outcome: 'declined' }))).toBe(false)
    expect(isMissed(call({ outcome: 'answered' }))).toBe(false)
    expect(isMissed(call({ direction: 'out', outcome: 'missed' }))).toBe(false)
    expect(isMissed(call({ phase: 'incoming' }))).toBe(false)
    expect(isMissed(undefined)).toBe(false)
  })
})
