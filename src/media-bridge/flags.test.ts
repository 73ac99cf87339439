import { describe, expect, it } from 'vitest'
import { answerFlags, offerFlags, withoutWebRtcAttributes } from './flags.js'

describe('bridge flags', () => {
  it('toward the trunk: plain RTP/AVP, no ICE or DTLS or SDES, RTCP demuxed, G.711 and DTMF only (transcoded if need be)', () => {
    expect(offerFlags('trunk')).toMatchObject({
      ICE: 'remove',
      DTLS: 'off',
      SDES: ['off'],
      'transport-protocol': 'RTP/AVP',
      'rtcp-mux': ['demux'],
      codec: { mask: ['all'], transcode: ['PCMU', 'PCMA', 'telephone-event'] },
    })
    expect(answerFlags('trunk')).toMatchObject({
      ICE: 'remove',
      'transport-protocol': 'RTP/AVP',
      'rtcp-mux': ['demux'],
    })
  })

  it('toward the browser: ICE, DTLS-SRTP, RTCP multiplexed', () => {
    expect(offerFlags('browser')).toMatchObject({
      ICE: 'force',
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['offer'],
    })
    expect(answerFlags('browser')).toMatchObject({
      ICE: 'force',
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      'rtcp-mux': ['accept'],
    })
  })

  it('drops the WebRTC-only attributes and keeps everything else, line endings included', () => {
    const sdp = [
      'v=0',
      'a=msid-semantic: WMS x',
      'a=group:BUNDLE 0',
      'm=audio 5000 RTP/AVP 0',
      'a=mid:0',
      'a=msid:x y',
      'a=ssrc:1 cname:z',
      'a=rtcp-rsize',
      'a=rtcp-fb:0 nack',
      'a=rtpmap:0 PCMU/8000',
      'a=rtcp:5001',
      'a=sendrecv',
      '',
    ]
    const kept = ['v=0', 'm=audio 5000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=rtcp:5001', 'a=sendrecv', '']
    expect(withoutWebRtcAttributes(sdp.join('\r\n'))).toBe(kept.join('\r\n'))
    expect(withoutWebRtcAttributes(sdp.join('\n'))).toBe(kept.join('\n'))
  })
})
