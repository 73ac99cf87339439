/**
 * The unregistered UA of an IME call: a WebSocket straight to the callee enterprise's edge (no proxy of ours on
 * this path), its connection and drops told to the call's routing (routing.ts); back after a drop in the call, an
 * in-dialog OPTIONS tells the far edge which connection is ours now.
 */
import { UA, WebSocketInterface } from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession.js'
import type { SessionUser } from './api.js'
import type { ActiveCall } from './phone-line.js'
import type { CallAttempt } from './routing.js'

export function connectIme(call: ActiveCall, attempt: CallAttempt, wsUrl: string, user: SessionUser): void {
  let socket: WebSocketInterface
  try {
    socket = new WebSocketInterface(wsUrl)
  } catch (e) {
    queueMicrotask(() =>
      attempt.dispatch({
        type: 'ime-failed',
        failure: { kind: 'connect-failed', reason: String(e) },
        now: Date.now(),
      }),
    )
    return
  }
  // No proxy of our own on this path: the From carries the user's number; the callee's edge shows the caller
  // its node asserted (the Identity header), not this From.
  const ua = new UA({
    sockets: [socket],
    uri: `sip:${user.number}@${user.domain}`,
    display_name: user.name,
    register: false,
    // Only an answered call keeps this connection: it comes back quickly if it drops.
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 10,
    user_agent: 'IME softphone',
  })
  call.imeUa = ua
  let connectedBefore = false
  ua.on('connected', () => {
    if (call.imeUa !== ua) return
    if (!connectedBefore) {
      connectedBefore = true
      attempt.dispatch({ type: 'ime-connected' })
      return
    }
    // Back after a drop, in the call: an in-dialog OPTIONS tells the far edge which connection is ours now,
    // so that the far end's BYE or re-INVITE reaches us (JsSIP answers OPTIONS itself at the far end).
    // (RTCSession.sendRequest exists in JsSIP 3 but is missing from its type definitions.)
    const session = call.session as (RTCSession & { sendRequest(method: string): void }) | undefined
    if (session?.isEstablished()) session.sendRequest('OPTIONS')
  })
  ua.on('disconnected', (e) => {
    if (call.imeUa !== ua) return
    const reason = e.reason || (e.code ? `WebSocket closed with code ${e.code}` : 'WebSocket closed')
    attempt.dispatch({ type: 'ime-failed', failure: { kind: 'connect-failed', reason }, now: Date.now() })
  })
  ua.start()
}
