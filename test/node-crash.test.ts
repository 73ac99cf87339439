import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { E164 } from '../src/core/e164.js'
import { ringIdToHex } from '../src/core/ring.js'
import { startEnterpriseNode } from '../src/node.js'
import { openDatabase } from '../src/store/database.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/**
 * Starts test/support/crash-writer.ts (a real node writing call records and routes) on `dataDir`, and kills
 * it with SIGKILL once it has reported `killAfter` committed call records. Returns what it reported.
 */
async function writeUntilKilled(dataDir: string, killAfter: number) {
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/node'),
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'test/support/crash-writer.ts', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const calls: string[] = []
  const routes = new Map<string, string>()
  let nodeId = ''
  let partial = ''
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        const [kind, a, b] = line.split(' ')
        if (kind === 'ready') nodeId = (JSON.parse(a!) as { nodeId: string }).nodeId
        else if (kind === 'call') calls.push(a!)
        else if (kind === 'route') routes.set(a!, b!)
      }
      if (calls.length >= killAfter && child.signalCode === null) {
        child.kill('SIGKILL')
        resolve()
      }
    })
    void exited.then(() => reject(new Error(`the writer exited on its own: ${stderr}`)))
  })
  expect(await exited).toBe('SIGKILL')
  return { calls, routes, nodeId }
}

describe('a node killed with SIGKILL while writing', () => {
  it('keeps every call record, pending validation and learned route it reported as committed, and its database is intact', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-crash-'))
    dirs.push(dataDir)
    const reported = await writeUntilKilled(dataDir, 400)
    expect(reported.nodeId).toMatch(/^[0-9a-f]{32}$/)
    expect(reported.routes.size).toBeGreaterThanOrEqual(79)

    const db = openDatabase(join(dataDir, 'node.db'))
    expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }])
    db.close()

    // Restarted on the same directory: same identity, and everything reported is there.
    const node = await startEnterpriseNode({ dataDir, overlay: 'crash-test', numbers: [] })
    try {
      expect(ringIdToHex(node.peer.chord.self.id)).toBe(reported.nodeId)
      const missingCalls = reported.calls.filter((id) => node.calls.get(id) === undefined)
      expect(missingCalls).toEqual([])
      const now = Date.now()
      const missingRoutes = [...reported.routes].filter(
        ([number, ticket]) => node.routes.routesTo(number as E164, now).find((r) => r.ticket === ticket) === undefined,
      )
      expect(missingRoutes).toEqual([])
      // It went on writing after what we read (its output was still in the pipe): what is stored is exactly
      // crash-1..crash-M, no gap, M at least what it reported.
      const stored = node.calls.list({ limit: 10_000 }).map((c) => Number(c.id.slice('crash-'.length)))
      expect(Math.max(...stored)).toBe(stored.length)
      expect(stored.length).toBeGreaterThanOrEqual(reported.calls.length)
      // Every stored outbound PSTN call still has its validation waiting, and nothing else does: the record and
      // its schedule were committed together, so the kill could not keep one without the other.
      const pending = node.validations.pending().map((p) => p.callId)
      const toValidate = node.calls
        .list({ limit: 10_000 })
        .filter((c) => c.direction === 'outbound' && c.path === 'pstn')
        .map((c) => c.id)
      expect(toValidate.length).toBeGreaterThan(100)
      expect(pending.sort()).toEqual(toValidate.sort())
    } finally {
      await node.stop()
    }
  }, 60_000)
})
