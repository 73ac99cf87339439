/**
 * The phone view across a second sign-in (the SIP registrar refused the session, the user typed the password):
 * exactly one live view afterwards. No DOM library here: a minimal fake page holds the elements the view uses,
 * on Node's own EventTarget, and a fake phone counts what the view asks of it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiClient, SessionUser } from './api.js'
import type { CallView, LineView, PhoneConfig } from './phone.js'
import { startPhoneView, type PhoneControl } from './phone-view.js'

class FakeElement extends EventTarget {
  hidden = false
  disabled = false
  textContent = ''
  value = ''
  readonly dataset: Record<string, string> = {}
  readonly children: (FakeElement | string)[] = []
  private readonly attributes = new Map<string, string>()

  constructor(
    private readonly page: FakePage,
    readonly tagName: string,
  ) {
    super()
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value)
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null
  }
  removeAttribute(name: string): void {
    this.attributes.delete(name)
  }
  append(...nodes: (FakeElement | string)[]): void {
    this.children.push(...nodes)
  }
  replaceChildren(...nodes: (FakeElement | string)[]): void {
    this.children.splice(0, this.children.length, ...nodes)
  }
  focus(): void {
    this.page.activeElement = this
  }
  closest(): null {
    return null
  }
  scrollIntoView(): void {}
  click(): void {
    this.dispatchEvent(new Event('click', { cancelable: true }))
  }
}

/** The softphone page's elements the view looks up by id (web/index.html). */
const IDS = [
  'phone',
  'identity',
  'sign-out',
  'registration',
  'dial-form',
  'number',
  'number-hint',
  'backspace',
  'keypad',
  'call',
  'call-panel',
  'call-party',
  'call-path',
  'call-state',
  'call-timer',
  'call-note',
  'answer',
  'decline',
  'mute',
  'hold',
  'transfer-open',
  'transfer-request',
  'transfer-request-text',
  'transfer-accept',
  'transfer-decline',
  'transfer-form',
  'transfer-number',
  'hang-up',
  'lines',
  'waiting',
  'waiting-text',
  'waiting-answer',
  'waiting-decline',
  'add-call',
  'swap',
  'merge',
  'complete-transfer',
  'history',
  'history-empty',
  'microphone',
  'speaker',
  'speaker-row',
  'speaker-note',
  'remote-audio',
]

class FakePage extends EventTarget {
  activeElement: FakeElement | undefined
  readonly body = new FakeElement(this, 'body')
  private readonly byId = new Map(IDS.map((id) => [id, new FakeElement(this, 'div')]))

  getElementById(id: string): FakeElement | null {
    return this.byId.get(id) ?? null
  }
  createElement(tag: string): FakeElement {
    return new FakeElement(this, tag)
  }
  el(id: string): FakeElement {
    return this.getElementById(id)!
  }
  /** Call, as its click arrives: the dial form's submit. */
  pressCall(): void {
    this.el('dial-form').dispatchEvent(new Event('submit', { cancelable: true }))
  }
}

/** A phone that counts what the view asks of it. */
class FakePhone implements PhoneControl {
  readonly dialled: string[] = []
  answers = 0
  declines = 0
  swaps = 0
  merges = 0
  transfers = 0
  started = false
  stopped = false
  constructor(readonly config: PhoneConfig) {}
  get busy(): boolean {
    return false
  }
  start(): void {
    this.started = true
  }
  stop(): void {
    this.stopped = true
  }
  dial(number: string): void {
    this.dialled.push(number)
  }
  async answer(): Promise<void> {
    this.answers++
  }
  decline(): void {
    this.declines++
  }
  swap(): void {
    this.swaps++
  }
  async merge(): Promise<void> {
    this.merges++
  }
  completeTransfer(): void {
    this.transfers++
  }
  hangUp(): void {}
  toggleMute(): void {}
  toggleHold(): void {}
  sendDtmf(): void {}
  transfer(): void {}
  acceptTransfer(): void {}
  declineTransfer(): void {}
  async useMicrophone(): Promise<void> {}
}

const user: SessionUser = { name: 'alice', number: '+14085550100', domain: 'a.example' }
const api = {
  calls: async () => [],
  followEvents: async () => undefined,
} as unknown as ApiClient

describe('the phone view', () => {
  let page: FakePage
  let phones: FakePhone[]
  const createPhone = (config: PhoneConfig) => {
    const p = new FakePhone(config)
    phones.push(p)
    return p
  }

  beforeEach(() => {
    page = new FakePage()
    phones = []
    vi.stubGlobal('document', page)
    vi.stubGlobal('location', { search: '', protocol: 'http:', host: 'a.example', hostname: 'a.example' })
    vi.stubGlobal('localStorage', { getItem: () => null })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('signed in again (onAuthFailed), leaves one live view: one click on Call places exactly one call', async () => {
    // As main.ts does: the registrar's refusal ends the view; signing in again starts the next one.
    let stop: (() => void) | undefined
    const signIn = (password?: string) => {
      stop?.()
      stop = startPhoneView({
        api,
        user,
        sipUser: 'alice',
        ...(password ? { password } : {}),
        createPhone,
        onAuthFailed: () => {
          stop?.()
          stop = undefined
        },
      })
    }
    signIn()
    phones[0]!.config.onAuthFailed?.()
    signIn('the password')
    await Promise.resolve()

    expect(phones.map((p) => [p.started, p.stopped])).toEqual([
      [true, true],
      [true, false],
    ])
    page.el('number').value = '+1 415 555 0123'
    page.pressCall()
    expect(phones[0]!.dialled).toEqual([])
    expect(phones[1]!.dialled).toEqual(['+14155550123'])

    // One dial pad, whose keys type once.
    const keys = page.el('keypad').children as FakeElement[]
    expect(keys).toHaveLength(12)
    page.el('number').value = ''
    keys.find((k) => k.getAttribute('data-key') === '5')!.click()
    expect(page.el('number').value).toBe('5')

    page.el('answer').click()
    expect(phones.map((p) => p.answers)).toEqual([0, 1])

    // The stopped phone's late reports do not reach the page, nor end the live view.
    phones[0]!.config.onRegistration({ kind: 'offline', reason: 'stopped' })
    phones[0]!.config.onAuthFailed?.()
    expect(page.el('registration').textContent).not.toContain('stopped')
    expect(phones[1]!.stopped).toBe(false)

    stop?.()
    expect(phones[1]!.stopped).toBe(true)
    expect(page.el('keypad').children).toHaveLength(0)
    page.pressCall()
    expect(phones.flatMap((p) => p.dialled)).toEqual(['+14155550123'])
  })

  it('disposes once: a second dispose does nothing', () => {
    const stop = startPhoneView({ api, user, sipUser: 'alice', createPhone })
    stop()
    stop()
    expect(phones).toHaveLength(1)
    expect(phones[0]!.stopped).toBe(true)
  })

  it('shows a waiting call with its own Answer and Decline, then both lines with their paths and controls', () => {
    startPhoneView({ api, user, sipUser: 'alice', createPhone })
    const phone = phones[0]!
    const bob: CallView = {
      direction: 'in',
      number: '+12025550102',
      phase: 'in-call',
      path: 'IME',
      muted: false,
      held: false,
    }
    const line = (id: number, v: CallView, focused: boolean): LineView => ({ ...v, id, focused })
    phone.config.onCall(bob)
    phone.config.onLines?.([line(1, bob, true)])
    expect(page.el('waiting').hidden).toBe(true)
    expect(page.el('lines').hidden).toBe(true)
    expect(page.el('add-call').hidden).toBe(false)

    const anna: CallView = {
      direction: 'in',
      number: '+12015550101',
      phase: 'incoming',
      path: 'Internal',
      muted: false,
      held: false,
    }
    phone.config.onLines?.([line(1, bob, true), line(2, anna, false)])
    expect(page.el('waiting').hidden).toBe(false)
    expect(page.el('waiting-text').textContent).toBe('Call waiting from +1 201 555 0101 (Internal)')
    expect(page.activeElement).toBe(page.el('waiting-answer'))
    expect(page.el('add-call').hidden).toBe(true)
    page.el('waiting-decline').click()
    page.el('waiting-answer').click()
    expect([phone.declines, phone.answers]).toEqual([1, 1])

    // Both answered: the lines list shows each with its path; Swap, Merge and Complete transfer are offered.
    const held = { ...bob, held: true }
    const talking = { ...anna, phase: 'in-call' as const }
    phone.config.onCall(talking)
    phone.config.onLines?.([line(1, held, false), line(2, talking, true)])
    expect(page.el('waiting').hidden).toBe(true)
    expect(page.el('lines').hidden).toBe(false)
    const items = page.el('lines').children as FakeElement[]
    expect(items.map((li) => (li.children as FakeElement[]).map((c) => c.children.join('')))).toEqual([
      ['From +1 202 555 0102', 'IME', 'On hold'],
      ['From +1 201 555 0101', 'Internal', 'Connected'],
    ])
    expect(['swap', 'merge', 'complete-transfer'].map((id) => page.el(id).hidden)).toEqual([false, false, false])
    page.el('swap').click()
    page.el('merge').click()
    page.el('complete-transfer').click()
    expect([phone.swaps, phone.merges, phone.transfers]).toEqual([1, 1, 1])

    // In a three-way call: no Hold, Swap, Merge or transfers; the state says so.
    const conf = (v: CallView) => ({ ...v, held: false, conference: true })
    phone.config.onCall(conf(talking))
    phone.config.onLines?.([line(1, conf(held), false), line(2, conf(talking), true)])
    expect(page.el('call-state').textContent).toBe('Three-way call')
    expect(['hold', 'swap', 'merge', 'complete-transfer', 'transfer-open'].map((id) => page.el(id).hidden)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ])
  })
})
