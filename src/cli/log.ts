/** Logs on stderr (stdout carries the ready line and reports): readable lines, or JSON lines on request. */
import { ringIdToHex } from '../core/ring.js'
import type { ChordEvent } from '../dht/chord-node.js'

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
}

export type LogLevel = 'debug' | 'info' | 'warn'
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 }

export function createLogger(options: { json: boolean; level?: LogLevel; stream?: NodeJS.WritableStream }): Logger {
  const out = options.stream ?? process.stderr
  const least = RANK[options.level ?? 'info']
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < least) return
    const time = new Date().toISOString()
    out.write(
      options.json
        ? JSON.stringify({ time, level, message, ...fields }) + '\n'
        : `${time} ${level.padEnd(4)} ${message}${fields ? ' ' + JSON.stringify(fields) : ''}\n`,
    )
  }
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
  }
}

const short = (n: { id: bigint; peer: string } | null) =>
  n === null ? 'none' : `${ringIdToHex(n.id as never).slice(0, 8)}…`

export function describeChordEvent(e: ChordEvent): string {
  switch (e.type) {
    case 'successor':
      return `successor is now ${short(e.node)}`
    case 'predecessor':
      return `predecessor is now ${short(e.node)}`
    case 'peer-failed':
      return `peer ${short(e.node)} failed: ${e.reason}`
    case 'record-refused':
      return `refused a record from ${short(e.from)}: ${e.reason}`
    case 'joined':
      return `joined via ${short(e.via)}`
    case 'left':
      return 'left the ring'
  }
}
