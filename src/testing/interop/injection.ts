/** SIPp injection files (-inf): a first line saying how lines are taken, then one ";"-separated line per call. */
import { writeFileSync } from 'node:fs'

/** Writes rows in SEQUENTIAL order (call n gets line n, wrapping); no field may contain ";" or a line break. */
export function writeInjection(path: string, rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    for (const field of row) {
      if (/[;\r\n]/.test(field)) throw new Error(`an injection field may not contain ";" or a line break: ${field}`)
    }
  }
  writeFileSync(path, ['SEQUENTIAL', ...rows.map((r) => r.join(';'))].join('\n') + '\n')
  return path
}

/**
 * A line of uac-call-ticket.xml: calling domain; called number; X-IME-Ticket; and the Identity header split at
 * its ";" (the PASSporT, then the signing peer of its info parameter), or "none" twice for a call without an
 * assertion (its Identity header then fails to parse, which the edge reports after any ticket problem).
 */
export function ticketRow(callingDomain: string, called: string, ticket: string, identity?: string): string[] {
  const jws = identity?.split(';')[0] ?? 'none'
  const peer = identity === undefined ? 'none' : (/;info=<urn:ime:peer:([^>;]+)>/.exec(identity)?.[1] ?? 'none')
  return [callingDomain, called, ticket, jws, peer]
}

/** ticketRow from a call's X-IME-Ticket and Identity headers. */
export function credentialRow(callingDomain: string, called: string, headers: readonly (readonly [string, string])[]) {
  const get = (name: string) => headers.find(([n]) => n === name)?.[1]
  return ticketRow(callingDomain, called, get('X-IME-Ticket') ?? 'none', get('Identity'))
}
