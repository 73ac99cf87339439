import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killAllIme, startIme, waitFor } from './support/ime-process.js'

interface Ready {
  peerId: string
  nodeId: string
  multiaddrs: string[]
  numbers: string[]
}

const dirs: string[] = []
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `ime-${name}-`))
  dirs.push(d)
  return d
}
afterEach(() => {
  killAllIme()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('ime node processes', () => {
  it("a second process joins the first one's ring; a restart keeps its id; SIGTERM leaves gracefully", async () => {
    const dataA = tempDir('a')
    const dataB = tempDir('b')
    const a = await startIme<Ready>(['node', '--data', dataA, '--number', '+1 408 555 0100'])
    expect(a.ready.nodeId).toMatch(/^[0-9a-f]{32}$/)
    expect(a.ready.numbers).toEqual(['+14085550100'])
    const b = await startIme<Ready>(['node', '--data', dataB, '--bootstrap', a.ready.multiaddrs[0]!])
    const shortB = b.ready.nodeId.slice(0, 8)
    await waitFor(() => a.stderr().includes(`predecessor is now ${shortB}`), 'a to take b as its predecessor')
    b.child.kill('SIGTERM')
    const code = await b.exited
    expect(code, b.stderr()).toBe(0)
    expect(b.stderr()).toContain('left the ring')
    // a hears the goodbye at once: it is alone again.
    expect(a.stderr()).toContain('predecessor is now none')
    const again = await startIme<Ready>(['node', '--data', dataB, '--bootstrap', a.ready.multiaddrs[0]!])
    expect(again.ready.nodeId).toBe(b.ready.nodeId)
  }, 60_000)

  it('refuses a bootstrap address it cannot check, a number that is not one, or a plan over quota, naming the problem', async () => {
    const dir = tempDir('c')
    await expect(startIme(['node', '--data', dir, '--bootstrap', '/ip4/127.0.0.1/tcp/1'])).rejects.toThrow(
      /exited with 2: ime: --bootstrap \/ip4\/127.0.0.1\/tcp\/1 does not end in \/p2p\/PEER-ID/,
    )
    await expect(startIme(['node', '--data', dir, '--number', '555-CALL'])).rejects.toThrow(
      /exited with 2: ime: numbers to publish: number: "555-CALL" has characters a phone number cannot have/,
    )
    await expect(
      startIme(['node', '--data', dir, '--range', '+14085550100..+14085550199', '--quota', '50']),
    ).rejects.toThrow(/exited with 2: ime: numbers to publish: range .* has 100 numbers, more than the quota of 50/)
  })
})

describe('ime demo', () => {
  it('starts a ring of three enterprises, shows who claims each number, and stops cleanly on Ctrl-C', async () => {
    const data = tempDir('demo')
    const demo = await startIme<{ enterprises: { domain: string; numbers: string[]; nodeId: string }[] }>([
      'demo',
      '--data',
      data,
      '--fresh',
      '--base-port',
      '0',
    ])
    expect(demo.ready.enterprises.map((e) => e.domain)).toEqual(['alpha.example', 'bravo.example', 'charlie.example'])
    await waitFor(() => demo.stdout().includes('Ctrl-C stops every node'), 'the summary')
    for (const e of demo.ready.enterprises) {
      for (const n of e.numbers) expect(demo.stdout()).toMatch(new RegExp(`\\${n}  claimed by ${e.domain} `))
    }
    demo.child.kill('SIGINT')
    expect(await demo.exited).toBe(0)
    // A restart without --fresh keeps each enterprise's identity.
    const again = await startIme<{ enterprises: { nodeId: string }[] }>(['demo', '--data', data, '--base-port', '0'])
    expect(again.ready.enterprises.map((e) => e.nodeId)).toEqual(demo.ready.enterprises.map((e) => e.nodeId))
    // Stopped as a person would (a SIGKILL would leave its TURN server running).
    again.child.kill('SIGINT')
    expect(await again.exited).toBe(0)
  }, 90_000)
})
