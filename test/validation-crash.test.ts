/**
 * kill -9 of the claimer while validations against it run: its store survives intact with every call record,
 * the runs cut short fail as unreachable, timed out or lookup failed (not as a failed proof: no route is dropped for them),
 * and once it is back the originator's validations succeed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import type { E164 } from '../src/core/e164.js'
import { nodeRefFromMultiaddr } from '../src/p2p/chord-transport.js'
import { startEnterpriseNode, type EnterpriseNode } from '../src/node.js'
import type { ValidationOutcome } from '../src/validation/scheduler.js'
import { freePorts } from '../src/testing/interop/ports.js'

const dir = mkdtempSync(join(tmpdir(), 'ime-vcrash-'))
const numbers = Array.from({ length: 8 }, (_, i) => `+1202555019${i}` as E164)
const T0 = Date.now() - 3 * 3600_000
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

function startClaimer(port: number): Promise<{ child: ChildProcess; multiaddr: string }> {
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/node'),
    [
      '--disable-warning=ExperimentalWarning',
      '--import',
      'tsx',
      'test/support/claimer-node.ts',
      join(dir, 'claimer'),
      String(port),
      String(T0),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n').find((l) => l.startsWith('ready '))
      if (line !== undefined)
        resolve({ child, multiaddr: (JSON.parse(line.slice(6)) as { multiaddr: string }).multiaddr })
    })
    child.on('exit', (code) => reject(new Error(`claimer exited with ${code}`)))
  })
}

describe('kill -9 of a claimer during validations', () => {
  it('keeps its store intact, and validations succeed once it is back', async () => {
    const port = await freePorts(1)
    const first = await startClaimer(port)
    let firstValidated: () => void = () => undefined
    const oneValidated = new Promise<void>((r) => (firstValidated = r))
    const originator: EnterpriseNode = await startEnterpriseNode({
      dataDir: join(dir, 'originator'),
      overlay: 'crash-validation',
      domain: 'alpha.example',
      bootstrap: nodeRefFromMultiaddr(first.multiaddr),
      validation: { minCallMs: 1_000, delayMinMs: 0, delayMaxMs: 0, proofsToTrust: 1 },
      validationPollMs: 3_600_000,
      onValidation: (o) => o.outcome === 'validated' && firstValidated(),
    })
    try {
      await originator.peer.chord.maintain()
      for (const [i, called] of numbers.entries()) {
        originator.recordCall({
          id: `out-${i}`,
          direction: 'outbound',
          path: 'pstn',
          user: 'alice',
          caller: '+12015550100' as E164,
          called,
          start: T0 + i * 60_000 + 300,
          end: T0 + i * 60_000 + 90_000 - 200,
          outcome: 'answered',
        })
      }
      // The runs start; the claimer dies as soon as the first has succeeded.
      const running = originator.validations.run({ everything: true })
      await oneValidated
      first.child.kill('SIGKILL')
      const during: ValidationOutcome[] = await running
      expect(during.filter((o) => o.outcome === 'validated').length).toBeGreaterThanOrEqual(1)
      expect(during.filter((o) => o.outcome !== 'validated').length).toBeGreaterThanOrEqual(1)
      for (const o of during) {
        if (o.outcome === 'failed') expect(['unreachable', 'timeout', 'protocol', 'lookup-failed']).toContain(o.failure)
      }

      // Back on the same data: nothing lost, nothing corrupt.
      await startClaimer(port)
      const db = new DatabaseSync(join(dir, 'claimer', 'node.db'), { readOnly: true })
      try {
        expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
        expect(
          (db.prepare("SELECT count(*) AS n FROM call_records WHERE direction = 'inbound'").get() as { n: number }).n,
        ).toBe(8)
      } finally {
        db.close()
      }

      // The calls not yet validated are validated now (later calls to the same numbers, as in life).
      for (const [i, called] of numbers.entries()) {
        if (originator.routes.routesTo(called, Date.now()).length > 0) continue
        originator.recordCall({
          id: `again-${i}`,
          direction: 'outbound',
          path: 'pstn',
          user: 'alice',
          caller: '+12015550100' as E164,
          called,
          start: T0 + i * 60_000 + 100,
          end: T0 + i * 60_000 + 90_000,
          outcome: 'answered',
        })
      }
      await originator.peer.chord.maintain()
      await originator.validations.run({ everything: true })
      for (const called of numbers) expect(originator.routes.routesTo(called, Date.now())).toHaveLength(1)
    } finally {
      await originator.stop()
    }
  }, 120_000)
})
