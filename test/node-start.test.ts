/**
 * A node starts and stops in one piece: each start step made to fail in turn leaves nothing running (no
 * listener, no timer, no libp2p node, the database closed) and the error names the step; a port taken by
 * someone else fails the step that binds it the same way; and a SIP call that ends while the node is still
 * starting is recorded (the call agent starts only once the validation scheduler it records into exists).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { systemClock } from '../src/core/clock.js'
import type { E164 } from '../src/core/e164.js'
import {
  nodeBuilders,
  NodeStartError,
  startEnterpriseNode,
  type EnterpriseNodeConfig,
  type NodeBuilders,
  type NodeStep,
} from '../src/node.js'
import type { NodeCallAgent } from '../src/node/call-agent.js'
import type { NodeHttpPart } from '../src/node/http.js'
import type { NodePeer } from '../src/node/peer.js'
import type { NodeStore } from '../src/node/store.js'
import type { NodeValidation } from '../src/node/validation.js'
import { PstnGateway } from '../src/pstn/gateway.js'
import { SipPhone } from '../src/testing/scripted-phone.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ime-node-start-'))
  dirs.push(d)
  return d
}

const STEPS: NodeStep[] = ['store', 'peer', 'publish', 'validation', 'sip', 'proofs', 'http']

/** Every part of a node that can run: numbers, SIP on both faces over TCP and WebSocket, HTTP. */
const fullConfig = (dir: string): EnterpriseNodeConfig => ({
  dataDir: dir,
  overlay: 'test',
  domain: 'a.example',
  numbers: ['+12015550100' as E164],
  users: [{ name: 'alice', password: 'alice password', number: '+12015550100' }],
  listen: ['/ip4/127.0.0.1/tcp/0'],
  validationPollMs: 10,
  sip: { edge: { tcpPort: 0, wsPort: 0 }, internal: { tcpPort: 0, wsPort: 0 } },
  http: { port: 0 },
})

/** The real builders, each keeping what it started, so that a test can look at the parts afterwards. */
function watchedBuilders() {
  const started: {
    store?: NodeStore
    peer?: NodePeer
    validation?: NodeValidation
    sip?: NodeCallAgent
    http?: NodeHttpPart
  } = {}
  const builders: Partial<NodeBuilders> = {
    store: async (options) => (started.store = await nodeBuilders.store(options)),
    peer: async (options) => (started.peer = await nodeBuilders.peer(options)),
    validation: (options) => {
      // A poll left running after the node stopped would purge the closed store and start batches.
      vi.spyOn(options.store.calls, 'purgeBefore')
      const part = nodeBuilders.validation(options)
      vi.spyOn(part.scheduler, 'run')
      return (started.validation = part)
    },
    sip: async (options) => (started.sip = await nodeBuilders.sip(options)),
    http: async (options) => (started.http = await nodeBuilders.http(options)),
  }
  return { started, builders }
}

/** The TCP ports the parts listened on. */
function portsOf(started: ReturnType<typeof watchedBuilders>['started']): number[] {
  const ports: number[] = []
  for (const a of started.peer?.peer.libp2p.getMultiaddrs() ?? []) {
    const port = /\/tcp\/(\d+)/.exec(a.toString())?.[1]
    if (port !== undefined) ports.push(Number(port))
  }
  const sip = started.sip?.agent.addresses
  for (const p of [sip?.edge.tcp, sip?.edge.ws, sip?.internal.tcp, sip?.internal.ws]) if (p !== undefined) ports.push(p)
  if (started.http !== undefined) ports.push(started.http.http.port)
  return ports
}

const canBind = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

/** Handles and requests that keep the event loop alive, by kind (unref'd timers are not among them). */
const activeResources = () => {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/** Waits until no kind of resource is above its baseline count (closing sockets takes a turn or two). */
async function expectResourcesBackTo(baseline: Map<string, number>) {
  const above = () =>
    [...activeResources()].filter(([kind, n]) => n > (baseline.get(kind) ?? 0)).map(([kind, n]) => `${kind}: ${n}`)
  const until = Date.now() + 3_000
  while (above().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  expect(above()).toEqual([])
}

async function expectNothingRunning(
  started: ReturnType<typeof watchedBuilders>['started'],
  baseline: Map<string, number>,
) {
  if (started.store !== undefined) expect(started.store.db.isOpen).toBe(false)
  if (started.peer !== undefined) expect(started.peer.peer.libp2p.status).toBe('stopped')
  for (const port of portsOf(started)) expect(await canBind(port), `port ${port} is free`).toBe(true)
  await expectResourcesBackTo(baseline)
  if (started.validation !== undefined) {
    const polled = () =>
      vi.mocked(started.validation!.scheduler.run).mock.calls.length +
      vi.mocked(started.store!.calls.purgeBefore).mock.calls.length
    const before = polled()
    await new Promise((r) => setTimeout(r, 50)) // five poll periods
    expect(polled(), 'the validation poll has stopped').toBe(before)
  }
}

describe('node start in steps', () => {
  it('starts every part and stops them all, once', async () => {
    const baseline = activeResources()
    const { started, builders } = watchedBuilders()
    const node = await startEnterpriseNode(fullConfig(dataDir()), builders)
    expect(Object.keys(started).sort()).toEqual(['http', 'peer', 'sip', 'store', 'validation'])
    for (const port of portsOf(started)) expect(await canBind(port)).toBe(false)
    await node.stop()
    await node.stop() // idempotent
    await expectNothingRunning(started, baseline)
  })

  for (const [i, failing] of STEPS.entries()) {
    it(`a failure at step "${failing}" stops the parts started before it, and says so`, async () => {
      const baseline = activeResources()
      const { started, builders } = watchedBuilders()
      const cause = new Error(`${failing} went wrong`)
      const error = await startEnterpriseNode(fullConfig(dataDir()), {
        ...builders,
        [failing]: () => Promise.reject(cause),
      }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(NodeStartError)
      expect((error as NodeStartError).step).toBe(failing)
      expect((error as Error).message).toBe(`node start failed at step "${failing}": ${failing} went wrong`)
      expect((error as Error).cause).toBe(cause)
      // The steps before the failing one did start (so there was something to stop).
      const before = STEPS.slice(0, i).filter((s) => s in builders)
      expect(Object.keys(started).sort()).toEqual(before.sort())
      await expectNothingRunning(started, baseline)
    })
  }

  const portTaken: [NodeStep, (config: EnterpriseNodeConfig, port: number) => EnterpriseNodeConfig][] = [
    ['sip', (config, port) => ({ ...config, sip: { ...config.sip!, internal: { tcpPort: 0, wsPort: port } } })],
    ['http', (config, port) => ({ ...config, http: { port } })],
  ]
  for (const [step, takePort] of portTaken) {
    it(`a ${step.toUpperCase()} port taken by someone else fails step "${step}" and leaves nothing running`, async () => {
      const taken = createServer()
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
      const port = (taken.address() as { port: number }).port
      try {
        const baseline = activeResources()
        const { started, builders } = watchedBuilders()
        const error = await startEnterpriseNode(takePort(fullConfig(dataDir()), port), builders).catch(
          (e: unknown) => e,
        )
        expect(error).toMatchObject({
          step,
          message: expect.stringMatching(new RegExp(`^node start failed at step "${step}": .*EADDRINUSE`)),
        })
        expect((error as Error).cause).toMatchObject({ code: 'EADDRINUSE' })
        if (step === 'http') expect(started.sip).toBeDefined()
        await expectNothingRunning(started, baseline)
      } finally {
        taken.close()
      }
    })
  }

  it('records a SIP call that ends while the node is still starting', async () => {
    const gw = await PstnGateway.start({
      host: '127.0.0.1',
      tcpPort: 0,
      clock: systemClock,
      subscribers: [{ account: 'trunk-a.example', password: 'trunk-secret', numbers: ['+12015550100' as E164] }],
    })
    const { started, builders } = watchedBuilders()
    let during: { status: number; recordedBeforeStartEnded: number } | undefined
    const config = fullConfig(dataDir())
    const node = await startEnterpriseNode(
      {
        ...config,
        sip: {
          ...config.sip!,
          pstn: { uri: `sip:127.0.0.1:${gw.tcpPort};transport=tcp`, user: 'trunk-a.example', password: 'trunk-secret' },
        },
      },
      {
        ...builders,
        // Right after the call agent is up, before the steps after it: alice calls a number not in service, and
        // the call ends at once (404 from the PSTN). Its record is kept, and the scheduler is told of it.
        async proofs(options) {
          const agent = started.sip!.agent
          const alice = await SipPhone.connect({
            transport: 'TCP',
            port: agent.addresses.internal.tcp!,
            user: 'alice',
            password: 'alice password',
            domain: 'a.example',
          })
          try {
            expect((await alice.register()).status).toBe(200)
            const call = await alice.call('sip:+19995550123@a.example')
            during = { status: call.final.status, recordedBeforeStartEnded: started.store!.calls.list().length }
          } finally {
            await alice.close()
          }
          return nodeBuilders.proofs(options)
        },
      },
    )
    try {
      expect(during).toEqual({ status: 404, recordedBeforeStartEnded: 1 })
      expect(node.calls.list()).toEqual([
        expect.objectContaining({
          direction: 'outbound',
          path: 'pstn',
          user: 'alice',
          caller: '+12015550100',
          called: '+19995550123',
          outcome: 'rejected',
        }),
      ])
    } finally {
      await node.stop()
      await gw.stop()
    }
  })
})
