/** `ime node`: runs one IME node (today: its libp2p peer and Chord ring membership). */
import { join } from 'node:path'
import { DEFAULT_NUMBER_QUOTA, expandNumberPlan } from '../core/number-plan.js'
import { ringIdToHex } from '../core/ring.js'
import { nodeRefFromMultiaddr } from '../p2p/chord-transport.js'
import { startEnterpriseNode, type EnterpriseNode } from '../node.js'
import { intOption, shutdownSignal, stringOption, UsageError, type Command } from './command.js'
import { describeChordEvent, type Logger, createLogger } from './log.js'

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/** Joins via the first bootstrap peer that answers; the error lists why each one failed. */
async function joinAny(start: (bootstrap?: string) => Promise<EnterpriseNode>, bootstraps: string[], log: Logger) {
  if (bootstraps.length === 0) return start()
  const reasons: string[] = []
  for (const address of bootstraps) {
    try {
      return await start(address)
    } catch (e) {
      reasons.push(`${address}: ${(e as Error).message}`)
      log.warn(`could not join via ${address}: ${(e as Error).message}`)
    }
  }
  throw new Error(`could not join the ring through any bootstrap peer:\n  ${reasons.join('\n  ')}`)
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run an IME node: a new ring, or join one with --bootstrap',
  help: `Usage: ime node [--number E164]... [--range FROM..TO]... [--exclude E164]... [--quota Q] [--country CC]
                [--overlay NAME] [--listen MULTIADDR]...
                [--bootstrap MULTIADDR]... [--data DIR] [--log-json]

  --number NUMBER        a number this enterprise owns, published in the ring; repeatable
  --range FROM..TO       a block of numbers, both ends included; repeatable
  --exclude NUMBER       a number of a range not to publish; repeatable
  --quota Q              most numbers this node may publish (default 10000); more is an error
                         (numbers this node published before but not given now are withdrawn)
  --country CC           default country for national numbers (ISO 3166, e.g. US, GB)
  --overlay NAME         the overlay's name; salts number keys, the same on every node (default ime)
  --listen MULTIADDR     libp2p listen address (default /ip4/127.0.0.1/tcp/0); repeatable
  --bootstrap MULTIADDR  a ring member, ending in /p2p/PEER-ID; repeatable (tried in order).
                         Without it, this node starts a new ring.
  --data DIR             where the node keeps its database and identity (default .data/node)
  --log-json             logs as JSON lines on stderr

When up, prints one line on stdout:  ready {"peerId", "nodeId", "multiaddrs", "numbers", "data"}
Ctrl-C or SIGTERM leaves the ring gracefully (records handed to the successor) and exits.`,
  options: {
    number: { type: 'string', multiple: true },
    range: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    quota: { type: 'string' },
    country: { type: 'string' },
    overlay: { type: 'string' },
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    data: { type: 'string' },
    'log-json': { type: 'boolean' },
  },
  async run(args) {
    const signal = shutdownSignal()
    const log = createLogger({ json: args.values['log-json'] === true })
    const dataDir = typeof args.values.data === 'string' ? args.values.data : join('.data', 'node')
    const bootstraps = asList(args.values.bootstrap)
    for (const b of bootstraps) {
      try {
        nodeRefFromMultiaddr(b)
      } catch (e) {
        throw new UsageError(`--bootstrap ${(e as Error).message}`)
      }
    }
    const country = stringOption(args, 'country')
    const ranges = asList(args.values.range).map((text) => {
      const [from, to, ...rest] = text.split('..')
      if (from === undefined || to === undefined || rest.length > 0) {
        throw new UsageError(`--range takes FROM..TO, e.g. +14085550100..+14085550199; got ${JSON.stringify(text)}`)
      }
      return { from, to }
    })
    const plan = expandNumberPlan(
      {
        numbers: asList(args.values.number),
        ranges,
        exclusions: asList(args.values.exclude),
        quota: intOption(args, 'quota', DEFAULT_NUMBER_QUOTA, 0, 10_000_000),
      },
      country === undefined ? {} : { defaultCountry: country },
    )
    if (!plan.ok) throw new UsageError(`numbers to publish: ${plan.error}`)
    const numbers = plan.value
    const listen = asList(args.values.listen)
    const node = await joinAny(
      (bootstrap) =>
        startEnterpriseNode({
          dataDir,
          overlay: stringOption(args, 'overlay') ?? 'ime',
          numbers,
          ...(listen.length > 0 && { listen }),
          ...(bootstrap !== undefined && { bootstrap: nodeRefFromMultiaddr(bootstrap) }),
          onChordEvent: (event) => log.info(describeChordEvent(event)),
          onPublishProgress: (done, total) => {
            if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) {
              log.info(`number keys derived: ${done} of ${total}`)
            }
          },
        }),
      bootstraps,
      log,
    )
    const peer = node.peer
    const self = peer.chord.self
    process.stdout.write(
      `ready ${JSON.stringify({ peerId: self.peer, nodeId: ringIdToHex(self.id), multiaddrs: self.addrs, numbers, data: dataDir })}\n`,
    )
    log.info(bootstraps.length === 0 ? 'started a new ring' : 'joined the ring')
    log.info(`${await signal}: leaving the ring`)
    await node.stop().catch((e: unknown) => log.warn(`leave: ${(e as Error).message}`))
    return 0
  },
}
