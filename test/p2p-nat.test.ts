/**
 * Nodes behind NAT, in the namespaces of test/support/nat-lab.ts: a relay R on the public side (a ring member
 * with public addresses, which runs the circuit relay server), a claimer C in office A and a validator V in office
 * B, each behind its own masquerading router, with no route between the offices. C reserves a slot on R before
 * it joins the ring and publishes its /p2p-circuit address; V validates a call to C's number through R and learns
 * the route; C, behind its NAT, validates a call to R's number. Needs root (the NAT lab); skips, saying so,
 * otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { E164 } from '../src/core/e164.js'
import type { Reachability } from '../src/p2p/reachability.js'
import { buildNatLab, type NatLab } from './support/nat-lab.js'
import type { NatNodeSpec } from './support/nat-node.js'

const root = process.getuid?.() === 0
if (!root) console.warn('p2p-nat.test.ts skipped: the NAT lab needs root (network namespaces, iptables)')

interface Status {
  health: Record<string, unknown>
  reachability: Reachability
  reservationsHeld: number | null
}

interface NatNode {
  child: ChildProcess
  peerId: string
  multiaddrs: string[]
  ask<T>(command: string): Promise<T>
}

const children: ChildProcess[] = []

function startNatNode(spec: NatNodeSpec, netns?: string): Promise<NatNode> {
  const node = join(process.cwd(), 'node_modules/.bin/node')
  const args = ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'test/support/nat-node.ts']
  const child =
    netns === undefined
      ? spawn(node, [...args, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn('ip', ['netns', 'exec', netns, node, ...args, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let err = ''
  const waiting: { prefix: string; resolve: (v: unknown) => void }[] = []
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      let nl: number
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl)
        out = out.slice(nl + 1)
        const space = line.indexOf(' ')
        const [word, json] = [line.slice(0, space), line.slice(space + 1)]
        if (word === 'ready') {
          const ready = JSON.parse(json) as { peerId: string; multiaddrs: string[] }
          resolve({
            child,
            ...ready,
            ask: <T>(command: string) =>
              new Promise<T>((res) => {
                waiting.push({ prefix: command.split(' ')[0]!, resolve: res as (v: unknown) => void })
                child.stdin!.write(`${command}\n`)
              }),
          })
        } else {
          const i = waiting.findIndex((w) => w.prefix === word || word === 'error')
          if (i >= 0) waiting.splice(i, 1)[0]!.resolve(word === 'error' ? new Error(json) : JSON.parse(json))
        }
      }
    })
    child.on('exit', (code) => reject(new Error(`nat node ${spec.domain} exited with ${code}: ${err}`)))
  })
}

describe.skipIf(!root)('nodes behind NAT (network namespaces)', () => {
  let lab: NatLab
  const dir = mkdtempSync(join(tmpdir(), 'ime-p2p-nat-'))
  let r: NatNode
  let c: NatNode
  let v: NatNode
  const T0 = Date.now() - 2 * 3600_000
  const toC = '+12025550160' as E164
  const toR = '+12025550150' as E164
  const call = (id: string, direction: 'inbound' | 'outbound', called: E164, start: number, end: number) => ({
    id,
    direction,
    path: 'pstn' as const,
    user: direction === 'outbound' ? 'alice' : null,
    caller: '+13125550100' as E164,
    called,
    start,
    end,
    outcome: 'answered' as const,
  })

  beforeAll(async () => {
    lab = buildNatLab()
    // R listens on the public side's address on each office's link: both are public addresses.
    r = await startNatNode({
      dataDir: join(dir, 'r'),
      domain: 'r.example',
      listen: [`/ip4/${lab.a.publicIp}/tcp/0`, `/ip4/${lab.b.publicIp}/tcp/0`],
      numbers: [toR],
      calls: [call('in-r', 'inbound', toR, T0 + 600_000, T0 + 690_000)],
    })
    const relayVia = (ip: string) => r.multiaddrs.find((a) => a.startsWith(`/ip4/${ip}/`))!
    c = await startNatNode(
      {
        dataDir: join(dir, 'c'),
        domain: 'c.example',
        listen: [`/ip4/${lab.a.privateIp}/tcp/0`],
        bootstrap: relayVia(lab.a.publicIp),
        numbers: [toC],
        calls: [
          call('in-c', 'inbound', toC, T0, T0 + 90_000),
          call('out-r', 'outbound', toR, T0 + 600_300, T0 + 689_800),
        ],
      },
      lab.a.ns,
    )
    v = await startNatNode(
      {
        dataDir: join(dir, 'v'),
        domain: 'v.example',
        listen: [`/ip4/${lab.b.privateIp}/tcp/0`],
        bootstrap: relayVia(lab.b.publicIp),
        numbers: [],
        calls: [call('out-c', 'outbound', toC, T0 + 300, T0 + 89_800)],
      },
      lab.b.ns,
    )
  }, 45_000)

  afterAll(async () => {
    for (const child of children) child.stdin?.end()
    await new Promise((done) => setTimeout(done, 500))
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    lab?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('the public node relays; the node behind NAT holds a reservation on it and says it is reachable through it', async () => {
    const rs = await r.ask<Status>('status')
    expect(rs.health).toMatchObject({ reachableFromOutside: true, claimer: 'public' })
    expect(rs.reachability.claimer).toBe('public')
    expect(rs.reservationsHeld).toBe(2) // C and V
    const cs = await c.ask<Status>('status')
    expect(cs.health).toMatchObject({ reachableFromOutside: false, claimer: 'relayed', relays: [r.peerId] })
    expect(cs.reachability).toMatchObject({ public: false, claimer: 'relayed', relays: [r.peerId] })
    expect(cs.reachability.note).toMatch(/reachable through the relay/)
    // What it published on the ring when it joined already carries the relayed address.
    expect(c.multiaddrs.some((a) => a.includes(`/p2p/${r.peerId}/p2p-circuit`))).toBe(true)
  })

  it('a node behind NAT with no relay among its ring is told plainly that it cannot be validated', async () => {
    // D starts a ring of its own in office A: nobody relays for it.
    const d = await startNatNode(
      {
        dataDir: join(dir, 'd'),
        domain: 'd.example',
        listen: [`/ip4/${lab.a.privateIp}/tcp/0`],
        numbers: [],
        calls: [],
      },
      lab.a.ns,
    )
    const ds = await d.ask<Status>('status')
    expect(ds.health).toEqual({
      ok: true,
      reachableFromOutside: false,
      claimer: 'unreachable',
      note: expect.stringMatching(/cannot be validated .* until it has a public address .* or a relay/),
      // What every node's health tells (docs/security.md, "Floods of connections").
      descriptors: { open: expect.any(Number), limit: expect.any(Number) },
      connections: expect.objectContaining({ http: expect.any(Number) }),
    })
    expect(ds.reachability.claimer).toBe('unreachable')
  })

  it('a node in another office validates a call to the NATed claimer through the relay, and learns the route', async () => {
    const { outcomes, routes, ms } = await v.ask<{
      outcomes: { number: string; outcome: string; failure?: string }[]
      routes: { number: string; domain: string }[]
      ms: { maintain: number; validations: number }
    }>('validate')
    console.log(`validation through the relay: ring maintenance ${ms.maintain} ms, validation ${ms.validations} ms`)
    expect(outcomes).toContainEqual(expect.objectContaining({ number: toC, outcome: 'validated' }))
    expect(routes).toContainEqual({ number: toC, domain: 'c.example' })
    // There is no path between the offices: the connection that carried it goes through R.
    const conns = await v.ask<{ remoteAddr: string; limited: boolean }[]>(`conns ${c.peerId}`)
    expect(conns.length).toBeGreaterThan(0)
    for (const conn of conns) expect(conn.remoteAddr).toContain(`/p2p/${r.peerId}/p2p-circuit`)
  }, 30_000)

  it('the node behind NAT validates a call to a public claimer and learns the route', async () => {
    const { outcomes, routes } = await c.ask<{
      outcomes: { number: string; outcome: string }[]
      routes: { number: string; domain: string }[]
    }>('validate')
    expect(outcomes).toContainEqual(expect.objectContaining({ number: toR, outcome: 'validated' }))
    expect(routes).toContainEqual({ number: toR, domain: 'r.example' })
  }, 30_000)
})
