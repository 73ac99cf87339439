/**
 * Video over IME. An IME call is browser to browser, so it can carry video; a call through the PSTN gateway
 * cannot (the phone network carries voice only), and neither can the PSTN leg of a fallback. The Phone asks this
 * module for each leg's media (CallVideo.media) and hands it the far end's video; the controller shows both
 * pictures, the camera choice and the camera switch, and says why a call is audio only.
 */
import type { CallPath } from './api.js'
import { byId, h } from './dom.js'
import type { PathLabel } from './routing.js'

/** What the Phone (phone.ts) asks of video; without it, every call is audio only. */
export interface CallVideo {
  /**
   * The media for one leg of a call: over IME, the microphone plus the camera when the user wants video (and, for
   * an answer, the caller offered video); otherwise the microphone alone. `receive`: ask the far end for video.
   */
  media(
    leg: { readonly path: CallPath; readonly offered?: boolean },
    microphone: MediaStream,
  ): Promise<{ stream: MediaStream; receive: boolean }>
  /** The far end's video arrived on this connection. */
  remote(stream: MediaStream, pc: RTCPeerConnection): void
  /** The call is over: the camera goes off, the pictures go. */
  ended(): void
}

/** Whether an SDP offer has an active video stream (a port other than 0). */
export const offersVideo = (sdp: string | undefined): boolean => /(^|\n)m=video [1-9]/.test(sdp ?? '')

/** What the user is told about video for a call on this path, when they asked for video. */
export function videoNote(path: PathLabel | undefined, wanted: boolean, cameraError?: string): string {
  if (!wanted || path === undefined) return ''
  if (cameraError !== undefined) return `No camera: ${cameraError}. The call goes on with audio.`
  switch (path) {
    case 'IME':
      return ''
    case 'PSTN (fallback)':
      return 'Audio only: the IME route could not be reached, so the call went over the phone network, which carries voice only.'
    case 'IME → PSTN':
      return 'Audio only: the IME path degraded, so the call moved to the phone network, which carries voice only.'
    case 'PSTN':
      return 'Audio only: there is no IME route to this number yet, and the phone network carries voice only.'
    case 'Internal':
      return 'Audio only: video goes over IME routes to other enterprises.'
  }
}

const WANT_VIDEO = 'ime.video'
const CAMERA = 'ime.camera'

export async function openCamera(deviceId: string | undefined): Promise<MediaStreamTrack> {
  const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } }
  if (deviceId) video.deviceId = { exact: deviceId }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: false, video })
  const track = stream.getVideoTracks()[0]
  if (!track) throw new Error('the browser gave no video track')
  return track
}

const describe = (e: unknown): string => (e instanceof Error ? e.message || e.name : String(e))

/** The video part of the page: #video (pictures and camera switch), #video-on (the wish), #camera (the choice). */
export class VideoController implements CallVideo {
  private readonly el = {
    panel: byId('video'),
    remote: byId<HTMLVideoElement>('remote-video'),
    local: byId<HTMLVideoElement>('local-video'),
    toggle: byId<HTMLButtonElement>('camera-toggle'),
    note: byId('video-note'),
    wanted: byId<HTMLInputElement>('video-on'),
    camera: byId<HTMLSelectElement>('camera'),
  }
  private track: MediaStreamTrack | undefined
  private sender: RTCRtpSender | undefined
  private cameraError: string | undefined
  private sending = false
  private readonly life = new AbortController()

  constructor() {
    const live = { signal: this.life.signal }
    this.el.wanted.checked = localStorage.getItem(WANT_VIDEO) === '1'
    this.el.wanted.addEventListener('change', () => localStorage.setItem(WANT_VIDEO, this.wanted ? '1' : '0'), live)
    this.el.toggle.addEventListener('click', () => void this.toggleCamera(), live)
    this.el.camera.addEventListener('change', () => void this.switchCamera(), live)
    void this.listCameras()
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void this.listCameras(), live)
  }

  get wanted(): boolean {
    return this.el.wanted.checked
  }

  async media(
    leg: { readonly path: CallPath; readonly offered?: boolean },
    microphone: MediaStream,
  ): Promise<{ stream: MediaStream; receive: boolean }> {
    const audio = microphone.getAudioTracks()
    if (leg.path !== 'ime') {
      // A PSTN leg (at dial time or after a fallback): no camera, and no picture from an earlier leg.
      this.stopCamera()
      this.clearRemote()
      return { stream: new MediaStream(audio), receive: false }
    }
    if (!this.wanted || leg.offered === false) return { stream: new MediaStream(audio), receive: true }
    this.cameraError = undefined
    try {
      this.track ??= await openCamera(this.el.camera.value || localStorage.getItem(CAMERA) || undefined)
    } catch (e) {
      this.cameraError = describe(e)
      return { stream: new MediaStream(audio), receive: true }
    }
    this.sending = true
    this.showLocal()
    void this.listCameras() // labels appear once the camera is allowed
    return { stream: new MediaStream([...audio, this.track]), receive: true }
  }

  remote(stream: MediaStream, pc: RTCPeerConnection): void {
    this.sender = pc.getSenders().find((s) => s.track?.kind === 'video') ?? this.sender
    this.el.remote.srcObject = stream
    this.el.remote.hidden = false
    void this.el.remote.play().catch(() => undefined)
    this.el.panel.hidden = false
  }

  ended(): void {
    this.stopCamera()
    this.clearRemote()
    this.sender = undefined
    this.sending = false
    this.cameraError = undefined
    this.el.panel.hidden = true
    this.el.note.textContent = ''
  }

  /** Called with each state of the call: the note, and whether the panel shows. */
  render(path: PathLabel | undefined, inCall: boolean): void {
    this.el.note.textContent = inCall || path !== undefined ? videoNote(path, this.wanted, this.cameraError) : ''
    const pictures = this.track !== undefined || this.el.remote.srcObject !== null
    this.el.panel.hidden = !(pictures && path === 'IME')
    this.el.toggle.hidden = !inCall || this.sender === undefined
    this.el.toggle.textContent = this.sending ? 'Camera off' : 'Camera on'
    this.el.toggle.setAttribute('aria-pressed', String(!this.sending))
  }

  dispose(): void {
    this.life.abort()
    this.ended()
  }

  /** Camera off: nothing is sent and the camera's light goes out; on again: a fresh track, same connection. */
  private async toggleCamera(): Promise<void> {
    const sender = this.sender
    if (sender === undefined) return
    if (this.sending) {
      this.sending = false
      await sender.replaceTrack(null)
      this.stopCamera()
    } else {
      try {
        this.track = await openCamera(this.el.camera.value || undefined)
      } catch (e) {
        this.el.note.textContent = `Cannot turn the camera on: ${describe(e)}`
        return
      }
      await sender.replaceTrack(this.track)
      this.sending = true
      this.showLocal()
    }
    this.el.toggle.textContent = this.sending ? 'Camera off' : 'Camera on'
    this.el.toggle.setAttribute('aria-pressed', String(!this.sending))
  }

  private async switchCamera(): Promise<void> {
    localStorage.setItem(CAMERA, this.el.camera.value)
    if (!this.sending || this.sender === undefined) return
    let track: MediaStreamTrack
    try {
      track = await openCamera(this.el.camera.value || undefined)
    } catch (e) {
      this.el.note.textContent = `Cannot use that camera: ${describe(e)}`
      return
    }
    await this.sender.replaceTrack(track)
    this.stopCamera()
    this.track = track
    this.showLocal()
  }

  private showLocal(): void {
    if (!this.track) return
    this.el.local.srcObject = new MediaStream([this.track])
    this.el.local.hidden = false
    void this.el.local.play().catch(() => undefined)
  }

  private stopCamera(): void {
    this.track?.stop()
    this.track = undefined
    this.el.local.srcObject = null
    this.el.local.hidden = true
  }

  private clearRemote(): void {
    this.el.remote.srcObject = null
    this.el.remote.hidden = true
  }

  private async listCameras(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [])
    const cameras = devices.filter((d) => d.kind === 'videoinput' && d.deviceId !== '')
    const chosen = this.el.camera.value || localStorage.getItem(CAMERA) || ''
    this.el.camera.replaceChildren(
      h('option', { value: '' }, 'Default camera'),
      ...cameras.map((d, i) => h('option', { value: d.deviceId }, d.label || `Camera ${i + 1}`)),
    )
    if (cameras.some((d) => d.deviceId === chosen)) this.el.camera.value = chosen
  }
}
