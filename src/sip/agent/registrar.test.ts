import { describe, expect, it } from 'vitest'
import { isFlowOnlyContact, MIN_EXPIRES_S, Registrations } from './registrar.js'

const CONTACT = 'sip:2l7oq6m5@i7sa5ug5uhvu.invalid;transport=ws'
const from = (connectionId: string, cseq = 1) => ({ connectionId, callId: 'reg-1', cseq })

describe('Registrations', () => {
  it('finds a registered contact from the Contact a phone puts in its dialogs (JsSIP adds ;ob)', () => {
    const r = new Registrations()
    r.update('alice', [{ contact: CONTACT, expires: 300 }], from('w1'), 0)
    expect(r.findContact(`${CONTACT};ob`, 1_000)).toMatchObject({ user: 'alice', binding: { connectionId: 'w1' } })
    expect(r.findContact('sip:2l7oq6m5@other.invalid;transport=ws;ob', 1_000)).toBeUndefined()
    expect(r.findContact(`${CONTACT};ob`, 301_000)).toBeUndefined() // expired
  })

  it('moves a contact to the connection it registers on again (a phone that reconnected)', () => {
    const r = new Registrations()
    r.update('alice', [{ contact: CONTACT, expires: 300 }], from('w1'), 0)
    r.dropConnection('w1')
    expect(r.findContact(CONTACT, 1_000)).toBeUndefined()
    r.update('alice', [{ contact: CONTACT, expires: 300 }], { connectionId: 'w2', callId: 'reg-2', cseq: 1 }, 2_000)
    expect(r.findContact(`${CONTACT};ob`, 3_000)?.binding.connectionId).toBe('w2')
    expect(r.current('alice', 3_000)).toHaveLength(1)
  })

  it('ignores a stale REGISTER of the same Call-ID, refuses too short an expiry, removes with expires 0', () => {
    const r = new Registrations()
    r.update('alice', [{ contact: CONTACT, expires: 300 }], from('w1', 5), 0)
    r.update('alice', [{ contact: CONTACT, expires: 0 }], from('w1', 4), 0)
    expect(r.current('alice', 1)).toHaveLength(1)
    const short = r.update('alice', [{ contact: CONTACT, expires: MIN_EXPIRES_S - 1 }], from('w1', 6), 0)
    expect(short.ok ? undefined : short.error.status).toBe(423)
    r.update('alice', [{ contact: CONTACT, expires: 0 }], from('w1', 7), 0)
    expect(r.current('alice', 1)).toEqual([])
    expect(r.userCount).toBe(0)
  })

  it('a flow-bound binding (WebSocket, ;ob, .invalid) goes with its connection; a dialable contact stays', () => {
    expect(isFlowOnlyContact(CONTACT)).toBe(true)
    expect(isFlowOnlyContact('sip:bob@192.0.2.7:5060;transport=tcp;ob')).toBe(true)
    expect(isFlowOnlyContact('sip:bob@192.0.2.7:5060;transport=tcp')).toBe(false)
    const r = new Registrations()
    r.update('alice', [{ contact: 'sip:alice@192.0.2.7:5060;transport=tcp', expires: 300 }], from('t1'), 0)
    r.update('bob', [{ contact: 'sip:bob@192.0.2.8:5060', expires: 300 }], { ...from('w1'), flow: true }, 0)
    r.dropConnection('t1')
    r.dropConnection('w1')
    expect(r.current('alice', 1)).toHaveLength(1)
    expect(r.current('bob', 1)).toEqual([])
  })
})
