/** A Chord node on a libp2p peer: the composition `ime node`, the demo, tests and benchmarks share. */
import type { PrivateKey } from '@libp2p/interface'
import type { Clock } from '../core/clock.js'
import { ChordNode, type ChordConfig, type ChordEvent } from '../dht/chord-node.js'
import { claimSignerFor } from '../dht/identity.js'
import type { NodeRef } from '../dht/messages.js'
import type { RecordStore } from '../dht/record-store.js'
import { Libp2pChordTransport, selfNodeRef, type ChordRequestTiming } from './chord-transport.js'
import { RoutingTagger } from './chord-tags.js'
import { createImeLibp2p, type ImeLibp2p, type ImeLibp2pOptions } from './libp2p-node.js'

export interface ChordPeer {
  readonly libp2p: ImeLibp2p
  readonly chord: ChordNode
  /** Leaves the ring gracefully (records handed over), then stops libp2p. */
  leave(): Promise<void>
  /** Stops at once, with no goodbye: an abrupt failure as the ring sees it. */
  kill(): Promise<void>
}

export interface ChordPeerOptions {
  privateKey: PrivateKey
  listen?: string[]
  announce?: string[]
  config?: Partial<ChordConfig>
  clock?: Clock
  log?: (event: ChordEvent) => void
  services?: ImeLibp2pOptions['services']
  metrics?: ImeLibp2pOptions['metrics']
  /** Join the ring of this node; without it, start a new ring. */
  bootstrap?: NodeRef
  /** Start the periodic maintenance timers (default true). */
  maintain?: boolean
  /** Where the node keeps its share of the DHT (default: in memory). */
  records?: RecordStore
  /** Told how each outbound Chord request went (benchmarks, diagnostics). */
  observeRequests?: (timing: ChordRequestTiming) => void
}

export async function startChordPeer(options: ChordPeerOptions): Promise<ChordPeer> {
  const libp2p = await createImeLibp2p({
    privateKey: options.privateKey,
    ...(options.listen !== undefined && { listen: options.listen }),
    ...(options.announce !== undefined && { announce: options.announce }),
    ...(options.bootstrap !== undefined && { relayCandidates: options.bootstrap.addrs }),
    ...(options.services !== undefined && { services: options.services }),
    ...(options.metrics !== undefined && { metrics: options.metrics }),
  })
  const transport = new Libp2pChordTransport(libp2p, options.config?.requestTimeoutMs, options.observeRequests)
  const chord = new ChordNode({
    self: selfNodeRef(libp2p),
    transport,
    signer: claimSignerFor(options.privateKey),
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.config !== undefined && { config: options.config }),
    ...(options.log !== undefined && { log: options.log }),
    ...(options.records !== undefined && { records: options.records }),
  })
  try {
    await transport.serve(chord.handleRequest)
    if (options.bootstrap === undefined) chord.create()
    else await chord.join(options.bootstrap)
  } catch (e) {
    chord.stop()
    await libp2p.stop()
    throw e
  }
  if (options.maintain !== false) chord.start()
  const tagger = new RoutingTagger(libp2p, chord)
  tagger.start()
  return {
    libp2p,
    chord,
    async leave() {
      tagger.stop()
      await chord.leave()
      await libp2p.stop()
    },
    async kill() {
      tagger.stop()
      chord.stop()
      await libp2p.stop()
    },
  }
}
