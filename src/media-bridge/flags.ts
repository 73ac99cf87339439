/**
 * The rtpengine ng flags for each side of a PSTN call. Toward the trunk (a carrier, a PBX, a legacy phone): plain
 * RTP/AVP, no ICE, no DTLS or SDES, RTCP on its own port, and only PCMU/PCMA, transcoded by rtpengine when the
 * browser offered neither. Toward the browser: ICE (rtpengine as a full ICE agent), DTLS-SRTP
 * (UDP/TLS/RTP/SAVPF), RTCP multiplexed on the RTP port. Pure data, so the docs and tests can show them.
 */
import type { NgDictionary } from './ng-client.js'

/** Where the SDP being rewritten is going. */
export type BridgeSide = 'trunk' | 'browser'

/** The codecs a trunk is offered: G.711 is what every carrier and PBX takes. */
export const TRUNK_CODECS = ['PCMU', 'PCMA'] as const

const common: NgDictionary = {
  // rtpengine's own address in o= and the session c= line, so nothing of the other side's network leaks across.
  replace: ['origin', 'session-connection'],
}

const towardTrunk: NgDictionary = {
  ...common,
  ICE: 'remove',
  DTLS: 'off',
  SDES: ['off'],
  'transport-protocol': 'RTP/AVP',
  'rtcp-mux': ['demux'],
  // WebRTC's header extensions mean nothing on plain RTP.
  flags: ['strip-extmap'],
}

const towardBrowser: NgDictionary = {
  ...common,
  ICE: 'force',
  SDES: ['off'],
  'transport-protocol': 'UDP/TLS/RTP/SAVPF',
  flags: ['generate-mid'],
}

/** Flags for an `offer` whose rewritten SDP goes `toward` that side. */
export function offerFlags(toward: BridgeSide): NgDictionary {
  if (toward === 'browser') return { ...towardBrowser, 'rtcp-mux': ['offer'] }
  // Hide every codec but G.711 from the trunk, and add G.711 (rtpengine transcodes) when the browser lacks it;
  // telephone-event/8000 too, so DTMF (RFC 4733) reaches IVRs even when the browser sends Opus.
  return { ...towardTrunk, codec: { mask: ['all'], transcode: [...TRUNK_CODECS, 'telephone-event'] } }
}

/** Flags for an `answer` whose rewritten SDP goes back `toward` that side (the side that made the offer). */
export function answerFlags(toward: BridgeSide): NgDictionary {
  if (toward === 'browser') return { ...towardBrowser, 'rtcp-mux': ['accept'] }
  return { ...towardTrunk }
}

/**
 * Attributes of WebRTC that mean nothing on plain RTP/AVP (stream ids, SSRC announcements, bundling, RTCP feedback
 * and reduced-size RTCP). rtpengine 10.5 has no ng key to remove them (`sdp-attr` came later), so the bridge drops
 * them from SDP that goes toward a trunk: a strict carrier SBC may refuse what it does not know.
 */
const WEBRTC_ONLY =
  /^a=(msid|msid-semantic|ssrc|ssrc-group|mid|group|rtcp-rsize|rtcp-xr|rtcp-fb|extmap-allow-mixed|ice-options|end-of-candidates)(:.*)?$/

/** `sdp` without the WebRTC-only attribute lines (pure; keeps the line ending the SDP uses). */
export function withoutWebRtcAttributes(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  return sdp
    .split(eol)
    .filter((line) => !WEBRTC_ONLY.test(line))
    .join(eol)
}
