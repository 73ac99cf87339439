import { describe, expect, it } from 'vitest'
import { offersVideo, videoNote } from './video.js'

describe('offersVideo', () => {
  it('sees an active video stream in an offer, and not a refused (port 0) or missing one', () => {
    expect(offersVideo('v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 UDP/TLS/RTP/SAVPF 96\r\n')).toBe(true)
    expect(offersVideo('v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\n')).toBe(false)
    expect(offersVideo('v=0\r\nm=audio 4000 RTP/AVP 0\r\n')).toBe(false)
    expect(offersVideo(undefined)).toBe(false)
  })
})

describe('videoNote', () => {
  it('says nothing over IME, or when the user asked for no video', () => {
    expect(videoNote('IME', true)).toBe('')
    expect(videoNote('PSTN', false)).toBe('')
    expect(videoNote(undefined, true)).toBe('')
  })
  it('says why a call is audio only: no route yet, a fallback, an internal call, no camera', () => {
    expect(videoNote('PSTN', true)).toMatch(/^Audio only: there is no IME route to this number yet/)
    expect(videoNote('PSTN (fallback)', true)).toMatch(/^Audio only: the IME route could not be reached/)
    expect(videoNote('Internal', true)).toMatch(/^Audio only: video goes over IME routes/)
    expect(videoNote('IME', true, 'Permission denied')).toBe(
      'No camera: Permission denied. The call goes on with audio.',
    )
  })
})
