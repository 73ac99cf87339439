/**
 * What the video tests read from a page (page.evaluate, in Chromium and Firefox): the current call's video
 * statistics, and whether the far end's picture on the page changes (drawn to a canvas twice, compared).
 */

export interface VideoStats {
  /** Frames decoded from the far end's video (inbound-rtp). */
  framesDecoded: number
  /** Frames this side's camera has encoded and sent (outbound-rtp). */
  framesEncoded: number
  /** Whether the current connection negotiated video at all (a video transceiver with a direction). */
  negotiated: boolean
}

export async function readVideoStats(): Promise<VideoStats> {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
  const pc = [...pcs].reverse().find((p) => p.connectionState !== 'closed')
  const out = { framesDecoded: 0, framesEncoded: 0, negotiated: false }
  if (pc === undefined) return out
  out.negotiated = pc
    .getTransceivers()
    .some((t) => t.receiver.track.kind === 'video' && t.currentDirection !== null && t.currentDirection !== 'stopped')
  ;(await pc.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out.framesDecoded += Number(s.framesDecoded ?? 0)
    if (s.type === 'outbound-rtp' && s.kind === 'video') out.framesEncoded += Number(s.framesEncoded ?? 0)
  })
  return out
}

export interface PictureCheck {
  /** The far end's picture as the page shows it (#remote-video), 0 when none. */
  width: number
  height: number
  /** Frames the page presented in the sampling window (requestVideoFrameCallback; -1 where unsupported). */
  framesShown: number
  /** Of 64x48 sampled pixels, how many changed noticeably between two grabs 800 ms apart. */
  changedPixels: number
  /** How many sampled pixels are not black. */
  litPixels: number
}

export async function checkRemotePicture(): Promise<PictureCheck> {
  const video = document.getElementById('remote-video') as HTMLVideoElement | null
  if (video === null || video.hidden || video.videoWidth === 0) {
    return { width: 0, height: 0, framesShown: 0, changedPixels: 0, litPixels: 0 }
  }
  const canvas = document.createElement('canvas')
  canvas.width = 64
  canvas.height = 48
  const g = canvas.getContext('2d', { willReadFrequently: true })!
  const grab = () => (g.drawImage(video, 0, 0, 64, 48), g.getImageData(0, 0, 64, 48).data)
  let framesShown = -1
  let counting = true
  const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number }
  if (typeof v.requestVideoFrameCallback === 'function') {
    framesShown = 0
    const count = () => {
      framesShown++
      if (counting) v.requestVideoFrameCallback!(count)
    }
    v.requestVideoFrameCallback(count)
  }
  const a = grab()
  await new Promise((r) => setTimeout(r, 800))
  const b = grab()
  counting = false
  let changedPixels = 0
  let litPixels = 0
  for (let i = 0; i < a.length; i += 4) {
    const d = Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!)
    if (d > 24) changedPixels++
    if (b[i]! + b[i + 1]! + b[i + 2]! > 48) litPixels++
  }
  return { width: video.videoWidth, height: video.videoHeight, framesShown, changedPixels, litPixels }
}
