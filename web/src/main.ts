/**
 * The softphone page: sign-in, then the phone (phone-view.ts) on a registered SIP connection. A session may
 * already exist (the node's one-time sign-in links set the cookie, then open this page); then no form is shown
 * unless the SIP registrar asks for a password.
 */
import './style.css'
import { ApiClient, ApiError, type SessionUser } from './api.js'
import { byId, takeFragmentToken } from './dom.js'
import { startPhoneView } from './phone-view.js'
import { ContactsPanel } from './contacts.js'
import { CallAlerts } from './notify.js'
import { VideoController } from './video.js'

const api = new ApiClient()

// Installable (web/public/sw.js keeps only the page and its built files, never an API answer). Where service
// workers are not allowed (plain http: to a host other than localhost), the softphone works the same.
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/sw.js').catch((e: unknown) => console.warn('service worker not registered:', e))
}
const signIn = byId('sign-in')
const form = byId<HTMLFormElement>('sign-in-form')
const userInput = byId<HTMLInputElement>('user')
const passwordInput = byId<HTMLInputElement>('password')
const error = byId('sign-in-error')
const registration = byId('registration')
const submit = form.querySelector('button')
byId('server-origin').textContent = location.host
let stopPhone: (() => void) | undefined

function describe(e: unknown): string {
  if (e instanceof ApiError && e.status === 401) return 'Wrong user name or password.'
  if (e instanceof ApiError && (e.status === 429 || e.status === 503)) return e.message.replace(/^.*?: \d+ /, '')
  if (e instanceof ApiError && e.status === 0) return e.message
  if (e instanceof ApiError) return `The server could not sign you in (${e.message}).`
  return `Cannot reach the server: ${e instanceof Error ? e.message : String(e)}`
}

function askForPassword(user: string, message: string): void {
  stopPhone?.()
  stopPhone = undefined
  byId('phone').hidden = true
  signIn.hidden = false
  userInput.value = user
  error.textContent = message
  if (submit) submit.disabled = false
  passwordInput.focus()
}

function start(user: SessionUser, sipUser: string, password: string | undefined): void {
  signIn.hidden = true
  stopPhone?.()
  const video = new VideoController()
  const contacts = new ContactsPanel(api, user, (number) => {
    byId<HTMLInputElement>('number').value = number
    byId<HTMLFormElement>('dial-form').requestSubmit()
  })
  const alerts = new CallAlerts((number) => contacts.nameOf(number))
  const stopView = startPhoneView({
    api,
    user,
    sipUser,
    ...(password ? { password } : {}),
    onAuthFailed: () => {
      if (!password) askForPassword(sipUser, 'Enter your password to connect the phone.')
    },
    video,
    nameOf: (number) => contacts.nameOf(number),
    onCall: (c) => alerts.onCall(c),
  })
  stopPhone = () => {
    stopView()
    video.dispose()
    contacts.dispose()
    alerts.dispose()
  }
  byId('sign-out').onclick = () => {
    localStorage.removeItem(SIGNED_IN)
    stopPhone?.()
    void api
      .signOut()
      .catch(() => undefined)
      .finally(() => location.reload())
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault()
  const user = userInput.value.trim()
  const password = passwordInput.value
  if (!user || !password) {
    error.textContent = !user ? 'Enter your user name.' : 'Enter your password.'
    ;(!user ? userInput : passwordInput).focus()
    return
  }
  error.textContent = ''
  if (submit) submit.disabled = true
  registration.textContent = 'Connecting'
  api.signIn(user, password).then(
    (session) => {
      passwordInput.value = ''
      localStorage.setItem(SIGNED_IN, '1')
      start(session.user, session.user.sipUser ?? user, password)
    },
    (e: unknown) => {
      if (submit) submit.disabled = false
      registration.textContent = 'Offline: not signed in'
      error.textContent = describe(e)
      passwordInput.focus()
    },
  )
})

/**
 * An existing session: a #token=... link (bearer), or the session cookie, which this page cannot see (HttpOnly).
 * It asks GET /api/session only when one is likely (it arrived through a redirect, as from the node's one-time
 * sign-in link, or signed in here before), so that a plain visit logs no 401 in the console.
 */
const SIGNED_IN = 'ime.signedIn'
const token = takeFragmentToken()
if (token) api.token = token
const navigation = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined
if (token || (navigation?.redirectCount ?? 0) > 0 || localStorage.getItem(SIGNED_IN)) {
  api.me().then(
    (user) => {
      // A session from a sign-in link too: a reload (or the installed app) finds it again.
      localStorage.setItem(SIGNED_IN, '1')
      start(user, user.sipUser ?? user.name, user.sipPassword)
    },
    (e: unknown) => {
      localStorage.removeItem(SIGNED_IN)
      if (token || !(e instanceof ApiError && e.status === 401)) error.textContent = describe(e)
      userInput.focus()
    },
  )
} else {
  userInput.focus()
}
