/**
 * One load run: a SIPp UAS where the target delivers calls, and a SIPp UAC sending `calls` calls at `rate` calls/s
 * over TCP (-t t1, one connection) to the target, each INVITE with its X-IME-Ticket. Bounded in count (-m) and
 * time (a hard limit of twice the planned duration plus 30 s).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeInjection } from '../src/testing/interop/injection.js'
import { rttFreqFor, runSipp, startSipp, type SippResult } from '../src/testing/interop/sipp.js'
import { percentile, round } from './report.js'
import type { SipTarget } from './sip-targets.js'

export interface LoadRun {
  target: string
  rate: number
  calls: number
  successful: number
  failed: number
  /** Calls the UAS completed. */
  answered: number
  /** Successful calls / wall time of the UAC run (first INVITE to last BYE answered, plus SIPp's start). */
  achievedPerSecond: number
  /** INVITE sent -> 200 received, from SIPp's response time 1 (1 ms resolution). */
  inviteTo200P50Ms: number
  inviteTo200P99Ms: number
  /** SIPp's own mean of response time 1. */
  inviteTo200MeanMs: number
  /** The server's CPU time during the UAC's run per successful call (µs), when the target can tell. */
  cpuUsPerCall?: number
  elapsedS: number
  exit: string
  command: string
}

/** One load run; SIPp's files (scenario copies, CSV statistics, the injection file) are removed after it. */
export async function runLoad(target: SipTarget, rate: number, calls: number): Promise<LoadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ime-bench-sip-'))
  try {
    return await runLoadIn(dir, target, rate, calls)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runLoadIn(dir: string, target: SipTarget, rate: number, calls: number): Promise<LoadRun> {
  const limitMs = Math.ceil((2 * calls) / rate) * 1000 + 30_000
  const uas =
    target.startUas !== undefined
      ? await target.startUas(calls, limitMs + 5000, join(dir, 'uas'))
      : await startSipp({
          scenario: 'uas.xml',
          port: target.uasPort,
          calls,
          timeoutMs: limitMs + 5000,
          dir: join(dir, 'uas'),
          rttFreq: rttFreqFor(calls),
        })
  let uac: SippResult
  let cpuMs: number | undefined
  try {
    await uas.listening
    const rows = writeInjection(join(dir, 'tickets.csv'), target.rows(Math.min(calls, 100_000)))
    const cpuBefore = target.cpuMs?.()
    uac = await runSipp({
      scenario: 'uac-call-ticket.xml',
      target: target.address,
      injection: rows,
      rate,
      calls,
      timeoutMs: limitMs,
      dir: join(dir, 'uac'),
      rttFreq: rttFreqFor(calls),
    })
    if (cpuBefore !== undefined) cpuMs = target.cpuMs!() - cpuBefore
  } finally {
    // The UAS ends by itself after `calls` calls (a registered one when stopped); if some never reached it, stop it.
    setTimeout(() => void uas.stop(1000), target.startUas !== undefined ? 0 : 2000).unref()
  }
  const callee = await uas.done
  return {
    target: target.name,
    rate,
    calls,
    successful: uac.successful,
    failed: uac.failed,
    // A registered callee answers in SIPp's out-of-call scenario, which its statistics do not count: its log does.
    answered:
      target.startUas !== undefined ? callee.logLines.filter((l) => l.startsWith('ticket=')).length : callee.successful,
    achievedPerSecond: round(uac.successful / uac.elapsedS, 4),
    inviteTo200P50Ms: percentile(uac.rtdMs, 50),
    inviteTo200P99Ms: percentile(uac.rtdMs, 99),
    inviteTo200MeanMs: round(uac.responseTime1MeanMs, 3),
    ...(cpuMs !== undefined && uac.successful > 0 && { cpuUsPerCall: round((cpuMs * 1000) / uac.successful, 1) }),
    elapsedS: round(uac.elapsedS, 4),
    exit: uac.exit,
    command: uac.command,
  }
}
