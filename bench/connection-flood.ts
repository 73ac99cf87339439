/**
 * `ime bench flood --connections N --listener L [--half-sent] [--calls C] [--json]`: N connections held from one
 * source address (127.0.0.1) against one listener, idle or half-sent, while from another (127.0.0.2) bob
 * registers, a calling node places C ticketed calls, a ring member pings afresh and a browser asks /api/health;
 * the same legitimate traffic alone first, for comparison. The world is bench/flood-world.ts.
 */
import type { AdmissionCounters } from '../src/core/connection-admission.js'
import { descriptorUse } from '../src/core/descriptors.js'
import { floodConnections, HALF_SENT, type FloodFigures } from '../src/testing/connection-flood.js'
import { FloodWorld, type FloodListener, type LegitFigures, type WorldLimits } from './flood-world.js'

export interface ConnectionFloodOptions {
  readonly connections: number
  readonly listener: FloodListener
  readonly calls: number
  readonly halfSent?: boolean
  readonly limits?: WorldLimits
  /** The flood's source address, and the legitimate side's. */
  readonly from?: string
  readonly clientFrom?: string
}

export interface ConnectionFloodResult {
  listener: FloodListener
  connections: number
  halfSent: boolean
  alone: LegitFigures
  underFlood: LegitFigures
  /** The flood as its sender saw it, when the legitimate traffic under it was done. */
  flood: FloodFigures & { secondsToOpen: number }
  /** What the flooded part counted (SIP listeners: the call agent; HTTP: the API server). */
  node: { held: number; pending: number } & Partial<AdmissionCounters>
  /** This process's descriptors at the flood's peak (the bench holds both ends). */
  descriptors: { peak: number; limit: number } | undefined
}

export async function runConnectionFlood(o: ConnectionFloodOptions): Promise<ConnectionFloodResult> {
  const world = await FloodWorld.start(o.limits)
  const from = o.from ?? '127.0.0.1'
  const clientFrom = o.clientFrom ?? '127.0.0.2'
  try {
    const alone = await world.legit(clientFrom, o.calls, o.listener)
    const halfSent = o.halfSent === true ? halfSentFor(o.listener) : undefined
    const started = performance.now()
    const flood = floodConnections({
      host: '127.0.0.1',
      port: world.port(o.listener),
      from,
      count: o.connections,
      ...(halfSent !== undefined && { halfSent }),
    })
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, descriptorUse()?.open ?? 0)), 100)
    try {
      await flood.opened
      const secondsToOpen = Math.round((performance.now() - started) / 100) / 10
      const underFlood = await world.legit(clientFrom, o.calls, o.listener)
      const figures = { ...flood.figures, errors: [...flood.figures.errors], secondsToOpen }
      const node = nodeFigures(world, o.listener)
      const use = descriptorUse()
      return {
        listener: o.listener,
        connections: o.connections,
        halfSent: halfSent !== undefined,
        alone,
        underFlood,
        flood: figures,
        node,
        descriptors: use === undefined ? undefined : { peak, limit: use.limit },
      }
    } finally {
      clearInterval(sampler)
      await flood.stop()
    }
  } finally {
    await world.stop()
  }
}

function halfSentFor(listener: FloodListener): string {
  if (listener === 'http') return HALF_SENT.http
  if (listener === 'sip-ws') return HALF_SENT.ws
  if (listener === 'sip-tcp') return HALF_SENT.sip
  // TLS, WSS and libp2p: the start of a handshake that never finishes (a TLS ClientHello's first bytes, or
  // multistream-select's first line).
  return listener === 'libp2p' ? '\x13/multistream/1.0.0\n' : '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'
}

function nodeFigures(world: FloodWorld, listener: FloodListener): ConnectionFloodResult['node'] {
  if (listener === 'http') return world.http.api.connections()
  if (listener === 'libp2p') {
    return { held: world.flooded.getConnections().length, pending: 0 }
  }
  return world.agent.connections
}
