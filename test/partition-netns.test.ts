/**
 * A real partition: four `ime node` processes in two Linux network namespaces joined by a veth pair, one ring.
 * The link goes down: each side repairs into a ring of its own. The link comes back: the rings merge into one.
 * Needs root and iproute2 (this project's CI runs as root; the test fails, naming what is missing, otherwise).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { killAllIme, startIme, type ImeProcess } from './support/ime-process.js'

const tag = (process.pid % 10_000).toString()
const EAST = `ime-e${tag}`
const WEST = `ime-w${tag}`
const VETH_E = `imee${tag}`
const VETH_W = `imew${tag}`
const NET = `10.199.${process.pid % 250}`
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })

interface Ready {
  nodeId: string
  multiaddrs: string[]
}

describe('a partition between two network namespaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ime-netns-'))
  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces); run the tests as root')
    try {
      ip('netns', 'add', EAST)
      ip('netns', 'add', WEST)
      ip('link', 'add', VETH_E, 'type', 'veth', 'peer', 'name', VETH_W)
      ip('link', 'set', VETH_E, 'netns', EAST)
      ip('link', 'set', VETH_W, 'netns', WEST)
      ip('-n', EAST, 'addr', 'add', `${NET}.1/24`, 'dev', VETH_E)
      ip('-n', WEST, 'addr', 'add', `${NET}.2/24`, 'dev', VETH_W)
      for (const [ns, dev] of [
        [EAST, VETH_E],
        [WEST, VETH_W],
      ] as const) {
        ip('-n', ns, 'link', 'set', 'lo', 'up')
        ip('-n', ns, 'link', 'set', dev, 'up')
      }
    } catch (e) {
      throw new Error(`could not build the namespaces (needs iproute2: apt-get install -y iproute2): ${String(e)}`, {
        cause: e,
      })
    }
  })
  afterAll(() => {
    killAllIme()
    for (const ns of [EAST, WEST]) {
      try {
        ip('netns', 'del', ns)
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('splits into a ring per side, and merges into one ring when the link is back', async () => {
    const config = join(dir, 'node.yaml')
    writeFileSync(
      config,
      stringify({
        domain: 'x.example',
        p2p: { stabiliseMs: 500, fixFingersMs: 500, rediscoverMs: 500, requestTimeoutMs: 400 },
        log: { json: true },
      }),
    )
    const start = (ns: string, host: string, name: string, bootstrap?: string) =>
      startIme<Ready>(
        [
          'node',
          '--config',
          config,
          '--data',
          join(dir, name),
          '--listen',
          `/ip4/${host}/tcp/0`,
          ...(bootstrap === undefined ? [] : ['--bootstrap', bootstrap]),
        ],
        { netns: ns },
      )
    const e1 = await start(EAST, `${NET}.1`, 'e1')
    const e2 = await start(EAST, `${NET}.1`, 'e2', e1.ready.multiaddrs[0])
    const w1 = await start(WEST, `${NET}.2`, 'w1', e1.ready.multiaddrs[0])
    const w2 = await start(WEST, `${NET}.2`, 'w2', e1.ready.multiaddrs[0])
    const all = [e1, e2, w1, w2]

    // Each process's current successor, from its log (JSON lines on stderr).
    const successorOf = (p: ImeProcess<Ready>): string | undefined => {
      const lines = p
        .stderr()
        .split('\n')
        .filter((l) => l.includes('successor is now'))
      const last = lines.at(-1)
      return last === undefined ? undefined : /successor is now ([0-9a-f]{8})/.exec(last)?.[1]
    }
    const ringOf = (group: ImeProcess<Ready>[]) => {
      const sorted = [...group].sort((a, b) => (a.ready.nodeId < b.ready.nodeId ? -1 : 1))
      return sorted.every((p, i) => successorOf(p) === sorted[(i + 1) % sorted.length]!.ready.nodeId.slice(0, 8))
    }
    const waitFor = async (what: () => boolean, ms: number) => {
      const until = Date.now() + ms
      while (!what() && Date.now() < until) await new Promise((r) => setTimeout(r, 100))
      return what()
    }
    expect(await waitFor(() => ringOf(all), 20_000)).toBe(true)

    ip('-n', EAST, 'link', 'set', VETH_E, 'down')
    expect(await waitFor(() => ringOf([e1, e2]) && ringOf([w1, w2]), 20_000)).toBe(true)

    const healed = Date.now()
    ip('-n', EAST, 'link', 'set', VETH_E, 'up')
    expect(await waitFor(() => ringOf(all), 30_000)).toBe(true)
    expect(Date.now() - healed).toBeLessThan(30_000)
  }, 120_000)
})
