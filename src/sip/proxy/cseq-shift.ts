/**
 * Dialogs whose INVITE went to the callee with a higher CSeq than the caller sent (the proxy answered a trunk's
 * 401/407 with the trunk's credentials: RFC 3261 section 22.2 wants the retry's CSeq one higher). The caller's ACK
 * to the 2xx carries the caller's CSeq; the callee matches the ACK to its INVITE by CSeq, so the ACK is raised by
 * the same amount on its way. Later requests need nothing: the caller's next CSeq is at least the callee's last.
 * Bounded: the oldest dialogs go first.
 */
import { callId as callIdOf, cseq, type SipRequest } from '../message/index.js'

const MAX_DIALOGS = 10_000

export class CseqShifts {
  /** Call-ID -> the caller's INVITE CSeq number and the shift. */
  private readonly byCall = new Map<string, { number: number; shift: number }>()

  /** A 2xx to an INVITE whose CSeq (as the callee saw it) was `calleeNumber`, raised by `shift`. */
  remember(callId: string, calleeNumber: number, shift: number): void {
    if (callId === '') return
    this.byCall.delete(callId)
    this.byCall.set(callId, { number: calleeNumber - shift, shift })
    if (this.byCall.size > MAX_DIALOGS) this.byCall.delete(this.byCall.keys().next().value!)
  }

  /** Raises the CSeq of the caller's ACK to a shifted INVITE; forgets the dialog at its BYE. */
  apply(req: SipRequest): void {
    const id = callIdOf(req) ?? ''
    const entry = this.byCall.get(id)
    if (entry === undefined) return
    if (req.method === 'BYE') return void this.byCall.delete(id)
    const c = cseq(req)
    if (req.method === 'ACK' && c.ok && c.value.seq === entry.number) {
      req.headers.set('CSeq', `${entry.number + entry.shift} ACK`)
    }
  }

  get size(): number {
    return this.byCall.size
  }
}
