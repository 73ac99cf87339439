/**
 * `ime demo` (what `npm start` runs): a world on loopback. Today that is a ring of local enterprise nodes,
 * each publishing its numbers, and a lookup of each number from another enterprise's node to show the ring
 * at work. The PSTN gateway, call agents and softphones join it as they are built.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { E164 } from '../core/e164.js'
import { ringIdToHex } from '../core/ring.js'
import { startEnterpriseNode, type EnterpriseNode } from '../node.js'
import { intOption, shutdownSignal, stringOption, type Command } from './command.js'

interface DemoEnterprise {
  name: string
  domain: string
  numbers: E164[]
}

/** Enterprise n of the demo: a name, a domain and a small block of fictional (555-01xx) numbers. */
function demoEnterprise(n: number): DemoEnterprise {
  const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
  const name = names[n] ?? `enterprise${n + 1}`
  const area = 201 + n
  const numbers = [0, 1].map((k) => `+1${area}55501${String(n * 2 + k).padStart(2, '0')}` as E164)
  return { name, domain: `${name}.example`, numbers }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start a demo world on loopback (today: a ring of enterprise nodes publishing numbers)',
  help: `Usage: ime demo [--enterprises N] [--data DIR] [--fresh]

  --enterprises N  enterprise nodes in the ring (default 3)
  --data DIR       where each enterprise keeps its data (default .data/demo); kept across restarts
  --fresh          start from empty data directories

When all nodes are up it prints one line on stdout:
  ready {"enterprises": [{name, domain, numbers, peerId, nodeId, multiaddrs}]}
then a summary, and keeps running until Ctrl-C, which makes every node leave the ring gracefully.`,
  options: { enterprises: { type: 'string' }, data: { type: 'string' }, fresh: { type: 'boolean' } },
  async run(args) {
    const signal = shutdownSignal()
    const count = intOption(args, 'enterprises', 3, 1, 8)
    const dataDir = stringOption(args, 'data') ?? join('.data', 'demo')
    if (args.values.fresh === true) rmSync(dataDir, { recursive: true, force: true })
    const say = (line: string) => process.stderr.write(`${line}\n`)
    const enterprises = Array.from({ length: count }, (_, i) => demoEnterprise(i))
    const nodes: EnterpriseNode[] = []
    const stopAll = async () => {
      for (const node of nodes.splice(0).reverse()) await node.stop().catch(() => undefined)
    }
    try {
      for (const e of enterprises) {
        say(`starting ${e.domain} (deriving number keys: scrypt, about 50 ms each)...`)
        nodes.push(
          await startEnterpriseNode({
            dataDir: join(dataDir, e.name),
            overlay: 'ime-demo',
            numbers: e.numbers,
            ...(nodes[0] !== undefined && { bootstrap: nodes[0].peer.chord.self }),
          }),
        )
      }
      for (let round = 0; round < 2; round++) for (const node of nodes) await node.peer.chord.maintain()
    } catch (e) {
      await stopAll()
      throw e
    }
    const ready = enterprises.map((e, i) => {
      const self = nodes[i]!.peer.chord.self
      return { ...e, peerId: self.peer, nodeId: ringIdToHex(self.id), multiaddrs: self.addrs }
    })
    process.stdout.write(`ready ${JSON.stringify({ enterprises: ready })}\n`)

    const lines = ['', `IME demo: ${count} enterprise nodes in one Chord ring on 127.0.0.1`]
    for (const e of ready)
      lines.push(`  ${e.domain.padEnd(18)} node ${e.nodeId.slice(0, 8)}…  numbers ${e.numbers.join(', ')}`)
    lines.push('', 'Who claims each number, looked up from the next enterprise (the ring stores only slow hashes):')
    for (let i = 0; i < enterprises.length; i++) {
      const asker = nodes[(i + 1) % nodes.length]!
      for (const number of enterprises[i]!.numbers) {
        const claims = await asker.claimsOn(number)
        const owners = claims.owners.map(
          (o) => ready.find((r) => r.nodeId === ringIdToHex(o))?.domain ?? ringIdToHex(o),
        )
        lines.push(`  ${number}  claimed by ${owners.join(', ') || 'nobody'}  (${claims.hops} hops)`)
      }
    }
    lines.push('', 'Ctrl-C stops every node (each leaves the ring gracefully).', '')
    process.stdout.write(lines.join('\n'))

    say(`${await signal}: stopping, every node leaves the ring...`)
    await stopAll()
    return 0
  },
}
