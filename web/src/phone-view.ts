/**
 * The phone once signed in: dial form and pad, the call panel, history, devices; wires DOM to Phone. The page
 * keeps its elements across sign-ins: startPhoneView returns a dispose that takes every listener, key and
 * history entry it added away again and stops its phone, so that signing in again leaves exactly one live view.
 */
import { ApiError, type ApiClient, type SessionUser } from './api.js'
import { canChooseSpeaker, listAudioDevices, openMicrophone, setSpeaker } from './devices.js'
import { byId, h } from './dom.js'
import { formatDuration, historyEntries } from './history.js'
import { countryOf, dialable, displayNumber, DTMF_KEYS, isDtmfKey, KEY_LETTERS, toE164 } from './number.js'
import { CALL_WAITING } from './lines.js'
import { defaultSipWsUrl, Phone, registrationText, type CallView, type LineView, type PhoneConfig } from './phone.js'
import { DEFAULT_IME_CONNECT_TIMEOUT_MS, type PathLabel } from './routing.js'
import { RINGBACK, RINGING, TonePlayer } from './tones.js'
import type { CallVideo } from './video.js'
import { NAMES_CHANGED } from './contacts.js'

export interface PhoneViewOptions {
  readonly api: ApiClient
  readonly user: SessionUser
  readonly sipUser: string
  readonly password?: string
  readonly onAuthFailed?: () => void
  /** Makes the SIP phone (default: a JsSIP Phone); a test passes a fake. */
  readonly createPhone?: (config: PhoneConfig) => PhoneControl
  /** Video over IME (video.ts): the phone's media for each leg, told of each call state. */
  readonly video?: CallVideo & { render(path: PathLabel | undefined, inCall: boolean): void }
  /** Told of each call state (notifications, the page title). */
  readonly onCall?: (c: CallView | undefined) => void
  /** A contact's name for a number, shown with it (contacts.ts). */
  readonly nameOf?: (number: string) => string | undefined
}

/** What the view uses of a Phone (the second line's controls are optional: a phone without them has one line). */
export type PhoneControl = Pick<
  Phone,
  | 'busy'
  | 'start'
  | 'stop'
  | 'dial'
  | 'answer'
  | 'decline'
  | 'hangUp'
  | 'toggleMute'
  | 'toggleHold'
  | 'sendDtmf'
  | 'transfer'
  | 'acceptTransfer'
  | 'declineTransfer'
  | 'useMicrophone'
> &
  Partial<Pick<Phone, 'canDial' | 'swap' | 'merge' | 'completeTransfer'>>

const KEY_NAMES: Record<string, string> = { '*': 'star', '#': 'pound' }

/** Settings a deployment or a test may change: ?country=GB&imeTimeout=5000, or localStorage. */
function setting(name: string): string | undefined {
  return new URLSearchParams(location.search).get(name) ?? localStorage.getItem(`ime.${name}`) ?? undefined
}

export function startPhoneView({
  api,
  user,
  sipUser,
  password,
  onAuthFailed,
  createPhone = (config) => new Phone(config),
  video,
  onCall,
  nameOf = () => undefined,
}: PhoneViewOptions): () => void {
  // Every listener this view adds goes with this signal; after dispose, nothing of this view reacts any more.
  const life = new AbortController()
  const { signal } = life
  const live = { signal }
  const el = {
    phone: byId('phone'),
    identity: byId('identity'),
    signOut: byId('sign-out'),
    registration: byId('registration'),
    dialForm: byId<HTMLFormElement>('dial-form'),
    number: byId<HTMLInputElement>('number'),
    numberHint: byId('number-hint'),
    backspace: byId<HTMLButtonElement>('backspace'),
    keypad: byId('keypad'),
    call: byId<HTMLButtonElement>('call'),
    panel: byId('call-panel'),
    party: byId('call-party'),
    path: byId('call-path'),
    state: byId('call-state'),
    timer: byId('call-timer'),
    note: byId('call-note'),
    answer: byId<HTMLButtonElement>('answer'),
    decline: byId<HTMLButtonElement>('decline'),
    mute: byId<HTMLButtonElement>('mute'),
    hold: byId<HTMLButtonElement>('hold'),
    transferOpen: byId<HTMLButtonElement>('transfer-open'),
    transferRequest: byId<HTMLElement>('transfer-request'),
    transferRequestText: byId<HTMLElement>('transfer-request-text'),
    transferAccept: byId<HTMLButtonElement>('transfer-accept'),
    transferDecline: byId<HTMLButtonElement>('transfer-decline'),
    transferForm: byId<HTMLFormElement>('transfer-form'),
    transferNumber: byId<HTMLInputElement>('transfer-number'),
    hangUp: byId<HTMLButtonElement>('hang-up'),
    lines: byId<HTMLOListElement>('lines'),
    waiting: byId('waiting'),
    waitingText: byId('waiting-text'),
    waitingAnswer: byId<HTMLButtonElement>('waiting-answer'),
    waitingDecline: byId<HTMLButtonElement>('waiting-decline'),
    addCall: byId<HTMLButtonElement>('add-call'),
    swap: byId<HTMLButtonElement>('swap'),
    merge: byId<HTMLButtonElement>('merge'),
    completeTransfer: byId<HTMLButtonElement>('complete-transfer'),
    history: byId<HTMLOListElement>('history'),
    historyEmpty: byId('history-empty'),
    microphone: byId<HTMLSelectElement>('microphone'),
    speaker: byId<HTMLSelectElement>('speaker'),
    speakerRow: byId('speaker-row'),
    speakerNote: byId('speaker-note'),
    remoteAudio: byId<HTMLAudioElement>('remote-audio'),
  }
  const country = setting('country') ?? countryOf(user.number)
  const timeout = Number(setting('imeTimeout') ?? user.imeTimeoutMs ?? DEFAULT_IME_CONNECT_TIMEOUT_MS)
  const tones = new TonePlayer()
  let view: CallView | undefined
  let lines: readonly LineView[] = []
  let timerHandle: ReturnType<typeof setInterval> | undefined

  el.phone.hidden = false
  el.signOut.hidden = false
  el.identity.hidden = false
  el.identity.textContent = `${user.name} · ${displayNumber(user.number)} · ${user.domain}`
  const example = country ? `national numbers are read as ${country}` : 'start with + and the country code'
  el.numberHint.textContent = `Type a number any way you like: spaces, dashes, brackets; ${example}.`

  const phone = createPhone({
    user,
    sipUser,
    ...(password ? { password } : {}),
    // A disposed view's phone is stopped; whatever it still reports is not this page's any more.
    ...(onAuthFailed ? { onAuthFailed: () => !signal.aborted && onAuthFailed() } : {}),
    sipWsUrl: user.sipWsUrl ?? defaultSipWsUrl(location, user.sipWsPort),
    imeConnectTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_IME_CONNECT_TIMEOUT_MS,
    api,
    remoteAudio: el.remoteAudio,
    openMicrophone: () => openMicrophone(el.microphone.value || undefined),
    onRegistration: (r) => {
      if (signal.aborted) return
      const text = registrationText(r)
      if (el.registration.textContent !== text) el.registration.textContent = text
      el.registration.dataset.kind = r.kind
    },
    onCall: (c) => !signal.aborted && render(c),
    onLines: (l) => {
      if (signal.aborted) return
      lines = l
      renderLines()
    },
    onTone: (t) => {
      if (signal.aborted) return
      if (t === 'ringback') tones.play(RINGBACK)
      else if (t === 'ringing') tones.play(RINGING)
      else if (t === 'waiting') tones.play(CALL_WAITING)
      else tones.stop()
    },
    onRecorded: () => !signal.aborted && void loadHistory(),
    ...(video ? { video } : {}),
  })

  // ---- dialling ----
  el.keypad.replaceChildren()
  for (const key of DTMF_KEYS) {
    const letters = KEY_LETTERS[key]
    const button = h(
      'button',
      { type: 'button', class: 'key', 'data-key': key, 'aria-label': KEY_NAMES[key] ?? key },
      h('span', { class: 'digit', 'aria-hidden': 'true' }, key),
      h('span', { class: 'letters', 'aria-hidden': 'true' }, letters),
    )
    button.addEventListener('click', () => pressKey(key), live)
    el.keypad.append(button)
  }

  function pressKey(key: string): void {
    tones.click(key)
    if (sendsTones()) {
      phone.sendDtmf(key)
      el.note.textContent = `Sent ${(el.note.dataset.dtmf = (el.note.dataset.dtmf ?? '') + key)}`
      return
    }
    el.number.value += key
    validate(false)
  }

  el.backspace.addEventListener(
    'click',
    () => {
      el.number.value = el.number.value.slice(0, -1)
      el.number.focus()
    },
    live,
  )

  el.number.addEventListener(
    'input',
    () => {
      const clean = dialable(el.number.value)
      if (clean !== el.number.value) el.number.value = clean
      validate(false)
    },
    live,
  )

  function validate(showErrors: boolean): string | undefined {
    const typed = el.number.value
    if (typed.trim() === '') {
      el.number.removeAttribute('aria-invalid')
      return undefined
    }
    const r = toE164(typed, country)
    if (r.ok) {
      el.number.removeAttribute('aria-invalid')
      el.numberHint.textContent = `Calls ${displayNumber(r.value)}`
      return r.value
    }
    if (showErrors) {
      el.number.setAttribute('aria-invalid', 'true')
      el.numberHint.textContent = r.error.charAt(0).toUpperCase() + r.error.slice(1) + '.'
    }
    return undefined
  }

  /** Set by Add call: during a call, Call places a second one only once the user asked for it. */
  let adding = false
  const canDial = (): boolean => (phone.canDial ?? !phone.busy) && (adding || !phone.busy)

  /** The dial pad sends tones to the call shown, unless it is on hold (a second call is being dialled). */
  function sendsTones(): boolean {
    return view?.phase === 'in-call' && !view.held
  }

  function dial(number: string): void {
    if (!canDial()) return
    adding = false
    el.note.dataset.dtmf = ''
    phone.dial(number)
    el.hangUp.focus()
  }

  el.dialForm.addEventListener(
    'submit',
    (e) => {
      e.preventDefault()
      const number = validate(true)
      if (!number) {
        if (el.number.value.trim() === '') el.numberHint.textContent = 'Type a number to call.'
        el.number.focus()
        return
      }
      dial(number)
    },
    live,
  )

  // ---- in a call ----
  el.answer.addEventListener('click', () => void phone.answer(), live)
  el.decline.addEventListener('click', () => phone.decline(), live)
  el.hangUp.addEventListener('click', () => phone.hangUp(), live)
  el.mute.addEventListener('click', () => phone.toggleMute(), live)
  el.hold.addEventListener('click', () => phone.toggleHold(), live)
  el.waitingAnswer.addEventListener('click', () => void phone.answer(), live)
  el.waitingDecline.addEventListener('click', () => phone.decline(), live)
  el.swap.addEventListener('click', () => phone.swap?.(), live)
  el.merge.addEventListener('click', () => void phone.merge?.(), live)
  el.completeTransfer.addEventListener('click', () => phone.completeTransfer?.(), live)
  el.addCall.addEventListener(
    'click',
    () => {
      // The call goes on hold now, as on a desk phone; the number typed next is placed on the second line.
      if (view && !view.held) phone.toggleHold()
      adding = true
      el.call.disabled = false
      el.number.value = ''
      el.numberHint.textContent = 'Type the second number; the first call stays on hold.'
      el.number.focus()
    },
    live,
  )
  el.transferAccept.addEventListener('click', () => phone.acceptTransfer(), live)
  el.transferDecline.addEventListener('click', () => phone.declineTransfer(), live)
  el.transferOpen.addEventListener(
    'click',
    () => {
      const open = el.transferForm.hidden
      el.transferForm.hidden = !open
      el.transferOpen.setAttribute('aria-expanded', String(open))
      if (open) el.transferNumber.focus()
    },
    live,
  )
  el.transferForm.addEventListener(
    'submit',
    (e) => {
      e.preventDefault()
      const r = toE164(el.transferNumber.value, country)
      if (!r.ok) {
        el.note.textContent = r.error
        el.transferNumber.focus()
        return
      }
      phone.transfer(r.value)
      el.transferForm.hidden = true
      el.transferOpen.setAttribute('aria-expanded', 'false')
    },
    live,
  )

  // Keys typed outside a text box go to the call (DTMF) or the number; Escape hangs up.
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return
    const target = e.target as HTMLElement | null
    const typing = Boolean(target?.closest('input, select, textarea'))
    if (e.key === 'Escape' && view && view.phase !== 'ended') {
      e.preventDefault()
      if (view.phase === 'incoming') phone.decline()
      else phone.hangUp()
      return
    }
    if (typing || !isDtmfKey(e.key)) return
    if (sendsTones()) {
      e.preventDefault()
      pressKey(e.key)
    }
  }
  document.addEventListener('keydown', onKey, live)

  function render(c: CallView | undefined): void {
    const before = view
    view = c
    video?.render(c?.path, c?.phase === 'in-call')
    onCall?.(c)
    const active = c !== undefined
    const appearing = active && el.panel.hidden
    el.panel.hidden = !active
    // On a narrow screen the call panel sits below the dial pad: bring it into view.
    if (appearing) el.panel.scrollIntoView?.({ block: 'nearest' })
    el.call.disabled = !canDial() && active && c.phase !== 'ended'
    clearInterval(timerHandle)
    el.timer.textContent = ''
    if (!c) {
      if (before) el.number.focus()
      return
    }
    const name = nameOf(c.number)
    const who = name ? `${name} (${displayNumber(c.number)})` : displayNumber(c.number)
    el.party.textContent = `${c.direction === 'in' ? 'From' : 'To'} ${who}`
    el.path.textContent = c.path ?? ''
    el.path.hidden = !c.path
    el.path.dataset.path = c.path ?? ''
    el.state.textContent = stateText(c)
    if (c.note !== undefined) el.note.textContent = c.note
    else if (c.phase !== 'in-call') el.note.textContent = ''
    const incoming = c.phase === 'incoming'
    const inCall = c.phase === 'in-call'
    el.answer.hidden = !incoming
    el.decline.hidden = !incoming
    el.hangUp.hidden = incoming || c.phase === 'ended'
    el.mute.hidden = !inCall
    el.hold.hidden = !inCall
    el.transferOpen.hidden = !inCall || c.conference === true
    renderLines()
    if (!inCall) el.transferForm.hidden = true
    const asked = inCall ? c.transferRequest : undefined
    el.transferRequest.hidden = asked === undefined
    if (asked !== undefined) {
      el.transferRequestText.textContent = asked.attended
        ? `${displayNumber(asked.by)} asks you to call ${displayNumber(asked.number)}, who is expecting you.`
        : `${displayNumber(asked.by)} asks you to call ${displayNumber(asked.number)}.`
      if (before?.transferRequest === undefined) el.transferAccept.focus()
    }
    el.mute.setAttribute('aria-pressed', String(c.muted))
    el.hold.setAttribute('aria-pressed', String(c.held))
    el.keypad.setAttribute('aria-label', inCall ? 'Dial pad: sends tones to the call' : 'Dial pad')
    if (c.answeredAt !== undefined && inCall) {
      const tick = () => (el.timer.textContent = formatDuration(Date.now() - (c.answeredAt ?? Date.now())))
      tick()
      timerHandle = setInterval(tick, 1000)
    }
    // Move focus to what can be done now, without stealing it from a control the user is on.
    if (inCall && before?.phase !== 'in-call') void loadDevices() // labels appear once the microphone is allowed
    if (incoming && before?.phase !== 'incoming') el.answer.focus()
    else if (inCall && before?.phase !== 'in-call' && document.activeElement === el.answer) el.hangUp.focus()
    else if (c.phase === 'ended' && (document.activeElement === el.hangUp || document.activeElement === document.body))
      el.number.focus()
  }

  /** The lines next to the call shown: each with its party, path and state; a waiting call with Answer. */
  function renderLines(): void {
    const live = lines.filter((l) => l.phase !== 'ended')
    const waiting = live.find((l) => l.phase === 'incoming' && !l.focused)
    el.waiting.hidden = waiting === undefined
    if (waiting) {
      el.waitingText.textContent = `Call waiting from ${displayNumber(waiting.number)}${waiting.path ? ` (${waiting.path})` : ''}`
      if (el.waiting.dataset.line !== String(waiting.id)) el.waitingAnswer.focus()
    }
    el.waiting.dataset.line = waiting ? String(waiting.id) : ''
    const two = live.length === 2
    el.lines.hidden = !two
    el.lines.replaceChildren(
      ...(two
        ? live.map((l) =>
            h(
              'li',
              { 'aria-current': String(l.focused), 'data-line': String(l.id) },
              h('span', {}, `${l.direction === 'in' ? 'From' : 'To'} ${displayNumber(l.number)}`),
              h('span', { class: 'path', 'data-path': l.path ?? '' }, l.path ?? '…'),
              h('span', { class: 'line-state' }, stateText(l)),
            ),
          )
        : []),
    )
    if (live.length !== 1 || live[0]?.phase !== 'in-call' || !live[0].held) adding = false
    const both = two && live.every((l) => l.phase === 'in-call')
    const conference = live.some((l) => l.conference)
    const shown = live.find((l) => l.focused)
    el.addCall.hidden = !(live.length === 1 && shown?.phase === 'in-call' && !conference)
    el.swap.hidden = !both || conference
    el.merge.hidden = !both || conference
    el.completeTransfer.hidden = !both || conference
    el.hold.hidden = el.hold.hidden || conference
    el.call.disabled = !canDial() && live.length > 0
  }

  function stateText(c: CallView): string {
    switch (c.phase) {
      case 'routing':
        return 'Finding a route…'
      case 'calling':
        return 'Calling…'
      case 'ringing':
        return 'Ringing…'
      case 'incoming':
        return `Incoming call from ${displayNumber(c.number)}`
      case 'in-call':
        if (c.conference) return c.muted ? 'Three-way call, muted' : 'Three-way call'
        return c.held ? 'On hold' : c.muted ? 'Connected, muted' : 'Connected'
      case 'ended':
        return `Call ended${c.outcome && c.outcome !== 'answered' ? ` (${c.outcome.replace('-', ' ')})` : ''}`
    }
  }

  // ---- history ----
  async function loadHistory(): Promise<void> {
    let calls
    try {
      calls = await api.calls()
    } catch (e) {
      if (signal.aborted) return
      el.historyEmpty.hidden = false
      el.historyEmpty.textContent =
        e instanceof ApiError && e.status === 401
          ? 'Your session has ended: sign out and sign in again to see recent calls.'
          : `Could not load recent calls: ${e instanceof Error ? e.message : String(e)}`
      return
    }
    // A dispose (signing in again) while the list loaded: the next view shows its own.
    if (signal.aborted) return
    const entries = historyEntries(calls, { now: Date.now() }).slice(0, 50)
    el.historyEmpty.hidden = entries.length > 0
    el.historyEmpty.textContent = 'No calls yet.'
    el.history.replaceChildren(
      ...entries.map((entry) => {
        const button = h(
          'button',
          { type: 'button', class: 'entry', 'data-number': entry.number, 'aria-label': `${entry.summary}. Call back` },
          h(
            'span',
            { class: `dir dir-${entry.direction}`, 'aria-hidden': 'true' },
            entry.direction === 'in' ? '↙' : '↗',
          ),
          h('time', { datetime: entry.datetime }, entry.time),
          // A contact's name in place of the number (the number stays in the label and the tooltip).
          h('span', { class: 'num', title: entry.display }, nameOf(entry.number) ?? entry.display),
          h('span', { class: 'dur' }, entry.duration || entry.outcome || '—'),
          h('span', { class: 'path', 'data-path': entry.path }, entry.path),
        )
        button.title = entry.summary
        button.addEventListener(
          'click',
          () => {
            el.number.value = entry.number
            validate(false)
            dial(entry.number)
          },
          live,
        )
        return h('li', {}, button)
      }),
    )
  }

  // ---- devices ----
  async function loadDevices(): Promise<void> {
    const { microphones, speakers } = await listAudioDevices().catch(() => ({ microphones: [], speakers: [] }))
    if (signal.aborted) return
    const fill = (select: HTMLSelectElement, list: { deviceId: string; label: string }[], fallback: string) => {
      const chosen = select.value
      select.replaceChildren(
        h('option', { value: '' }, fallback),
        ...list.map((d) => h('option', { value: d.deviceId }, d.label)),
      )
      if (list.some((d) => d.deviceId === chosen)) select.value = chosen
    }
    fill(el.microphone, microphones, 'Default microphone')
    fill(el.speaker, speakers, 'Default speaker')
    const speakerChoice = canChooseSpeaker()
    el.speakerRow.hidden = !speakerChoice
    el.speakerNote.hidden = speakerChoice
  }
  el.microphone.addEventListener(
    'change',
    () => {
      if (!view || view.phase !== 'in-call') return
      openMicrophone(el.microphone.value || undefined).then(
        (s) => phone.useMicrophone(s),
        (e: unknown) => (el.note.textContent = `Cannot use that microphone: ${String(e)}`),
      )
    },
    live,
  )
  el.speaker.addEventListener(
    'change',
    () => {
      void setSpeaker(el.remoteAudio, el.speaker.value).catch(() => undefined)
      tones.setSink(el.speaker.value)
    },
    live,
  )
  navigator.mediaDevices?.addEventListener?.('devicechange', () => void loadDevices(), live)

  // ---- live updates ----
  // Contacts named a number (contacts.ts): the history shows the name.
  document.addEventListener(NAMES_CHANGED, () => void loadHistory(), live)
  void api.followEvents((e) => {
    if (e.event === 'call' || e.event === 'calls') void loadHistory()
  }, signal)

  phone.start()
  void loadHistory()
  void loadDevices()
  el.number.focus()

  return () => {
    if (signal.aborted) return
    life.abort()
    clearInterval(timerHandle)
    phone.stop()
    tones.stop()
    // What this view added to the page goes with it: the next view builds its own.
    el.keypad.replaceChildren()
    el.history.replaceChildren()
    el.panel.hidden = true
  }
}
