/**
 * Where the node's calls are recorded: the record, its scheduled validation (a finished outbound PSTN call)
 * and, for a call in progress, its SIP Call-ID, each committed in one transaction, so that a crash never keeps
 * one without the other; then the call goes on the event stream.
 */
import type { EventHub } from '../http/events.js'
import type { CallAgentConfig } from '../sip/agent/index.js'
import type { SqliteCallsInProgress } from '../store/calls-in-progress-store.js'
import { transaction, type Database } from '../store/database.js'
import type { CallRecord, CallRecordStore, NewCallRecord } from '../validation/call-record.js'

export interface CallRecordingDeps {
  readonly db: Database
  readonly calls: CallRecordStore
  readonly callsInProgress: SqliteCallsInProgress
  /** Schedules the validation of a finished call (the validation scheduler). */
  readonly validations: { callEnded(record: CallRecord): unknown }
  readonly events: EventHub
}

export interface CallRecording {
  /** The call agent's hooks. */
  readonly sipCalls: NonNullable<CallAgentConfig['calls']>
  /** Keeps a finished call's record (one the node did not carry itself); throws when the store refuses it. */
  record(record: NewCallRecord): CallRecord
}

export function callRecording({ db, calls, callsInProgress, validations, events }: CallRecordingDeps): CallRecording {
  return {
    sipCalls: {
      started(record, sipCallId) {
        const stored = transaction(db, () => {
          const r = calls.add(record)
          if (r.ok && r.value.end !== null) validations.callEnded(r.value)
          if (r.ok && r.value.end === null && sipCallId !== undefined) {
            callsInProgress.set(sipCallId, { recordId: r.value.id, start: r.value.start })
          }
          return r
        })
        if (stored.ok) events.publish({ type: 'call', call: stored.value })
      },
      ended(id, end, outcome, sipCallId) {
        const finished = transaction(db, () => {
          callsInProgress.delete(sipCallId, id)
          const r = calls.finish(id, end, outcome)
          if (r.ok) validations.callEnded(r.value)
          return r
        })
        if (finished.ok) events.publish({ type: 'call', call: finished.value })
      },
      moved(id, from, to) {
        const moved = transaction(db, () => {
          const r = calls.markMoved?.(id)
          if (r?.ok === true) {
            callsInProgress.delete(from, id)
            callsInProgress.set(to, { recordId: id, start: r.value.start })
          }
          return r
        })
        if (moved?.ok === true) events.publish({ type: 'call', call: moved.value })
      },
      inProgress: (sipCallId) => callsInProgress.get(sipCallId),
    },
    record(record) {
      const stored = transaction(db, () => {
        const r = calls.add(record)
        if (!r.ok) throw new Error(`call record refused: ${r.error}`)
        validations.callEnded(r.value)
        return r.value
      })
      events.publish({ type: 'call', call: stored })
      return stored
    },
  }
}
