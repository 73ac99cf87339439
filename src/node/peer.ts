/**
 * The node's peer: libp2p with its Chord ring membership (a new ring, or joined through a bootstrap node),
 * its DHT share kept in the store, its metrics in the node's registry. Its stop leaves the ring gracefully
 * (records handed over); if leaving fails, libp2p is stopped anyway.
 */
import type { PrivateKey } from '@libp2p/interface'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import type { Clock } from '../core/clock.js'
import type { ChordConfig, ChordEvent } from '../dht/chord-node.js'
import type { NodeRef } from '../dht/messages.js'
import type { RecordStore } from '../dht/record-store.js'
import type { NodeMetrics } from '../http/metrics.js'
import { startChordPeer, type ChordPeer } from '../p2p/chord-peer.js'
import type { Part } from './startup.js'

export interface NodePeer extends Part {
  readonly peer: ChordPeer
}

export interface NodePeerOptions {
  readonly privateKey: PrivateKey
  readonly records: RecordStore
  readonly metrics: NodeMetrics
  readonly clock: Clock
  readonly listen?: string[]
  readonly announce?: string[]
  readonly bootstrap?: NodeRef
  readonly chord?: Partial<ChordConfig>
  readonly log: (event: ChordEvent) => void
}

export async function startNodePeer(options: NodePeerOptions): Promise<NodePeer> {
  const peer = await startChordPeer({
    metrics: prometheusMetrics({
      registry: options.metrics.registry,
      preserveExistingMetrics: true,
      // Process metrics (CPU, memory, GC) are collected once per process (NodeMetrics), not per node.
      collectDefaultMetrics: false,
    }) as never,
    privateKey: options.privateKey,
    records: options.records,
    ...(options.listen !== undefined && { listen: options.listen }),
    ...(options.announce !== undefined && { announce: options.announce }),
    ...(options.bootstrap !== undefined && { bootstrap: options.bootstrap }),
    ...(options.chord !== undefined && { config: options.chord }),
    log: options.log,
    clock: options.clock,
  })
  return {
    peer,
    async stop() {
      try {
        await peer.leave()
      } catch (e) {
        await peer.kill()
        throw e
      }
    },
  }
}
