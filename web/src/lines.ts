/**
 * The softphone's two lines, as pure rules: how many calls it holds, what a REFER asks for (a number, and for an
 * attended transfer the dialog to replace), and which line takes the screen when another ends.
 */
import { numberFromSipUri } from './number.js'
import type { Cadence } from './tones.js'

/** A call and one more: a waiting call, a consultation, or the second party of a three-way conference. */
export const MAX_LINES = 2

/** Call waiting: one soft 440 Hz beep of 300 ms every 10 s, under the far end's voice (ITU-T E.180's tone). */
export const CALL_WAITING: Cadence = { frequencies: [440], pattern: [300, 9_700], level: 0.05 }

export type ReferTarget =
  | { readonly ok: true; readonly number: string; readonly replaces?: string }
  | { readonly ok: false; readonly error: string }

const E164 = /^\+[1-9][0-9]{1,14}$/

/**
 * What a Refer-To header asks: the number to call, and the Replaces value (call-id;to-tag=..;from-tag=..) when the
 * transferor consulted the target first (RFC 3891 in the URI's headers, RFC 5589 section 7).
 */
export function referTarget(referTo: string): ReferTarget {
  const inner = /<([^>]*)>/.exec(referTo)?.[1] ?? referTo.trim()
  const [uri = '', headers = ''] = inner.split('?', 2)
  const number = numberFromSipUri(uri)
  if (number === undefined || !E164.test(number)) return { ok: false, error: `no E.164 number in Refer-To ${inner}` }
  let replaces: string | undefined
  for (const pair of headers.split('&')) {
    const [name = '', value = ''] = pair.split('=', 2)
    if (name.toLowerCase() !== 'replaces' || value === '') continue
    try {
      replaces = decodeURIComponent(value)
    } catch {
      return { ok: false, error: `a malformed Replaces in Refer-To ${inner}` }
    }
    if (!/^[^;\s]+;(?=.*\bto-tag=[^;\s]+)(?=.*\bfrom-tag=[^;\s]+).*$/.test(replaces)) {
      return { ok: false, error: `Replaces needs a call id, to-tag and from-tag: ${replaces}` }
    }
  }
  return replaces === undefined ? { ok: true, number } : { ok: true, number, replaces }
}

/**
 * The line to show when the focused one ends: a ringing call first (the user should see Answer), else a call in
 * progress, else none.
 */
export function nextFocus<L>(lines: readonly L[], ended: L, phaseOf: (l: L) => string): L | undefined {
  const live = lines.filter((l) => l !== ended && phaseOf(l) !== 'ended')
  return live.find((l) => phaseOf(l) === 'incoming') ?? live[0]
}
