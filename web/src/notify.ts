/**
 * Call alerts: while a call rings the page title says so; a call that rings while the user is away from the page
 * (its tab in the background, or another window in front) shows a system notification (the Notifications API), and a missed one another; missed calls are counted in
 * the title (and on the installed app's icon, where the browser allows) until the user comes back to the page.
 * Permission is asked only when the user presses "Turn on alerts" in the offer the page shows once signed in.
 */
import { byId } from './dom.js'
import { displayNumber } from './number.js'
import type { CallView } from './phone.js'

const BASE_TITLE = 'IME softphone'
const DECLINED = 'ime.alerts.notNow'

/** The page title for a ringing call and the missed calls not yet seen. */
export function pageTitle(ringingFrom: string | undefined, missed: number): string {
  if (ringingFrom !== undefined) return `Ringing: ${ringingFrom} · ${BASE_TITLE}`
  return missed > 0 ? `(${missed}) ${BASE_TITLE}` : BASE_TITLE
}

/** Whether this call state is an incoming call that ended unanswered (missed, not declined by this user). */
export const isMissed = (c: CallView | undefined): boolean =>
  c?.direction === 'in' && c.phase === 'ended' && c.outcome === 'missed'

type Permission = 'default' | 'granted' | 'denied' | 'unsupported'

export class CallAlerts {
  private readonly el = {
    offer: byId('alerts-offer'),
    on: byId<HTMLButtonElement>('alerts-on'),
    later: byId<HTMLButtonElement>('alerts-later'),
  }
  private missed = 0
  private ringing: { number: string; notification?: Notification } | undefined
  private lastPhase: CallView['phase'] | undefined
  private readonly life = new AbortController()

  constructor(private readonly nameOf: (number: string) => string | undefined = () => undefined) {
    const live = { signal: this.life.signal }
    this.el.on.addEventListener('click', () => void this.askPermission(), live)
    this.el.later.addEventListener(
      'click',
      () => {
        localStorage.setItem(DECLINED, '1')
        this.el.offer.hidden = true
      },
      live,
    )
    // Back on the page: the missed calls are in the history now, seen.
    const seen = () => {
      if (document.hidden || this.missed === 0) return
      this.missed = 0
      this.showCount()
    }
    document.addEventListener('visibilitychange', seen, live)
    document.addEventListener('pointerdown', seen, live)
    document.addEventListener('keydown', seen, live)
    window.addEventListener('focus', seen, live)
    this.el.offer.hidden = !(permission() === 'default' && localStorage.getItem(DECLINED) === null)
  }

  /** Each call state, as the phone view renders it. */
  onCall(c: CallView | undefined): void {
    const phase = c?.phase
    const changed = phase !== this.lastPhase
    this.lastPhase = phase
    if (c?.phase === 'incoming') {
      if (this.ringing === undefined) {
        this.ringing = { number: c.number }
        if (away())
          this.notify('Incoming call', `${this.who(c.number)} is calling${c.path ? ` (${c.path})` : ''}`, true)
      }
      this.showCount()
      return
    }
    const rang = this.ringing
    this.ringing = undefined
    rang?.notification?.close()
    if (changed && isMissed(c)) {
      this.missed++
      if (away()) this.notify('Missed call', `${this.who(c!.number)} called`, false)
    }
    this.showCount()
  }

  get missedCount(): number {
    return this.missed
  }

  dispose(): void {
    this.life.abort()
    this.ringing?.notification?.close()
    this.ringing = undefined
    this.missed = 0
    this.showCount()
    this.el.offer.hidden = true
  }

  private who(number: string): string {
    const name = this.nameOf(number)
    return name ? `${name} (${displayNumber(number)})` : displayNumber(number)
  }

  private showCount(): void {
    const ringing = this.ringing
    document.title = pageTitle(ringing ? this.who(ringing.number) : undefined, this.missed)
    const nav = navigator as Navigator & {
      setAppBadge?: (n: number) => Promise<void>
      clearAppBadge?: () => Promise<void>
    }
    if (this.missed > 0) void nav.setAppBadge?.(this.missed).catch(() => undefined)
    else void nav.clearAppBadge?.().catch(() => undefined)
  }

  private notify(title: string, body: string, ringing: boolean): void {
    if (permission() !== 'granted') return
    let n: Notification
    try {
      n = new Notification(title, { body, tag: 'ime-call', requireInteraction: ringing })
    } catch {
      // Some mobile browsers allow notifications only through the service worker.
      void navigator.serviceWorker?.ready
        .then((r) => r.showNotification(title, { body, tag: 'ime-call' }))
        .catch(() => undefined)
      return
    }
    n.onclick = () => {
      window.focus()
      n.close()
    }
    if (ringing && this.ringing) this.ringing.notification = n
  }

  private async askPermission(): Promise<void> {
    if (permission() === 'unsupported') return
    const answer = await Notification.requestPermission()
    this.el.offer.hidden = true
    if (answer !== 'granted') localStorage.setItem(DECLINED, '1')
  }
}

/** The user is not looking at the page: its tab is in the background, or another window has the focus. */
const away = (): boolean => document.hidden || !document.hasFocus()

function permission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}
