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
