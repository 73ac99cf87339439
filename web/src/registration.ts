/**
 * The phone's registered line: one JsSIP UA on the node's internal SIP WebSocket (incoming calls, PSTN calls),
 * registered with the user's credentials (or the session cookie), its state told to the page; a refused
 * registration is tried again with backoff, a refused password is not.
 */
import { UA, WebSocketInterface } from 'jssip'
import type { IncomingRTCSessionEvent, RTCSessionEvent } from 'jssip/lib/UA.js'
import { backoffDelay } from './backoff.js'
import type { PhoneConfig } from './phone-config.js'

export interface RegisteredLine {
  readonly ua: UA
  /** No more retries, no more "not registered" (the phone is stopping). */
  halt(): void
}

/** Starts the registered UA; undefined when the WebSocket URL is bad (the page is told why). */
export function startRegistration(
  config: Pick<PhoneConfig, 'user' | 'sipUser' | 'password' | 'sipWsUrl' | 'onRegistration' | 'onAuthFailed'>,
  onIncoming: (e: IncomingRTCSessionEvent) => void,
): RegisteredLine | undefined {
  let attempts = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const { user, sipUser, password, sipWsUrl } = config
  config.onRegistration({ kind: 'connecting' })
  let socket: WebSocketInterface
  try {
    socket = new WebSocketInterface(sipWsUrl)
  } catch (e) {
    config.onRegistration({ kind: 'offline', reason: `bad SIP WebSocket URL ${sipWsUrl} (${String(e)})` })
    return undefined
  }
  const ua = new UA({
    sockets: [socket],
    uri: `sip:${sipUser}@${user.domain}`,
    authorization_user: sipUser,
    ...(password ? { password } : {}),
    display_name: user.name,
    register: true,
    register_expires: 300,
    connection_recovery_min_interval: 1,
    connection_recovery_max_interval: 30,
    user_agent: 'IME softphone',
  })
  ua.on('connecting', () => {
    if (!ua.isRegistered()) config.onRegistration({ kind: 'connecting' })
  })
  ua.on('disconnected', (e) => {
    const why = e.code !== undefined && e.code !== 1000 ? ` (code ${e.code})` : ''
    config.onRegistration({ kind: 'offline', reason: `no connection to the SIP server${why}; retrying` })
  })
  ua.on('registered', () => {
    attempts = 0
    config.onRegistration({ kind: 'registered' })
  })
  ua.on('unregistered', () => {
    // A lost connection also unregisters; the 'disconnected' reason says more.
    if (!stopped && ua.isConnected()) config.onRegistration({ kind: 'offline', reason: 'not registered' })
  })
  ua.on('registrationFailed', (e) => {
    const code = e.response?.status_code
    const auth = code === 401 || code === 403 || e.cause === 'Authentication Error'
    if (auth) {
      config.onRegistration({ kind: 'offline', reason: 'the SIP server refused the user name or password' })
      config.onAuthFailed?.()
      return
    }
    const delay = backoffDelay(attempts++)
    const what = code
      ? `registration refused (${code} ${e.response.reason_phrase})`
      : `registration failed (${e.cause})`
    config.onRegistration({ kind: 'offline', reason: `${what}; retrying in ${Math.ceil(delay / 1000)} s` })
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (!stopped && ua.isConnected()) ua.register()
    }, delay)
  })
  ua.on('newRTCSession', (e: RTCSessionEvent) => {
    if (e.originator === 'remote') onIncoming(e as IncomingRTCSessionEvent)
  })
  ua.start()
  return {
    ua,
    halt: () => {
      stopped = true
      clearTimeout(timer)
    },
  }
}
