/**
 * Call records from the SIP traffic of calls: started when a call's INVITE is answered (one record per party
 * here: two for an internal call), ended by its BYE, kept with their outcome when the call fails.
 */
import { randomBytes } from 'node:crypto'
import type { E164 } from '../../core/e164.js'
import type { CallOutcome, CallPath } from '../../validation/call-record.js'
import { callId, type SipRequest, type SipResponse } from '../message/index.js'
import { LEG_HEADER, MOVED_HEADER } from '../../fallback/offer.js'
import type { AgentContext } from './context.js'
import type { ActiveCall } from './types.js'

/** One side of a call that this node keeps a record of: the local user's. */
export interface Party {
  readonly direction: 'inbound' | 'outbound'
  readonly caller: E164 | undefined
  readonly called: E164 | undefined
  readonly user: string
  readonly fallback?: boolean
}

/** Answered fallback legs remembered at once (each is forgotten at its BYE, or at the move it carries). */
const MAX_FALLBACK_LEGS = 10_000

const outcomeOf = (status: number): CallOutcome =>
  status === 486 || status === 600
    ? 'busy'
    : status === 408 || status === 480 || status === 487
      ? 'no-answer'
      : 'rejected'

export class CallRecords {
  /** Calls in progress by SIP Call-ID: the records each started (two for an internal call). */
  private readonly active = new Map<string, readonly ActiveCall[]>()

  constructor(private readonly ctx: AgentContext) {}

  /** Answered calls to a fallback DID (by Call-ID): the IME calls (Call-IDs) each may continue. */
  private readonly fallbackLegs = new Map<string, readonly string[]>()

  /**
   * An in-dialog request as it passes: a BYE ends the call's records; but a BYE with X-IME-Moved releases the IP
   * leg of an IME call that moved to the PSTN: its records go on under the fallback leg, whose BYE ends them.
   */
  onInDialog(req: SipRequest): void {
    if (req.method !== 'BYE') return
    const id = callId(req)
    const records = id === undefined ? undefined : (this.active.get(id) ?? this.ctx.config.calls?.inProgress?.(id))
    if (id !== undefined) this.fallbackLegs.delete(id)
    if (records === undefined || records.length === 0 || id === undefined) return
    this.active.delete(id)
    if (req.headers.get(MOVED_HEADER) !== undefined) {
      const leg = [...this.fallbackLegs].find(([, imeCalls]) => imeCalls.includes(id))?.[0]
      if (leg !== undefined) {
        this.fallbackLegs.delete(leg)
        this.active.set(leg, records)
        for (const call of records) this.ctx.config.calls?.moved?.(call.recordId, id, leg)
        return
      }
    }
    const now = this.ctx.config.clock.now()
    for (const call of records) this.ctx.config.calls?.ended(call.recordId, Math.max(call.start, now), 'answered', id)
    this.ctx.emit({ type: 'call-ended', callId: id })
  }

  /**
   * Call records from the responses of a call's INVITE, one for each party here (two for an internal call):
   * answered -> started (ended by BYE); failed -> kept. Without both numbers nothing is recorded.
   */
  track(req: SipRequest, res: SipResponse, path: CallPath, parties: readonly Party[]): void {
    // A call to a fallback DID is no call of its own: it continues an IME call (recorded), or it is refused.
    const imeCalls = req.headers.get(LEG_HEADER)
    if (imeCalls !== undefined) {
      const id = callId(req)
      if (id !== undefined && res.status >= 200 && res.status < 300 && this.fallbackLegs.size < MAX_FALLBACK_LEGS) {
        this.fallbackLegs.set(
          id,
          imeCalls.split(',').map((s) => s.trim()),
        )
      }
      return
    }
    // The PSTN leg a softphone placed to move its IME call mid-call: that call's record (the softphone's) covers it.
    if (req.headers.get(MOVED_HEADER) !== undefined) return
    const first = parties[0]
    if (res.status < 200 || this.ctx.config.calls === undefined || first === undefined) return
    const { caller, called } = first
    if (caller === undefined || called === undefined) return
    const id = callId(req)
    if (id === undefined || (res.status < 300 && this.active.has(id))) return
    const now = this.ctx.config.clock.now()
    const records = parties.map((d) => ({
      id: `${d.direction === 'inbound' ? 'in' : 'out'}-${randomBytes(8).toString('hex')}`,
      direction: d.direction,
      caller,
      called,
      start: now,
      path,
      user: d.user,
      ...(path === 'pstn' && d.fallback === true && { fallback: true }),
    }))
    if (res.status < 300) {
      for (const r of records) this.ctx.config.calls.started(r, id)
      this.active.set(
        id,
        records.map((r) => ({ recordId: r.id, start: now })),
      )
      this.ctx.emit({ type: 'call-started', callId: id, path, ...first })
    } else {
      for (const r of records) this.ctx.config.calls.started({ ...r, end: now, outcome: outcomeOf(res.status) })
    }
  }
}
