/**
 * A softphone's own call, as a user records it in their history (POST /api/calls): every field checked, each
 * refusal naming the field. The record is the user's: caller or called is their own number. Only what the
 * softphone alone knows is taken: its outgoing IME calls, which go from the browser straight to the other
 * enterprise. PSTN calls are recorded by the node's call agent and trunk alone, since validation reads those
 * records: nothing a user posts may make the node prove a call that never happened.
 */
import { isE164, type E164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import { OUTCOMES, type CallOutcome, type CallRecord, type NewCallRecord } from '../validation/call-record.js'

const FIELDS = ['number', 'start', 'end', 'path', 'fallback', 'outcome', 'direction']
/** A softphone's clock may be a little ahead of the node's. */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000
const MAX_AGE_MS = 7 * 24 * 3600_000

export function checkCallInput(
  body: Record<string, unknown>,
  user: { name: string; number: string | null },
  now: number,
  id: string,
): Result<NewCallRecord & { end: number; outcome: CallOutcome }> {
  const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k))
  if (unknown.length > 0) return err(`unknown field ${unknown[0]}; a call has ${FIELDS.join(', ')}`)
  const { number, start, end, path, fallback, outcome } = body
  const direction = body.direction ?? 'outbound'
  if (typeof number !== 'string' || !isE164(number)) return err('number must be an E.164 number such as +12015550100')
  if (typeof start !== 'number' || !Number.isSafeInteger(start))
    return err('start must be a time in ms since the epoch')
  if (start > now + MAX_CLOCK_AHEAD_MS) return err('start is in the future')
  if (start < now - MAX_AGE_MS) return err('start is more than 7 days ago')
  if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < start) {
    return err('end must be a time in ms since the epoch, not before start')
  }
  if (end > now + MAX_CLOCK_AHEAD_MS) return err('end is in the future')
  if (path !== 'ime') {
    return err('path must be "ime": the node records PSTN calls itself (only its call agent and trunk write them)')
  }
  if (fallback !== undefined && typeof fallback !== 'boolean') {
    return err('fallback must be true (the IME call moved to the PSTN mid-call) or false')
  }
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) {
    return err(`outcome must be one of ${OUTCOMES.join(', ')}`)
  }
  if (direction !== 'outbound') {
    return err('direction must be "outbound": the node records the calls that reach its users itself')
  }
  if (user.number === null || !isE164(user.number)) {
    return err(`user ${user.name} has no E.164 number of their own, which a call record needs`)
  }
  const own = user.number
  return ok({
    id,
    direction,
    caller: own,
    called: number as E164,
    start,
    end,
    path,
    outcome: outcome as CallOutcome,
    user: user.name,
    // An IME call that moved to the PSTN mid-call (src/fallback): one record, started over IME.
    ...(fallback === true && { fallback: true }),
  })
}

/** A call record as the API shows it. */
export function callView(r: CallRecord) {
  return {
    id: r.id,
    direction: r.direction,
    from: r.caller,
    to: r.called,
    start: r.start,
    end: r.end,
    path: r.path,
    outcome: r.outcome,
    user: r.user,
    fallback: r.fallback === true,
  }
}
