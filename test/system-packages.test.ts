/**
 * Every external program a test, benchmark or test tool runs comes from scripts/system-packages.sh's list, which
 * `npm test` installs: a test that calls an unlisted program fails here, on every machine, instead of only on a
 * new one. And the list is installed on this machine (npm test ran the script before the tests).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toolPackages } from '../src/testing/interop/tools.js'
import { externalPrograms } from './support/external-programs.js'

const ROOT = process.cwd()
const SCRIPT = join(ROOT, 'scripts/system-packages.sh')

/** TypeScript files under `dir` (recursively). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
}

/** Where tests and their tools live: test/, bench/, the shared testing module, and unit tests anywhere. */
function testCode(): string[] {
  const all = [...sources('test'), ...sources('bench'), ...sources('src'), ...sources('web/src')]
  return all.filter((f) => {
    const rel = relative(ROOT, f)
    return !rel.startsWith('src/') || rel.startsWith('src/testing/') || rel.endsWith('.test.ts')
  })
}

describe('system packages', () => {
  const listed = toolPackages()

  it('the list names every external program that test code runs', () => {
    const problems: string[] = []
    let seen = 0
    for (const file of testCode()) {
      for (const use of externalPrograms(file, readFileSync(file, 'utf8'))) {
        seen++
        const where = `${relative(ROOT, file)}:${use.line} (${use.text})`
        if (use.program === undefined) problems.push(`${where}: cannot tell which program; use findTool('name')`)
        else if (use.program !== 'node' && !listed.has(use.program)) {
          problems.push(`${where}: runs ${use.program}, which scripts/system-packages.sh does not install`)
        }
      }
    }
    expect(problems).toEqual([])
    // The scan finds the tools the suites are known to drive (a scan that finds nothing would pass anything).
    expect(seen).toBeGreaterThan(10)
  })

  it('the scan sees programs however a test names them, and flags what it cannot resolve', () => {
    const source = [
      "import { execFileSync, spawn } from 'node:child_process'",
      "execFileSync('no-such-tool', ['-n', 'out.wav'])",
      "const sipp = findTool('sipp')",
      'spawn(sipp, [])',
      "const browser = process.env.B ?? '/usr/bin/chromium'",
      'launch({ executablePath: browser })',
      'spawn(process.execPath, [])',
      'function f(program: string) { spawn(program, []) }',
    ].join('\n')
    expect(externalPrograms('x.ts', source).map((u) => u.program)).toEqual([
      'no-such-tool',
      'sipp',
      'chromium',
      'node',
      undefined,
    ])
    expect(listed.has('no-such-tool')).toBe(false)
  })

  it('the listed packages are installed (npm test installs them first)', () => {
    expect(() => execFileSync('bash', [SCRIPT, '--check'], { stdio: ['ignore', 'ignore', 'pipe'] })).not.toThrow()
  })
})
