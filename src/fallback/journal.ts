/**
 * The node's live fallback offers, kept across a restart: a node that came back while IME calls it accepted go on
 * (their media does not pass through it) must not give a new call a DID and digits one of those calls still holds
 * (its caller's PSTN leg could then be spliced into the wrong call), and those calls can still move. A JSON file in
 * the data directory, replaced whole (written aside, synced, renamed) at each change; the offers in it lapse by
 * their expiry like live ones (allocator.ts).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { isE164 } from '../core/e164.js'
import { err, ok, type Result } from '../core/result.js'
import type { Allocation } from './allocator.js'

export interface FallbackJournal {
  /** The offers kept last time (none when there is no journal yet), or why they cannot be read. */
  load(): Result<Allocation[]>
  save(offers: readonly Allocation[]): void
}

const isAllocation = (v: unknown): v is Allocation => {
  const a = v as Record<string, unknown> | null
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.callId === 'string' &&
    a.callId !== '' &&
    typeof a.did === 'string' &&
    isE164(a.did) &&
    typeof a.digits === 'string' &&
    /^[0-9]{4,12}$/.test(a.digits) &&
    typeof a.user === 'string' &&
    (a.caller === undefined || (typeof a.caller === 'string' && isE164(a.caller))) &&
    typeof a.expiresAt === 'number' &&
    Number.isFinite(a.expiresAt)
  )
}

/** The offers as the journal file holds them; an error names the file and what is wrong with it. */
export function parseJournal(text: string, path: string): Result<Allocation[]> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    return err(`${path} is not JSON (${(e as Error).message}): remove it to start with no fallback offers kept`)
  }
  const offers = (data as { version?: unknown; offers?: unknown } | null)?.offers
  if ((data as { version?: unknown } | null)?.version !== 1 || !Array.isArray(offers)) {
    return err(`${path} is not a version 1 fallback journal: remove it to start with no fallback offers kept`)
  }
  const bad = offers.findIndex((o) => !isAllocation(o))
  if (bad >= 0) return err(`${path}: offer ${bad} is malformed: ${JSON.stringify(offers[bad])}`)
  return ok(offers as Allocation[])
}

export function fileJournal(path: string): FallbackJournal {
  return {
    load: () => (existsSync(path) ? parseJournal(readFileSync(path, 'utf8'), path) : ok([])),
    save(offers) {
      const aside = `${path}.new`
      const fd = openSync(aside, 'w', 0o600)
      try {
        writeSync(fd, JSON.stringify({ version: 1, offers }) + '\n')
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(aside, path)
    },
  }
}
