/** The softphone page: sign-in, then the phone (phone-view.ts) on a registered SIP connection. */
import './style.css'
import { ApiClient, ApiError, type SessionUser } from './api.js'
import { byId, takeFragmentToken } from './dom.js'
import { startPhoneView } from './phone-view.js'

const api = new ApiClient()
const signIn = byId('sign-in')
const form = byId<HTMLFormElement>('sign-in-form')
const userInput = byId<HTMLInputElement>('user')
const passwordInput = byId<HTMLInputElement>('password')
const error = byId('sign-in-error')
const registration = byId('registration')
byId('server-origin').textContent = location.host

function describe(e: unknown): string {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return 'Wrong user name or password.'
  if (e instanceof ApiError && e.status === 0) return e.message
  if (e instanceof ApiError) return `The server could not sign you in (${e.message}).`
  return `Cannot reach the server: ${e instanceof Error ? e.message : String(e)}`
}

function start(user: SessionUser, sipUser: string, password: string): void {
  signIn.hidden = true
  const stop = startPhoneView({ api, user, sipUser, password })
  byId('sign-out').onclick = () => {
    stop()
    void api.signOut().catch(() => undefined)
    location.reload()
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
  const button = form.querySelector('button')
  if (button) button.disabled = true
  registration.textContent = 'Connecting'
  api.signIn(user, password).then(
    (session) => {
      passwordInput.value = ''
      start(session.user, session.user.sipUser ?? user, password)
    },
    (e: unknown) => {
      if (button) button.disabled = false
      registration.textContent = 'Offline: not signed in'
      error.textContent = describe(e)
      passwordInput.focus()
    },
  )
})

// A link with #token=... signs in without a form; the SIP password still has to come from somewhere.
const token = takeFragmentToken()
if (token) {
  api.token = token
  api.me().then(
    (user) => {
      const sipUser = user.sipUser ?? user.name
      if (user.sipPassword) start(user, sipUser, user.sipPassword)
      else {
        userInput.value = sipUser
        error.textContent = 'Enter your password to connect the phone.'
        passwordInput.focus()
      }
    },
    (e: unknown) => {
      error.textContent = describe(e)
      userInput.focus()
    },
  )
} else {
  userInput.focus()
}
