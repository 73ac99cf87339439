/**
 * Transfers of a phone line: blind (REFER), attended (REFER with Replaces naming the consulted dialog, RFC 5589
 * section 7), the far end's REFER shown to the user before anything is dialled, and an INVITE with Replaces that
 * takes over a line (RFC 3891). The phone (phone.ts) gives the narrow view of its lines these need.
 */
import type { ReferEvent, RTCSession } from 'jssip/lib/RTCSession.js'
import { referTarget } from './lines.js'
import { numberFromSipUri } from './number.js'
import type { ActiveCall, CallView, ReplacesEvent } from './phone-line.js'

export interface TransferHost {
  /** The user's own domain: a Refer-To names the number there, so it is routed as any call. */
  domain(): string
  /** The line shown and heard. */
  focused(): ActiveCall | undefined
  /** The line that is not focused, if any is live. */
  otherLine(): ActiveCall | undefined
  has(call: ActiveCall): boolean
  liveCount(): number
  /** A local three-way conference is up (no transfer then). */
  inConference(): boolean
  patch(call: ActiveCall, p: Partial<CallView>): void
  hangUpLine(call: ActiveCall): void
  canDial(): boolean
  dial(number: string, options: { replaces?: string }): void
}

/** Blind transfer: REFER the far end to the number, through the user's own domain. */
export function blindTransfer(host: TransferHost, number: string): void {
  const call = host.focused()
  const s = call?.session
  if (!call || !s || call.view.phase !== 'in-call' || host.inConference()) return
  host.patch(call, { note: `Asking the other party to call ${number}…` })
  // Blind transfer: the far end is asked (REFER); this side leaves the call once it calls the number (its
  // NOTIFY says so, or it hangs up to call), and stays if it declines.
  s.refer(`sip:${number}@${host.domain()}`, {
    eventHandlers: {
      accepted: () => host.hangUpLine(call),
      failed: () => host.patch(call, { note: `The other party did not take the transfer to ${number}` }),
      requestFailed: () => host.patch(call, { note: `Transfer to ${number} was refused` }),
    },
  } as never)
}

/**
 * Attended transfer, after a consultation: the held call (the transferee) is asked to call the focused call's
 * party with Replaces naming our dialog with it (RFC 5589 section 7); that party's phone swaps our call for the
 * transferee's, and both our calls end. The Refer-To is the number at our own domain, so that the transferee's
 * phone routes it as any call (IME where it has a route, the PSTN otherwise).
 */
export function completeTransfer(host: TransferHost): void {
  const target = host.focused()
  const transferee = host.otherLine()
  const s = transferee?.session
  if (!target?.session || !transferee || !s || host.inConference()) return
  if (target.view.phase !== 'in-call' || transferee.view.phase !== 'in-call') return
  const number = target.view.number
  host.patch(target, { note: `Transferring ${transferee.view.number} to ${number}…` })
  s.refer(`sip:${number}@${host.domain()}`, {
    replaces: target.session,
    eventHandlers: {
      accepted: () => host.hangUpLine(transferee),
      failed: () => host.patch(target, { note: `${transferee.view.number} did not take the transfer` }),
      requestFailed: () => host.patch(target, { note: `Transfer of ${transferee.view.number} was refused` }),
    },
  } as never)
}

/**
 * The far end asks us to call another number (REFER). Nothing is dialled without the user: the request is shown
 * with who made it, and only acceptTransfer() leaves this call and calls the Refer-To number the usual way (so
 * that the new call is routed, IME or PSTN, like any other); declineTransfer() refuses it and stays. An attended
 * transfer's Refer-To carries Replaces, which the new INVITE carries on.
 */
export function referred(host: TransferHost, call: ActiveCall, e: ReferEvent): void {
  const target = referTarget(e.request.getHeader('Refer-To') ?? '')
  if (!host.has(call) || call.pendingRefer || !target.ok || host.liveCount() > 1) {
    e.reject()
    return
  }
  call.pendingRefer = {
    number: target.number,
    event: e,
    ...(target.replaces !== undefined ? { replaces: target.replaces } : {}),
  }
  const referredBy = e.request.getHeader('Referred-By')
  const by = (referredBy ? numberFromSipUri(referredBy.replace(/^[^<]*</, '<')) : undefined) ?? call.view.number
  const attended = target.replaces !== undefined
  host.patch(call, { transferRequest: { number: target.number, by, ...(attended ? { attended } : {}) } })
}

/** The user agrees to the far end's transfer request: leave this call, call the number. */
export function acceptTransfer(host: TransferHost): void {
  const call = host.focused()
  const pending = call?.pendingRefer
  if (!call || !pending) return
  call.pendingRefer = undefined
  host.patch(call, { transferRequest: undefined })
  host.hangUpLine(call)
  setTimeout(() => {
    if (host.canDial()) host.dial(pending.number, pending.replaces ? { replaces: pending.replaces } : {})
    const focused = host.focused()
    if (focused && focused !== call) host.patch(focused, { note: 'Transferred' })
  }, 200)
}

/** The user refuses the far end's transfer request: the far end is told (NOTIFY 603), the call goes on. */
export function declineTransfer(host: TransferHost): void {
  const call = host.focused()
  const pending = call?.pendingRefer
  if (!call || !pending) return
  call.pendingRefer = undefined
  pending.event.reject()
  host.patch(call, { transferRequest: undefined, note: `Declined the transfer to ${pending.number}` })
}

/**
 * An INVITE with Replaces names this call (RFC 3891): the party who can name its dialog (the one we talk with, or
 * the transferee it sent) takes it over. JsSIP ends this session once the new one is confirmed.
 */
export function replacing(host: TransferHost, call: ActiveCall, e: ReplacesEvent): void {
  if (!host.has(call) || call.view.phase !== 'in-call') return e.reject()
  e.accept((session: RTCSession) => {
    call.replacedBy = session
  })
}
