/**
 * Test-only: runs a real enterprise node (startEnterpriseNode, as `ime node` does) on the data directory given
 * as argv[2] and writes call records and learned routes through it as fast as it can, forever. It prints
 * `ready {"nodeId"}` once up, then `call ID` or `route NUMBER` after each write has returned, i.e. after
 * SQLite committed it (an outbound PSTN call's record together with its scheduled validation). test/node-crash.test.ts kills it with SIGKILL mid-stream and checks every printed line
 * survived.
 */
import { ringIdToHex } from '../../src/core/ring.js'
import type { E164 } from '../../src/core/e164.js'
import { startEnterpriseNode } from '../../src/node.js'
import { unwrap } from '../../src/core/result.js'

const dataDir = process.argv[2]
if (dataDir === undefined) throw new Error('usage: crash-writer.ts DATA-DIR')
const node = await startEnterpriseNode({ dataDir, overlay: 'crash-test', numbers: [] })
process.stdout.write(`ready ${JSON.stringify({ nodeId: ringIdToHex(node.peer.chord.self.id) })}\n`)

const t0 = Date.now()
for (let i = 1; ; i++) {
  const number = `+1202555${String(i % 10_000).padStart(4, '0')}` as E164
  node.recordCall({
    id: `crash-${i}`,
    direction: i % 2 === 0 ? 'inbound' : 'outbound',
    path: i % 3 === 0 ? 'ime' : 'pstn',
    user: 'alice',
    caller: '+12015550100' as E164,
    called: number,
    start: t0 - 600_000 + i,
    end: t0 - 500_000 + i,
    outcome: 'answered',
  })
  process.stdout.write(`call crash-${i}\n`)
  if (i % 5 === 0) {
    unwrap(
      node.routes.put({
        number,
        sipUri: `sip:${number}@bravo.example`,
        domain: 'bravo.example',
        ticket: `ticket${i}`,
        claimer: 'ab'.repeat(16),
        validatedAt: t0 + i,
        expiresAt: t0 + 7 * 24 * 3600_000,
      }),
    )
    process.stdout.write(`route ${number} ticket${i}\n`)
  }
  // Let the node's own work (libp2p, the ring, timers) run between writes, as in a real node.
  if (i % 10 === 0) await new Promise((r) => setImmediate(r))
}
