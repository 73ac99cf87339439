import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { E164 } from '../src/core/e164.js'
import { startEnterpriseNode } from '../src/node.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('enterprise node', () => {
  it('publishes its numbers, and keeps its share of the DHT across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-'))
    dirs.push(dataDir)
    const number = '+12015550100' as E164
    const first = await startEnterpriseNode({ dataDir, overlay: 'test', numbers: [number] })
    const id = first.peer.chord.self.id
    expect((await first.claimsOn(number)).owners).toEqual([id])
    await first.peer.kill() // abrupt: no hand-over, nothing re-published after this
    // Restarted alone, with no numbers configured: the claim it held is still in its store, and so is its id.
    const again = await startEnterpriseNode({ dataDir, overlay: 'test' })
    try {
      expect(again.peer.chord.self.id).toBe(id)
      expect((await again.claimsOn(number)).owners).toEqual([id])
      expect((await again.claimsOn('+12015550199' as E164)).owners).toEqual([])
    } finally {
      await again.stop()
    }
  }, 30_000)

  it('withdraws a number that is no longer in its plan', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-'))
    dirs.push(dataDir)
    const [kept, dropped] = ['+12015550100', '+12015550101'] as E164[]
    const first = await startEnterpriseNode({ dataDir, overlay: 'test', numbers: [kept!, dropped!] })
    expect((await first.claimsOn(dropped!)).owners).toEqual([first.peer.chord.self.id])
    await first.stop()
    const again = await startEnterpriseNode({ dataDir, overlay: 'test', numbers: [kept!] })
    try {
      expect((await again.claimsOn(kept!)).owners).toEqual([again.peer.chord.self.id])
      expect((await again.claimsOn(dropped!)).owners).toEqual([])
    } finally {
      await again.stop()
    }
  }, 30_000)

  it('keeps call records for the retention period only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-'))
    dirs.push(dataDir)
    const day = 24 * 3600_000
    const first = await startEnterpriseNode({ dataDir, overlay: 'test', numbers: [] })
    const call = {
      direction: 'inbound' as const,
      path: 'pstn' as const,
      user: 'bob',
      caller: '+12015550100' as E164,
      called: '+12025550102' as E164,
    }
    first.recordCall({
      ...call,
      id: 'old',
      start: Date.now() - 8 * day,
      end: Date.now() - 8 * day + 60_000,
      outcome: 'answered',
    })
    first.recordCall({
      ...call,
      id: 'recent',
      start: Date.now() - day,
      end: Date.now() - day + 60_000,
      outcome: 'answered',
    })
    await first.stop()
    const again = await startEnterpriseNode({ dataDir, overlay: 'test' })
    try {
      expect(again.calls.list().map((c) => c.id)).toEqual(['recent'])
    } finally {
      await again.stop()
    }
  }, 30_000)
})
