import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { benches } from './bench.js'
import { commands } from './commands.js'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const NODE = join(ROOT, 'node_modules', '.bin', 'node')

/**
 * Loaded after tsx: records the URL of every module the process resolves (tsx's .ts modules included) and writes
 * them, as JSON, to the file named by IME_MODULE_LOG when the process exits.
 */
const MODULE_LOG_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const urls = new Set()
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.add(r.url); return r } })
process.on('exit', () => writeFileSync(process.env.IME_MODULE_LOG, JSON.stringify([...urls])))
`)}`

const dir = mkdtempSync(join(tmpdir(), 'ime-cli-modules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `ime ARGS` as npm run ime does and returns the URLs of the modules it loaded. */
async function modulesLoadedBy(args: readonly string[]): Promise<string[]> {
  const log = join(dir, `${args.join('-')}.json`)
  await run(
    NODE,
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', '--import', MODULE_LOG_HOOK, 'src/cli.ts', ...args],
    { cwd: ROOT, env: { ...process.env, IME_MODULE_LOG: log } },
  )
  return JSON.parse(readFileSync(log, 'utf8')) as string[]
}

/** Modules the shipped commands must not load: benchmarks, test tools, tests, fast-check. */
const notForProduction = (urls: readonly string[]): string[] =>
  urls.filter((u) => /\/(bench|test|src\/testing)\/|\/node_modules\/fast-check\//.test(u))

describe('ime bench loads a benchmark only when it is chosen', () => {
  it('importing the CLI (every command) and listing the benchmarks loads no benchmark, test tool or fast-check', async () => {
    for (const args of [['--help'], ['bench', '--help']]) {
      const urls = await modulesLoadedBy(args)
      expect(urls.some((u) => u.endsWith('/src/cli/bench.ts'))).toBe(true)
      expect(notForProduction(urls), `ime ${args.join(' ')}`).toEqual([])
    }
  }, 60_000)

  it('choosing one loads that benchmark (so the check above sees modules it should not)', async () => {
    const urls = await modulesLoadedBy(['bench', 'fuzz', '--help'])
    expect(urls.some((u) => u.endsWith('/bench/fuzz.ts'))).toBe(true)
    expect(urls.some((u) => u.includes('/node_modules/fast-check/'))).toBe(true)
    expect(urls.some((u) => u.endsWith('/bench/dht.ts'))).toBe(false)
  }, 60_000)

  it("lists each command and benchmark with its module's own name and summary", async () => {
    for (const listed of [...benches, ...commands.filter((c) => c.load !== undefined)]) {
      const loaded = await listed.load!()
      expect({ name: loaded.name, summary: loaded.summary }).toEqual({ name: listed.name, summary: listed.summary })
      expect(loaded.run).toBeDefined()
    }
  }, 60_000)
})
