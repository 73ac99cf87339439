/**
 * `ime bench soak --minutes M [--json]`: the demo world under synthetic calls and churn. Scripted phones (one per
 * user, SIP over WebSocket) call numbers of other enterprises: the first call to a number goes over the PSTN,
 * validation (shortened delay) learns the route, and later calls go over IME. Churn: now and then an
 * enterprise's edge goes down for a few seconds (calls to it fall back to the PSTN) or an enterprise node is
 * restarted (it leaves the ring gracefully and rejoins with the same identity). Reports calls placed, by path,
 * fallbacks, failed calls, validations, and heap growth after garbage collection. Bounded by time.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { intOption, numberOption, shutdownSignal, type Command } from '../src/cli/command.js'
import { startWorld, type World, type WorldEnterprise } from '../src/demo/world.js'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { median, percentile, printJson, printTable, round } from './report.js'

export interface SoakResult {
  minutes: number
  callsPlaced: number
  answered: number
  failed: number
  failures: string[]
  byPath: { pstn: number; ime: number }
  fallbacks: number
  validations: Record<string, number>
  validationFailures: Record<string, number>
  restarts: number
  edgeOutages: number
  setupMs: { p50: number; p99: number }
  /** After garbage collection; `minutes`: at the end of each whole minute (the first holds warm-up). */
  heapMB: { start: number; end: number; growth: number; minutes: number[]; growthAfterFirstMinute: number | null }
  rssMB: { start: number; end: number }
}

function gc(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}
const heapMB = () => {
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runSoak(options: {
  minutes: number
  callIntervalMs?: number
  holdMs?: number
  churnEveryS?: number
  /** Node restarts among the churn (default true); without them the churn is edge outages only. */
  restarts?: boolean
  signal?: Promise<unknown>
}): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ime-soak-'))
  const counts = { pstn: 0, ime: 0, fallbacks: 0 }
  const validations: Record<string, number> = {}
  const failureReasons: Record<string, number> = {}
  const world: World = await startWorld({
    dataDir: dir,
    enterprises: 3,
    basePort: 0,
    validation: { minCallMs: 1_000, delayMinMs: 500, delayMaxMs: 2_000 },
    validationPollMs: 500,
    imeTimeoutMs: 1_000,
    onValidation: (_name, o) => {
      validations[o.outcome] = (validations[o.outcome] ?? 0) + 1
      if (o.outcome === 'failed') {
        const why = `${o.kind}: ${(o.reason ?? '').slice(0, 60)}`
        failureReasons[why] = (failureReasons[why] ?? 0) + 1
      }
    },
    onSipEvent: (_name, e) => {
      if (e.type === 'call-started' && e.direction === 'outbound') counts[e.path === 'ime' ? 'ime' : 'pstn']++
      if (e.type === 'fallback') counts.fallbacks++
    },
  })
  const phones = new Map<string, SipPhone>()
  const phoneOf = async (e: WorldEnterprise, k: number): Promise<SipPhone> => {
    const key = `${e.spec.name}/${k}`
    const existing = phones.get(key)
    if (existing?.isOpen === true) return existing
    await existing?.close()
    const u = e.users[k]!
    const p = await SipPhone.connect({
      transport: 'WS',
      port: e.node.sip!.addresses.internal.ws!,
      user: u.user,
      password: u.password,
      domain: e.spec.domain,
    })
    const reg = await p.register()
    if (reg.status !== 200) throw new Error(`${key} could not register: ${reg.status} ${reg.reason}`)
    phones.set(key, p)
    return p
  }
  const result = { placed: 0, answered: 0, failures: [] as string[], restarts: 0, outages: 0, setup: [] as number[] }
  const start = Date.now()
  const end = start + options.minutes * 60_000
  let heapStart: number
  let rssStart: number
  let stopped = false
  void options.signal?.then(() => (stopped = true))
  const edgeTimers = new Set<NodeJS.Timeout>()
  try {
    for (const e of world.enterprises) for (const k of [0, 1]) await phoneOf(e, k)
    heapStart = heapMB()
    const heapByMinute: number[] = []
    rssStart = process.memoryUsage().rss / 2 ** 20
    let nextChurn = Date.now() + (options.churnEveryS ?? 20) * 1000
    let churnTurn = 0
    let round = 0
    while (Date.now() < end && !stopped) {
      round++
      if (Date.now() - start >= (heapByMinute.length + 1) * 60_000) heapByMinute.push(mb(heapMB()))
      if (Date.now() >= nextChurn) {
        // Churn: alternately an edge outage (calls fall back) and a node restart (graceful leave, rejoin).
        const victim = churnTurn % world.enterprises.length
        if (churnTurn % 2 === 0 || options.restarts === false) {
          const agent = world.enterprises[victim]!.node.sip!
          await agent.edgeDown()
          result.outages++
          // Back up after 3 s, unless the run ended first (then the world is stopping: no timer may outlive it).
          const timer = setTimeout(() => {
            edgeTimers.delete(timer)
            void agent.edgeUp().catch(() => undefined)
          }, 3_000)
          edgeTimers.add(timer)
        } else {
          await world.restart(victim)
          result.restarts++
        }
        churnTurn++
        nextChurn = Date.now() + (options.churnEveryS ?? 20) * 1000
      }
      const from = world.enterprises[round % world.enterprises.length]!
      const to = world.enterprises[(round + 1 + (round % 2)) % world.enterprises.length]!
      if (from === to) continue
      const caller = await phoneOf(from, round % 2)
      await phoneOf(to, 0) // the callee must be registered (after a restart its phone reconnects)
      const number = to.users[0]!.number
      result.placed++
      const t0 = Date.now()
      try {
        const call = await caller.call(`sip:${number}@${from.spec.domain}`)
        if (call.final.status !== 200 || call.dialog === undefined) {
          result.failures.push(`${from.spec.name} -> ${number}: ${call.final.status} ${call.final.reason}`)
        } else {
          result.setup.push(Date.now() - t0)
          await sleep(options.holdMs ?? 1_200)
          const bye = await caller.bye(call.dialog)
          if (bye.status !== 200) result.failures.push(`BYE ${from.spec.name} -> ${number}: ${bye.status}`)
          else result.answered++
        }
      } catch (e) {
        result.failures.push(`${from.spec.name} -> ${number}: ${(e as Error).message}`)
      }
      await sleep(options.callIntervalMs ?? 300)
    }
    const heapEnd = heapMB()
    return {
      minutes: round3((Date.now() - start) / 60_000),
      callsPlaced: result.placed,
      answered: result.answered,
      failed: result.failures.length,
      failures: result.failures.slice(0, 20),
      byPath: { pstn: counts.pstn, ime: counts.ime },
      fallbacks: counts.fallbacks,
      validations,
      validationFailures: failureReasons,
      restarts: result.restarts,
      edgeOutages: result.outages,
      setupMs: { p50: median(result.setup), p99: percentile(result.setup, 99) },
      heapMB: {
        start: mb(heapStart),
        end: mb(heapEnd),
        growth: mb(heapEnd - heapStart),
        minutes: heapByMinute,
        growthAfterFirstMinute: heapByMinute[0] === undefined ? null : mb(heapEnd - heapByMinute[0]),
      },
      rssMB: { start: mb(rssStart), end: mb(process.memoryUsage().rss / 2 ** 20) },
    }
  } finally {
    for (const t of edgeTimers) clearTimeout(t)
    for (const p of phones.values()) await p.close()
    await world.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const round3 = (v: number) => round(v, 3)
/** Heap figures to 0.01 MB (three significant digits would round 118.7 MB to 119). */
const mb = (v: number) => Math.round(v * 100) / 100

export const soakBench: Command = {
  name: 'soak',
  summary: 'the demo world under synthetic calls (PSTN first, then IME) and churn; failures and memory growth',
  help: `Usage: ime bench soak [--minutes M] [--interval MS] [--churn S] [--json]

  --minutes M     how long to run (default 1; the target is 0 failed calls and flat memory over 30)
  --interval MS   pause between calls (default 300)
  --churn S       seconds between churn events: an edge outage or a node restart, in turn (default 20)
  --no-restarts   churn with edge outages only (to tell memory growth per call from growth per node restart)`,
  options: {
    minutes: { type: 'string' },
    interval: { type: 'string' },
    churn: { type: 'string' },
    'no-restarts': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const r = await runSoak({
      minutes: numberOption(args, 'minutes', 1, 0.05, 24 * 60),
      callIntervalMs: intOption(args, 'interval', 300, 0, 60_000),
      churnEveryS: intOption(args, 'churn', 20, 1, 3600),
      restarts: args.values['no-restarts'] !== true,
      signal: shutdownSignal(),
    })
    if (args.values.json === true) printJson({ bench: 'soak', ...r })
    else {
      printTable('soak: the demo world under calls and churn', [
        ['minutes', r.minutes],
        ['calls placed / answered / failed', `${r.callsPlaced} / ${r.answered} / ${r.failed}`],
        ['answered over PSTN / IME', `${r.byPath.pstn} / ${r.byPath.ime}`],
        ['fallbacks to the PSTN', r.fallbacks],
        ['validations', JSON.stringify(r.validations)],
        ['failed validations, why', JSON.stringify(r.validationFailures)],
        ['edge outages / node restarts', `${r.edgeOutages} / ${r.restarts}`],
        ['call setup p50 / p99 (ms)', `${r.setupMs.p50} / ${r.setupMs.p99}`],
        ['heap after GC, start -> end (MB)', `${r.heapMB.start} -> ${r.heapMB.end} (${r.heapMB.growth})`],
        ['heap after GC, each minute (MB)', r.heapMB.minutes.join(' ')],
        ['heap growth after the first minute (MB)', r.heapMB.growthAfterFirstMinute ?? '-'],
        ['RSS start -> end (MB)', `${r.rssMB.start} -> ${r.rssMB.end}`],
      ])
      for (const f of r.failures) process.stdout.write(`  failed: ${f}\n`)
    }
    return r.failed === 0 ? 0 : 1
  },
}
