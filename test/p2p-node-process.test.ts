import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

interface Ready {
  peerId: string
  nodeId: string
  multiaddrs: string[]
}

const running: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const c of running.splice(0)) c.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Starts `ime node` as a person would, and waits for its ready line. */
function startNode(args: string[]): Promise<{ child: ChildProcess; ready: Ready; stderr: () => string }> {
  const child = spawn(
    join(process.cwd(), 'node_modules/.bin/node'),
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'src/cli.ts', 'node', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  running.push(child)
  let err = ''
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n').find((l) => l.startsWith('ready '))
      if (line !== undefined) resolve({ child, ready: JSON.parse(line.slice(6)) as Ready, stderr: () => err })
    })
    child.on('exit', (code) => reject(new Error(`ime node exited with ${code}: ${err}`)))
  })
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.once('exit', r))

describe('ime node processes', () => {
  it("a second process joins the first one's ring; a restart keeps its id; SIGTERM leaves gracefully", async () => {
    const dataA = mkdtempSync(join(tmpdir(), 'ime-node-a-'))
    const dataB = mkdtempSync(join(tmpdir(), 'ime-node-b-'))
    dirs.push(dataA, dataB)
    const a = await startNode(['--data', dataA])
    expect(a.ready.nodeId).toMatch(/^[0-9a-f]{32}$/)
    const b = await startNode(['--data', dataB, '--bootstrap', a.ready.multiaddrs[0]!])
    // Within a stabilisation round or two, a has b as its predecessor and successor.
    const shortB = b.ready.nodeId.slice(0, 8)
    for (let i = 0; i < 50 && !a.stderr().includes(`predecessor is now ${shortB}`); i++) {
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(a.stderr()).toContain(`predecessor is now ${shortB}`)
    b.child.kill('SIGTERM')
    expect(await exited(b.child)).toBe(0)
    expect(b.stderr()).toContain('left the ring')
    // a hears the goodbye at once: it is alone again.
    expect(a.stderr()).toContain('predecessor is now none')
    const again = await startNode(['--data', dataB, '--bootstrap', a.ready.multiaddrs[0]!])
    expect(again.ready.nodeId).toBe(b.ready.nodeId)
  }, 60_000)

  it('refuses a bootstrap address it cannot check, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ime-node-c-'))
    dirs.push(dir)
    await expect(startNode(['--data', dir, '--bootstrap', '/ip4/127.0.0.1/tcp/1'])).rejects.toThrow(
      /exited with 2: ime: --bootstrap \/ip4\/127.0.0.1\/tcp\/1 does not end in \/p2p\/PEER-ID/,
    )
  })
})
