/**
 * Running SIPp as a UAC or UAS: a child process in its own temporary directory, with -trace_err, -trace_stat
 * (a row every second and at the end), -trace_rtt (every response time) and, on request, -trace_logs. Every run has
 * a hard time limit: SIGUSR1 (SIPp's graceful stop), then SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { waitListening } from './listening.js'
import { freePorts, LOCALHOST } from './ports.js'
import { countsOf, describeExit, lastStatRow, responseTimes, type SippCounts } from './sipp-stats.js'
import { findTool } from './tools.js'
import { projectRoot } from '../project-root.js'

export const SCENARIOS_DIR = join(projectRoot(), 'src/testing/interop/scenarios/')

export type SippTransport = 't1' | 'tn' | 'u1'

export interface SippOptions {
  /** A file in src/testing/interop/scenarios (e.g. 'uas.xml') or an absolute path. */
  scenario: string
  /** host:port to send to (a UAC); absent for a UAS. */
  target?: string
  transport?: SippTransport
  /** Local SIP port; a free one when absent. */
  port?: number
  /** Calls per second (UAC). */
  rate?: number
  /** Stop after this many calls (-m). */
  calls: number
  /** Most simultaneous calls (-l); SIPp's default when absent. */
  limit?: number
  /** Injection CSV (-inf). */
  injection?: string
  /**
   * Write the response times every this many calls (-rtt_freq; default 1). SIPp drops what is left over at the
   * end, so choose a divisor of `calls` (rttFreqFor).
   */
  rttFreq?: number
  /**
   * Digest credentials for [authentication] (-au, -ap), and the Request-URI they answer for (-auth_uri, without
   * its "sip:"): SIPp otherwise puts its remote address in the digest uri, which our registrar refuses (the
   * digest uri must name the Request-URI, RFC 2617 section 3.2.2.5).
   */
  auth?: { readonly user: string; readonly password: string; readonly uri?: string }
  /** -key NAME VALUE for [NAME] in the scenario. */
  keys?: Readonly<Record<string, string>>
  /** Write <log> actions to a file (-trace_logs); the lines come back in the result. */
  logs?: boolean
  /** Hard limit on the run; then SIGUSR1, and SIGKILL 2 s later. */
  timeoutMs: number
  /** Working directory; when absent, a new temporary one, removed once SIPp has ended and its files are read. */
  dir?: string
  extraArgs?: readonly string[]
}

export interface SippResult extends SippCounts {
  exitCode: number | null
  /** describeExit(exitCode), plus "(timed out)" when the time limit stopped it. */
  exit: string
  timedOut: boolean
  /** INVITE -> 200 (response time 1) of every successful call, ms. */
  rtdMs: number[]
  /** <log> lines (with -trace_logs). */
  logLines: string[]
  /** The error log (unexpected messages, aborted calls), first 20,000 characters. */
  errors: string
  stats: Record<string, string>
  /** Its working directory: already removed when startSipp made it (no `dir` option). */
  dir: string
  command: string
  stderr: string
}

const running = new Set<ChildProcess>()

/** A running SIPp. */
export interface SippProcess {
  readonly port: number
  readonly dir: string
  readonly command: string
  /** Resolves when SIPp has exited, with what it reported. */
  readonly done: Promise<SippResult>
  /** Resolves once a TCP SIPp listens on its port (UDP: at once). */
  readonly listening: Promise<void>
  /** Graceful stop (SIGUSR1), SIGKILL after graceMs; resolves with the result. */
  stop(graceMs?: number): Promise<SippResult>
}

function readDirFile(dir: string, suffix: string, limit = Number.POSITIVE_INFINITY): string {
  const name = readdirSync(dir).find((f) => f.endsWith(suffix))
  if (name === undefined) return ''
  const text = readFileSync(join(dir, name), 'utf8')
  return text.length > limit ? text.slice(0, limit) + '\n[...]' : text
}

export async function startSipp(options: SippOptions): Promise<SippProcess> {
  const sipp = findTool('sipp')
  const transport = options.transport ?? 't1'
  const port = options.port ?? (await freePorts(1))
  const mediaPort = await freePorts(4)
  const ownDir = options.dir === undefined
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'ime-sipp-'))
  mkdirSync(dir, { recursive: true })
  const scenario = isAbsolute(options.scenario) ? options.scenario : join(SCENARIOS_DIR, options.scenario)
  const args = [
    ...(options.target !== undefined ? [options.target] : []),
    ...['-sf', scenario, '-t', transport, '-i', LOCALHOST, '-p', String(port), '-mp', String(mediaPort)],
    ...['-m', String(options.calls), '-nostdin', '-trace_err', '-trace_stat', '-fd', '1'],
    ...[
      '-trace_rtt',
      '-rtt_freq',
      String(options.rttFreq ?? 1),
      '-trace_screen',
      '-screen_file',
      join(dir, 'screen.log'),
    ],
    ...(options.rate !== undefined ? ['-r', String(options.rate)] : []),
    ...(options.limit !== undefined ? ['-l', String(options.limit)] : []),
    ...(options.injection !== undefined ? ['-inf', options.injection] : []),
    ...(options.logs === true ? ['-trace_logs'] : []),
    ...(options.auth !== undefined ? ['-au', options.auth.user, '-ap', options.auth.password] : []),
    ...(options.auth?.uri !== undefined ? ['-auth_uri', options.auth.uri] : []),
    ...Object.entries(options.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(options.extraArgs ?? []),
  ]
  const command = `cd ${dir} && ${sipp} ${args.map((a) => (/^[\w./:+,=-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`
  const child = spawn(sipp, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  running.add(child)
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => {
    if (stderr.length < 20_000) stderr += c.toString()
  })
  let timedOut = false
  let killTimer: NodeJS.Timeout | undefined
  const signalStop = (graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGUSR1')
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceMs)
  }
  const limitTimer = setTimeout(() => {
    timedOut = true
    signalStop(2000)
  }, options.timeoutMs)

  const done = new Promise<SippResult>((resolve) => {
    child.once('error', (e) => (stderr += `\n${e.message}`))
    child.once('close', (code) => {
      clearTimeout(limitTimer)
      clearTimeout(killTimer)
      running.delete(child)
      const stats = lastStatRow(readDirFile(dir, '_.csv'))
      const logs = readDirFile(dir, '_logs.log')
      const result: SippResult = {
        ...countsOf(stats),
        exitCode: code,
        exit: describeExit(code) + (timedOut ? ` (timed out after ${options.timeoutMs} ms)` : ''),
        timedOut,
        rtdMs: responseTimes(readDirFile(dir, '_rtt.csv')),
        logLines: logs.split('\n').filter((l) => l.trim() !== ''),
        errors: readDirFile(dir, '_errors.log', 20_000),
        stats,
        dir,
        command,
        stderr,
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true })
      resolve(result)
    })
  })
  const listening =
    transport === 'u1'
      ? Promise.resolve()
      : Promise.race([
          waitListening(port, 'SIPp', 10_000, () => stderr),
          done.then((r) => {
            throw new Error(`SIPp exited before listening (${r.exit}): ${command}\n${stderr}`)
          }),
        ])
  listening.catch(() => undefined)
  return {
    port,
    dir,
    command,
    done,
    listening,
    stop(graceMs = 2000) {
      signalStop(graceMs)
      return done
    },
  }
}

/** The largest -rtt_freq up to `max` that divides `calls`, so that SIPp writes every response time. */
export function rttFreqFor(calls: number, max = 1000): number {
  for (let d = Math.min(max, calls); d > 1; d--) if (calls % d === 0) return d
  return 1
}

/** Runs SIPp to the end (or its time limit). */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  return (await startSipp(options)).done
}

/** A one-paragraph account of a run, for assertion messages. */
export function explain(result: SippResult): string {
  return [
    `SIPp ${result.exit}: ${result.successful} successful, ${result.failed} failed of ${result.created}`,
    `  ${result.command}`,
    result.stderr.trim() !== '' ? `  stderr: ${result.stderr.trim().slice(0, 2000)}` : '',
    result.errors.trim() !== '' ? `  errors: ${result.errors.trim().slice(0, 3000)}` : '',
  ]
    .filter((l) => l !== '')
    .join('\n')
}

/** Kills (SIGKILL) every SIPp this process started and that is still running. */
export function killAllSipp(): void {
  for (const c of running) c.kill('SIGKILL')
  running.clear()
}
