/**
 * The transaction layer's matching (RFC 3261 sections 17.1.3 and 17.2.3): requests by branch, sent-by and method
 * (ACK as INVITE), CANCEL to its INVITE only from the same sent-by, responses by branch and CSeq method.
 */
import { describe, expect, it } from 'vitest'
import { SipHeaders } from '../message/headers.js'
import { newRequest, responseTo, type SipRequest } from '../message/message.js'
import { RecordingConnection } from '../../testing/recording-connection.js'
import { TransactionLayer } from './layer.js'
import { ManualTimers } from './timers.js'

function request(method: string, via = 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKlayer1', seq = 1): SipRequest {
  const h = new SipHeaders()
  h.add('Via', via)
  h.add('Max-Forwards', '70')
  h.add('From', '<sip:alice@a.example>;tag=a1')
  h.add('To', '<sip:bob@b.example>')
  h.add('Call-ID', 'layer-test')
  h.add('CSeq', `${seq} ${method}`)
  h.add('Content-Length', '0')
  return newRequest(method, 'sip:bob@b.example', h)
}

function answer(req: SipRequest, status: number) {
  const r = responseTo(req, status, undefined, { toTag: 'b1' })
  if (!r.ok) throw new Error(r.error)
  return r.value
}

describe('TransactionLayer', () => {
  it('matches a retransmitted request and the ACK of a failure to their server transaction', () => {
    const layer = new TransactionLayer(new ManualTimers())
    const conn = new RecordingConnection('UDP')
    const invite = request('INVITE')
    expect(layer.match(invite)).toBeUndefined()
    const t = layer.serve(invite, conn)
    expect(t.ok && t.value.respond(answer(invite, 486))).toBe(true)
    expect(layer.match(request('INVITE'))).toBe('absorbed')
    expect(conn.take()).toEqual(['486', '486'])
    expect(layer.match(request('ACK'))).toBe('absorbed')
    expect(t.ok && t.value.state).toBe('Confirmed')
    // Another method with the same branch is another transaction; so is another sent-by.
    expect(layer.match(request('BYE'))).toBeUndefined()
    expect(layer.match(request('INVITE', 'SIP/2.0/TCP 192.0.2.9:5060;branch=z9hG4bKlayer1'))).toBeUndefined()
  })

  it('finds the INVITE a CANCEL names only with the same branch and sent-by', () => {
    const layer = new TransactionLayer(new ManualTimers())
    const conn = new RecordingConnection('TCP')
    const t = layer.serve(request('INVITE'), conn)
    expect(layer.inviteFor(request('CANCEL'))).toBe(t.ok ? t.value : undefined)
    expect(layer.inviteFor(request('CANCEL', 'SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bKlayer1'))).toBeUndefined()
    expect(layer.inviteFor(request('CANCEL', 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKother'))).toBeUndefined()
  })

  it('falls back to the dialog and CSeq identifiers for a branch without the magic cookie (RFC 2543)', () => {
    const layer = new TransactionLayer(new ManualTimers())
    const old = 'SIP/2.0/UDP 192.0.2.1:5060;branch=old1'
    const t = layer.serve(request('INVITE', old), new RecordingConnection('UDP'))
    expect(t.ok).toBe(true)
    expect(layer.match(request('INVITE', old))).toBe('absorbed')
    expect(layer.match(request('INVITE', old, 2))).toBeUndefined()
  })

  it('routes a response by branch and CSeq method: a CANCEL answer never reaches the INVITE', () => {
    const layer = new TransactionLayer(new ManualTimers())
    const conn = new RecordingConnection('TCP')
    const got: string[] = []
    const invite = request('INVITE', 'SIP/2.0/TCP ime.invalid;branch=z9hG4bKout1')
    layer.send(invite, conn, { onFinal: (r) => got.push(`INVITE ${r.status}`) })
    const cancel = request('CANCEL', 'SIP/2.0/TCP ime.invalid;branch=z9hG4bKout1')
    layer.send(cancel, conn, { onFinal: (r) => got.push(`CANCEL ${r.status}`) })
    expect(conn.take()).toEqual(['INVITE', 'CANCEL'])
    expect(layer.receive(answer(cancel, 200))).toBe(true)
    expect(layer.receive(answer(invite, 487))).toBe(true)
    expect(got).toEqual(['CANCEL 200', 'INVITE 487'])
    expect(conn.take()).toEqual(['ACK'])
    // Both are done on TCP: a late response is a stray.
    expect(layer.clientCount).toBe(0)
    expect(layer.receive(answer(invite, 487))).toBe(false)
  })

  it('answers in a transaction it opens, and forgets it when done', () => {
    const timers = new ManualTimers()
    const layer = new TransactionLayer(timers)
    const conn = new RecordingConnection('UDP')
    const reg = request('REGISTER')
    expect(layer.answer(reg, conn, answer(reg, 401))).toBe(true)
    expect(layer.match(request('REGISTER'))).toBe('absorbed')
    expect(conn.take()).toEqual(['401', '401'])
    timers.advance(32_000)
    expect(layer.serverCount).toBe(0)
    expect(layer.match(request('REGISTER'))).toBeUndefined()
  })

  it('stops every transaction and its timers', () => {
    const timers = new ManualTimers()
    const layer = new TransactionLayer(timers)
    const conn = new RecordingConnection('UDP')
    layer.send(request('OPTIONS', 'SIP/2.0/UDP ime.invalid;branch=z9hG4bKo1'), conn, { onFinal: () => {} })
    layer.serve(request('INVITE'), conn)
    layer.stop()
    expect(layer.clientCount + layer.serverCount).toBe(0)
    expect(timers.pendingCount).toBe(0)
  })
})
