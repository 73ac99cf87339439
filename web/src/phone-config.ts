/** What the page gives the phone (phone-view.ts), and the SIP WebSocket it uses when the node does not say. */
import type { ApiClient, SessionUser } from './api.js'
import type { CallView, LineView, Registration } from './phone-line.js'
import type { CallVideo } from './video.js'

export interface PhoneConfig {
  readonly user: SessionUser
  readonly sipUser: string
  /** The SIP digest password; none when the node's registrar knows the user by the session cookie. */
  readonly password?: string
  readonly sipWsUrl: string
  readonly imeConnectTimeoutMs: number
  readonly api: ApiClient
  readonly remoteAudio: HTMLAudioElement
  readonly openMicrophone: () => Promise<MediaStream>
  readonly onRegistration: (r: Registration) => void
  /** The focused line (the call shown and heard), or none. */
  readonly onCall: (c: CallView | undefined) => void
  /** Every line, when there is more than one or their set changes (call waiting, add call, conference). */
  readonly onLines?: (lines: readonly LineView[]) => void
  /** 'waiting': a soft tone for a second call arriving during a call. */
  readonly onTone: (tone: 'ringback' | 'ringing' | 'waiting' | 'none') => void
  readonly onRecorded: () => void
  /** The registrar refused the credentials (or wants a password the phone was not given). */
  readonly onAuthFailed?: () => void
  /** Video over IME (video.ts): each leg's media, the far end's picture; without it, calls are audio only. */
  readonly video?: CallVideo
}

/**
 * The SIP WebSocket: the node's port on the page's own host name (so the session cookie goes with the upgrade),
 * or /sip on the page's origin when the node did not say (a reverse proxy in front of it).
 */
export function defaultSipWsUrl(location: Pick<Location, 'protocol' | 'host' | 'hostname'>, port?: number): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return port === undefined ? `${scheme}://${location.host}/sip` : `${scheme}://${location.hostname}:${port}`
}
