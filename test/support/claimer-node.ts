/**
 * Test-only: an enterprise node (startEnterpriseNode, as `ime node` runs it) that owns eight numbers and keeps a
 * record of one inbound PSTN call to each, at times given on the command line, so that another node can validate
 * those calls. argv: DATA-DIR PORT T0. Prints `ready {"nodeId", "multiaddr"}`. test/validation-crash.test.ts
 * kills it with SIGKILL while validations against it are running.
 */
import type { E164 } from '../../src/core/e164.js'
import { ringIdToHex } from '../../src/core/ring.js'
import { startEnterpriseNode } from '../../src/node.js'

const [dataDir, port, t0Text] = process.argv.slice(2)
if (dataDir === undefined || port === undefined || t0Text === undefined) throw new Error('usage: DATA-DIR PORT T0')
const t0 = Number(t0Text)
export const claimedNumbers = Array.from({ length: 8 }, (_, i) => `+1202555019${i}` as E164)
const node = await startEnterpriseNode({
  dataDir,
  overlay: 'crash-validation',
  domain: 'bravo.example',
  numbers: claimedNumbers,
  listen: [`/ip4/127.0.0.1/tcp/${port}`],
})
for (const [i, called] of claimedNumbers.entries()) {
  if (node.calls.get(`in-${i}`) !== undefined) continue // kept from before the crash
  node.recordCall({
    id: `in-${i}`,
    direction: 'inbound',
    path: 'pstn',
    user: null,
    caller: '+12015550100' as E164,
    called,
    start: t0 + i * 60_000,
    end: t0 + i * 60_000 + 90_000,
    outcome: 'answered',
  })
}
const self = node.peer.chord.self
process.stdout.write(`ready ${JSON.stringify({ nodeId: ringIdToHex(self.id), multiaddr: self.addrs[0] })}\n`)
setInterval(() => undefined, 60_000)
