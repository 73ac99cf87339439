/**
 * A phone line's side of mid-call fallback: the MidcallHost (midcall.ts) for one answered IME call, from what the
 * phone gives it. Once the call moved, the line's session, path and media are the PSTN leg's.
 */
import type { UA } from 'jssip'
import type { RTCSession } from 'jssip/lib/RTCSession.js'
import { headerOf, type ActiveCall, type CallView } from '../phone-line.js'
import { pstnTarget } from '../routing.js'
import { MidcallFallback } from './midcall.js'
import { OFFER_HEADER, parseOffer } from './offer.js'

/** What of the phone a line's fallback uses. */
export interface FallbackLineHost {
  /** The registered line (the PSTN leg goes out on it). */
  ua(): UA | undefined
  /** The user's own domain: the PSTN leg's target is the DID there (the node routes it to the PSTN). */
  readonly domain: string
  pcConfig(): Promise<RTCConfiguration>
  readonly remoteAudio: HTMLAudioElement
  /** Changes what the page shows of the line. */
  patch(call: ActiveCall, p: Partial<CallView>): void
  /** The speaker plays the focused line again (its media changed). */
  playFocused(): void
}

/**
 * Watches an answered IME call for mid-call fallback when its node offered one (`message`: the answer, or the
 * INVITE at the callee); `onEnd`: what ends the call once it is carried by the PSTN leg.
 */
export function watchForFallback(
  host: FallbackLineHost,
  call: ActiveCall,
  side: 'caller' | 'callee',
  ip: RTCSession,
  message: unknown,
  onEnd: () => void,
): void {
  const offer = parseOffer(headerOf(message, OFFER_HEADER))
  if (!offer.ok || call.fallback !== undefined || call.callId === undefined) return
  call.fallback = new MidcallFallback(
    offer.offer,
    side,
    ip,
    {
      ua: () => host.ua(),
      target: (number) => pstnTarget(number, host.domain),
      pcConfig: () => host.pcConfig(),
      microphone: () => call.stream,
      remoteAudio: host.remoteAudio,
      held: () => call.view.held,
      note: (note) => host.patch(call, { note }),
      moved: (leg) => {
        call.leg++
        call.session = leg
        call.path = 'pstn'
        // The line's media is the PSTN leg's now: what the speaker plays when this line is focused.
        const pc = leg.connection as RTCPeerConnection | undefined
        const track = pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track
        if (pc !== undefined) call.pc = pc
        if (track !== undefined) call.remote = new MediaStream([track])
        host.playFocused()
        leg.on('ended', () => call.session === leg && onEnd())
        leg.on('failed', () => call.session === leg && onEnd())
        host.patch(call, { path: 'IME → PSTN' })
      },
    },
    call.callId,
  )
  call.fallback.start()
}
