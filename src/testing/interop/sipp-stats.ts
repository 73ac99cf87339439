/** Parsing what SIPp writes: its exit code, the statistics CSV (-trace_stat) and the response times (-trace_rtt). */

/** SIPp's documented exit codes. */
export const SIPP_EXIT: Readonly<Record<number, string>> = {
  0: 'all calls were successful',
  1: 'at least one call failed',
  97: 'exit on internal command (calls may have been processed)',
  99: 'normal exit without calls processed',
  255: 'fatal error',
  254: 'fatal error binding a socket',
}

export function describeExit(code: number | null): string {
  return code === null ? 'killed' : `exit ${code}: ${SIPP_EXIT[code] ?? 'unknown'}`
}

/** The last row of a statistics CSV as a map from column name to value (";" separated, header first). */
export function lastStatRow(csv: string): Record<string, string> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '')
  if (lines.length < 2) return {}
  const header = lines[0]!.split(';')
  const row = lines[lines.length - 1]!.split(';')
  const result: Record<string, string> = {}
  header.forEach((name, i) => {
    if (name !== '') result[name] = row[i] ?? ''
  })
  return result
}

/** A counter column ("SuccessfulCall(C)"), 0 when absent. */
export function counter(row: Record<string, string>, name: string): number {
  const n = Number(row[name] ?? '0')
  return Number.isFinite(n) ? n : 0
}

/** Seconds since the epoch from a SIPp time column: "date<TAB>time<TAB>seconds.micro". */
export function epochSeconds(value: string | undefined): number {
  const last = (value ?? '').split('\t').pop() ?? ''
  const n = Number(last)
  return Number.isFinite(n) && last !== '' ? n : Number.NaN
}

/** Milliseconds from a SIPp duration column: "HH:MM:SS:micro" (response times) or "HH:MM:SS". */
export function durationMs(value: string | undefined): number {
  const parts = (value ?? '').split(':').map(Number)
  if (parts.length < 3 || parts.some((p) => !Number.isFinite(p))) return Number.NaN
  const [h, m, s, micro = 0] = parts as [number, number, number, number?]
  return ((h * 60 + m) * 60 + s) * 1000 + micro / 1000
}

/** Response times (ms, SIPp's 1 ms resolution) of timer `rtd` from a -trace_rtt file: "Date_ms;response_time_ms;rtd_no". */
export function responseTimes(rttCsv: string, rtd = 1): number[] {
  const times: number[] = []
  for (const line of rttCsv.split('\n').slice(1)) {
    const [, ms, no] = line.split(';')
    if (no !== undefined && Number(no) === rtd && ms !== undefined && ms !== '') times.push(Number(ms))
  }
  return times
}

/** What one SIPp run did, from its final statistics row. */
export interface SippCounts {
  /** Calls SIPp created (outgoing for a UAC, incoming for a UAS). */
  created: number
  successful: number
  failed: number
  /** Wall time from SIPp's start to its last statistics row, in seconds. */
  elapsedS: number
  /** Mean of response time 1 (INVITE -> 200 in our scenarios), ms; NaN without rtd in the scenario. */
  responseTime1MeanMs: number
}

export function countsOf(row: Record<string, string>): SippCounts {
  return {
    created: counter(row, 'OutgoingCall(C)') + counter(row, 'IncomingCall(C)'),
    successful: counter(row, 'SuccessfulCall(C)'),
    failed: counter(row, 'FailedCall(C)'),
    elapsedS: epochSeconds(row['CurrentTime']) - epochSeconds(row['StartTime']),
    responseTime1MeanMs: durationMs(row['ResponseTime1(C)']),
  }
}
