/**
 * Test-only: an enterprise node (startEnterpriseNode, as `ime node` runs it) for test/p2p-nat.test.ts, run in a
 * network namespace of the NAT lab. argv: one JSON NatNodeSpec. Prints `ready {peerId, multiaddrs}`, then answers
 * commands on stdin, one per line, each with one line `COMMAND {json}`:
 *   status    -> its own GET /api/health and /api/status (reachability), and the relay reservations held here
 *   validate  -> runs every due validation: outcomes, learned routes
 *   conns ID  -> this node's connections to peer ID: remote address, and whether limited (relayed)
 */
import { createInterface } from 'node:readline'
import type { E164 } from '../../src/core/e164.js'
import { startEnterpriseNode } from '../../src/node.js'
import type { NewCallRecord } from '../../src/validation/call-record.js'
import { nodeRefFromMultiaddr } from '../../src/p2p/chord-transport.js'

export interface NatNodeSpec {
  dataDir: string
  domain: string
  listen: string[]
  bootstrap?: string
  numbers: E164[]
  calls: NewCallRecord[]
}

const OPERATOR = 'nat-lab-operator-token-0123456789'
const spec = JSON.parse(process.argv[2] ?? '') as NatNodeSpec
const node = await startEnterpriseNode({
  dataDir: spec.dataDir,
  overlay: 'nat-lab',
  domain: spec.domain,
  numbers: spec.numbers,
  listen: spec.listen,
  ...(spec.bootstrap !== undefined && { bootstrap: nodeRefFromMultiaddr(spec.bootstrap) }),
  // Patient requests: three node processes start at once on a busy 2-core machine (npm test runs two files at a
  // time), and a join whose first request goes unanswered fails the node's start.
  chord: { stabiliseIntervalMs: 500, fixFingersIntervalMs: 500, requestTimeoutMs: 8_000 },
  validation: { minCallMs: 1_000, delayMinMs: 0, delayMaxMs: 0, proofsToTrust: 1 },
  validationPollMs: 3_600_000,
  http: { port: 0, operatorToken: OPERATOR },
})
for (const call of spec.calls) node.recordCall(call)
const libp2p = node.peer.libp2p
const say = (what: string, value: unknown) => process.stdout.write(`${what} ${JSON.stringify(value)}\n`)
say('ready', { peerId: libp2p.peerId.toString(), multiaddrs: libp2p.getMultiaddrs().map(String) })

const commands = createInterface({ input: process.stdin })
commands.on('line', (line) => {
  const [command, arg] = line.trim().split(' ')
  void (async () => {
    if (command === 'status') {
      const relay = (libp2p.services as { relay?: { reservations: { size: number } } }).relay
      const get = async (path: string) =>
        (await fetch(`${node.http!.url}${path}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()
      const status = (await get('/api/status')) as { reachability: unknown }
      say('status', {
        health: await get('/api/health'),
        reachability: status.reachability,
        reservationsHeld: relay?.reservations.size ?? null,
      })
    } else if (command === 'validate') {
      const t0 = Date.now()
      await node.peer.chord.maintain()
      const t1 = Date.now()
      const outcomes = await node.validations.run({ everything: true })
      const routes = node.routes.list(Date.now()).map((r) => ({ number: r.number, domain: r.domain }))
      say('validate', { outcomes, routes, ms: { maintain: t1 - t0, validations: Date.now() - t1 } })
    } else if (command === 'conns') {
      const conns = libp2p
        .getConnections()
        .filter((c) => c.remotePeer.toString() === arg)
        .map((c) => ({ remoteAddr: c.remoteAddr.toString(), limited: c.limits !== undefined, status: c.status }))
      say('conns', conns)
    } else say('error', `unknown command ${JSON.stringify(command)}`)
  })().catch((e: unknown) => say('error', String(e)))
})
commands.on('close', () => void node.stop().finally(() => process.exit(0)))
