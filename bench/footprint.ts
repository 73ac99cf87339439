/**
 * `ime bench footprint`: what one `ime node` costs to keep running. It starts the built node (bin/ime.js) with 100
 * numbers, SIP listeners and the HTTP API, as a small business would, and measures: time from launch to the ready
 * line with the number keys cached (after a first start that derives them), RSS and V8 heap after start-up and after
 * some idle minutes, and where the resident memory is (the node binary, V8's heap, other anonymous memory, shared
 * libraries). Side by side, the same figures for an empty Node process: the floor no node can go below.
 *
 * The node is measured from outside (/proc/PID) and, for the heap, by a tiny preloaded probe that prints
 * process.memoryUsage() and V8's heap spaces when sent SIGUSR2.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { numberOption, intOption, type Command } from '../src/cli/command.js'
import { projectRoot } from '../src/testing/project-root.js'
import { median, printJson, printTable, round } from './report.js'

const ROOT = projectRoot()
const NODE = process.execPath
const IME = join(ROOT, 'bin/ime.js')
const NUMBERS = ['--range', '+14085550100..+14085550199']

const PROBE = `import v8 from 'node:v8'
process.on('SIGUSR2', () => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]))
  process.stderr.write('footprint-probe ' + JSON.stringify({ memory: process.memoryUsage(), spaces }) + '\\n')
})
`

interface Probe {
  memory: NodeJS.MemoryUsage
  spaces: Record<string, number>
}

interface Sample {
  rssMiB: number
  heapUsedMiB: number
  heapTotalMiB: number
  externalMiB: number
  /** Resident memory by kind of mapping (MiB). */
  resident: Record<string, number>
  /** V8 heap spaces, used bytes (MiB). */
  heapSpaces: Record<string, number>
}

const MiB = (bytes: number) => round(bytes / 2 ** 20, 3)

/** Resident kB of each mapping of `pid`, grouped: the node binary, anonymous (heaps), libraries, the rest. */
function residentByKind(pid: number): Record<string, number> {
  const kinds: Record<string, number> = { nodeBinary: 0, anonymous: 0, sharedLibraries: 0, other: 0 }
  let kind = 'other'
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (header !== null) {
      const path = header[1]!
      kind =
        path === NODE || path.endsWith('/node')
          ? 'nodeBinary'
          : path === '' || path === '[heap]' || path.startsWith('[anon')
            ? 'anonymous'
            : path.includes('.so')
              ? 'sharedLibraries'
              : 'other'
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss !== null) kinds[kind]! += Number(rss[1])
  }
  return Object.fromEntries(Object.entries(kinds).map(([k, kb]) => [k, round(kb / 1024, 3)]))
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
}

interface Running {
  child: ChildProcess
  readyMs: number
  probe(): Promise<Sample>
  stop(): Promise<void>
}

/** Starts `ime ARGS` (bin/ime.js) or `node ARGS` with the probe preloaded; resolves when `readyPrefix` appears on stdout. */
async function launch(
  dir: string,
  program: 'ime' | 'node',
  args: readonly string[],
  readyPrefix: string,
): Promise<Running> {
  const probeFile = join(dir, 'probe.mjs')
  writeFileSync(probeFile, PROBE)
  const started = performance.now()
  // The probe rides in NODE_OPTIONS, so that bin/ime.js runs as a program, with the flags of its #! line.
  const env = {
    ...process.env,
    NODE_OPTIONS: `--import ${probeFile}`,
    PATH: `${dirname(NODE)}${delimiter}${process.env.PATH ?? ''}`,
  }
  const child = spawn(program === 'ime' ? IME : NODE, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
  let stderr = ''
  const probes: ((p: Probe) => void)[] = []
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString()
    for (;;) {
      const m = /footprint-probe (\{.*\})\n/.exec(stderr)
      if (m === null) break
      stderr = stderr.slice(0, m.index) + stderr.slice(m.index + m[0].length)
      probes.shift()?.(JSON.parse(m[1]!) as Probe)
    }
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const readyMs = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s; stderr:\n${stderr}`)), 60_000)
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.split('\n').some((l) => l.startsWith(readyPrefix))) {
        clearTimeout(timer)
        resolve(performance.now() - started)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code}) before its ready line; stderr:\n${stderr}`))
    })
  })
  return {
    child,
    readyMs,
    async probe() {
      const reply = new Promise<Probe>((resolve, reject) => {
        probes.push(resolve)
        setTimeout(() => reject(new Error('the probe did not answer within 10 s')), 10_000).unref()
      })
      child.kill('SIGUSR2')
      const p = await reply
      return {
        rssMiB: round(rssKiB(child.pid!) / 1024, 3),
        heapUsedMiB: MiB(p.memory.heapUsed),
        heapTotalMiB: MiB(p.memory.heapTotal),
        externalMiB: MiB(p.memory.external),
        resident: residentByKind(child.pid!),
        heapSpaces: Object.fromEntries(Object.entries(p.spaces).map(([k, v]) => [k, MiB(v)])),
      }
    },
    async stop() {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const footprintBench: Command = {
  name: 'footprint',
  summary: 'RSS and heap of one ime node with 100 numbers, after start-up and idle; launch-to-ready time',
  help: `Usage: ime bench footprint [--runs N] [--settle S] [--idle-minutes M] [--json]

  --runs N          starts measured with the number keys cached (default 5; the median is reported)
  --settle S        seconds after the ready line before the start-up sample (default 5)
  --idle-minutes M  how long the last node idles before the second sample (default 5)
  --json            print one JSON object as the last line

Runs the built node (bin/ime.js; builds dist/ first if it is stale), on 127.0.0.1 only.`,
  options: {
    runs: { type: 'string' },
    settle: { type: 'string' },
    'idle-minutes': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const runs = intOption(args, 'runs', 5, 1, 50)
    const settle = numberOption(args, 'settle', 5, 0, 120)
    const idleMinutes = numberOption(args, 'idle-minutes', 5, 0, 120)
    const json = args.values.json === true
    const say = (line: string) => process.stderr.write(`${line}\n`)
    const dir = mkdtempSync(join(tmpdir(), 'ime-footprint-'))
    const nodeArgs = ['node', ...NUMBERS, '--data', join(dir, 'data'), '--http', '0', '--domain', 'small.example']
    try {
      // The first start derives the numbers' keys (slow hashes) and the node's identity, and caches both.
      say('first start (derives and caches the number keys)...')
      const first = await launch(dir, 'ime', nodeArgs, 'ready ')
      await first.stop()

      const readyMs: number[] = []
      const startSamples: Sample[] = []
      let last: Running | undefined
      for (let i = 0; i < runs; i++) {
        const node = await launch(dir, 'ime', nodeArgs, 'ready ')
        readyMs.push(node.readyMs)
        await sleep(settle * 1000)
        startSamples.push(await node.probe())
        say(`run ${i + 1}/${runs}: ready in ${Math.round(node.readyMs)} ms, RSS ${startSamples.at(-1)!.rssMiB} MiB`)
        if (i < runs - 1) await node.stop()
        else last = node
      }
      say(`idling ${idleMinutes} min...`)
      await sleep(idleMinutes * 60_000)
      const idle = await last!.probe()
      await last!.stop()

      // The peer: an empty Node process, the floor.
      const empty = await launch(dir, 'node', ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"], 'ready')
      await sleep(settle * 1000)
      const floor = await empty.probe()
      await empty.stop()

      const startRss = median(startSamples.map((s) => s.rssMiB))
      const typical = startSamples.find((s) => s.rssMiB === startRss) ?? startSamples[0]!
      const result = {
        bench: 'footprint',
        numbers: 100,
        runs,
        firstStartMs: Math.round(first.readyMs),
        readyMsMedian: Math.round(median(readyMs)),
        readyMs: readyMs.map(Math.round),
        afterStart: typical,
        afterIdle: { minutes: idleMinutes, ...idle },
        emptyNode: floor,
        targets: { rssMiB: 80, readyMs: 2000 },
      }
      if (json) printJson(result)
      else {
        printTable('ime bench footprint (one ime node, 100 numbers, keys cached)', [
          ['first start (derives keys)', `${result.firstStartMs} ms`],
          ['launch -> ready, median', `${result.readyMsMedian} ms (${result.readyMs.join(', ')}) target <= 2000`],
          ['RSS after start-up', `${typical.rssMiB} MiB (target <= 80)`],
          [`RSS after ${idleMinutes} min idle`, `${idle.rssMiB} MiB`],
          ['V8 heap used / total, idle', `${idle.heapUsedMiB} / ${idle.heapTotalMiB} MiB`],
          ['resident by kind, idle', JSON.stringify(idle.resident)],
          ['empty node (peer) RSS', `${floor.rssMiB} MiB, heap ${floor.heapUsedMiB} MiB`],
          ['empty node resident by kind', JSON.stringify(floor.resident)],
        ])
      }
      return 0
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
