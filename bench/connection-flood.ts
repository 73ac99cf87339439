/**
 * `ime bench flood --connections N --listener L [--half-sent] [--calls C] [--json]`: N connections held from one
 * source address (127.0.0.1) against one listener, idle or half-sent, while from another (127.0.0.2) bob
 * registers, a calling node places C ticketed calls, a ring member pings afresh and a browser asks /api/health;
 * the same legitimate traffic alone first, for comparison. The world is bench/flood-world.ts.
 */
import type { AdmissionCounters } from '../src/core/connection-admission.js'
import { descriptorUse } from '../src/core/descriptors.js'
import { floodConnections, HALF_SENT, type FloodFigures } from '../src/testing/connection-flood.js'
import { intOption, UsageError, type ParsedArgs } from '../src/cli/command.js'
import { FLOOD_LISTENERS, FloodWorld, type FloodListener, type LegitFigures, type WorldLimits } from './flood-world.js'
import { printJson, printTable } from './report.js'

export interface ConnectionFloodOptions {
  readonly connections: number
  readonly listener: FloodListener
  readonly calls: number
  readonly halfSent?: boolean
  /** Reopen each connection the node closes, a second later (a sustained flood). */
  readonly sustained?: boolean
  readonly limits?: WorldLimits
  /** Read the node's figures no sooner than this long after the flood was attempted (ms; default 0). */
  readonly settleMs?: number
  /** The flood's source address, and the legitimate side's. */
  readonly from?: string
  readonly clientFrom?: string
}

export interface ConnectionFloodResult {
  listener: FloodListener
  connections: number
  halfSent: boolean
  sustained: boolean
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
  // The ring member dials from 127.0.0.1 (libp2p picks the source): a libp2p flood comes from another address.
  const from = o.from ?? (o.listener === 'libp2p' ? '127.0.0.2' : '127.0.0.1')
  const clientFrom = o.clientFrom ?? (o.listener === 'libp2p' ? '127.0.0.1' : '127.0.0.2')
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
      ...(o.sustained === true && { reopenAfterMs: 1_000 }),
    })
    let peak = 0
    const sampler = setInterval(() => (peak = Math.max(peak, descriptorUse()?.open ?? 0)), 100)
    try {
      await flood.opened
      const secondsToOpen = Math.round((performance.now() - started) / 100) / 10
      const underFlood = await world.legit(clientFrom, o.calls, o.listener)
      const settled = started + secondsToOpen * 1000 + (o.settleMs ?? 0)
      await new Promise((r) => setTimeout(r, Math.max(0, settled - performance.now())))
      const figures = { ...flood.figures, errors: [...flood.figures.errors], secondsToOpen }
      const node = nodeFigures(world, o.listener)
      const use = descriptorUse()
      return {
        listener: o.listener,
        connections: o.connections,
        halfSent: halfSent !== undefined,
        sustained: o.sustained === true,
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

/** `ime bench flood --connections N ...` (bench/flood.ts hands over when --connections is given). */
/** Limits lifted (for comparison: how the node fared before it had any), as far as the checks allow. */
const UNLIMITED = {
  perSource: 1_000_000,
  perSourcePending: 1_000_000,
  max: 1_000_000,
  reserve: 0,
  firstMessageMs: 600_000,
}

export async function connectionFloodCommand(args: ParsedArgs): Promise<number> {
  const listener = String(args.values.listener ?? 'sip-tcp')
  if (!(FLOOD_LISTENERS as readonly string[]).includes(listener)) {
    throw new UsageError(`--listener must be one of ${FLOOD_LISTENERS.join(', ')}, not ${JSON.stringify(listener)}`)
  }
  const r = await runConnectionFlood({
    connections: intOption(args, 'connections', 20_000, 1, 60_000),
    listener: listener as FloodListener,
    calls: intOption(args, 'calls', 100, 1, 10_000),
    halfSent: args.values['half-sent'] === true,
    sustained: args.values.sustained === true,
    ...(args.values.unlimited === true && { limits: { sip: UNLIMITED, http: UNLIMITED } }),
  })
  if (args.values.json === true) printJson({ bench: 'flood-connections', ...r })
  else {
    const legit = (f: LegitFigures) =>
      `bob registered: ${f.registered ? 'yes' : 'NO'}; calls ${f.calls.ok} ok / ${f.calls.failed} failed, ` +
      `setup p50 ${f.calls.setupMsP50} ms, p99 ${f.calls.setupMsP99} ms; health ${f.health.ok}/5; ` +
      `ring ping ${f.ring.ok}/5 (p50 ${f.ring.msP50} ms)`
    const refused = Object.entries(r.node.refused ?? {}).map(([k, v]) => `${k} ${v}`)
    const closed = Object.entries(r.node.closed ?? {}).map(([k, v]) => `${k} ${v}`)
    const kind =
      `${r.halfSent ? 'half-sent' : 'idle'}${r.sustained ? ', reopened when closed,' : ''}` +
      `${args.values.unlimited === true ? ' (SIP and HTTP limits lifted)' : ''}`
    printTable(`${r.connections} ${kind} connections against ${r.listener}`, [
      ['legitimate traffic alone', legit(r.alone)],
      ['... under the flood', legit(r.underFlood)],
      [
        'flood (sender): connected / failed / closed by the node / still held / peak held',
        `${r.flood.connected} / ${r.flood.failed} / ${r.flood.closedByServer} / ${r.flood.held} / ${r.flood.peakHeld}`,
      ],
      ['flood: seconds to attempt them all', r.flood.secondsToOpen],
      ['node: held (pending) at the end of the calls', `${r.node.held} (${r.node.pending})`],
      ['node: refused at accept, by reason', refused.join(', ') || '-'],
      ['node: closed, by reason', closed.join(', ') || '-'],
      [
        'descriptors of the bench process: peak / limit',
        r.descriptors ? `${r.descriptors.peak} / ${r.descriptors.limit}` : '-',
      ],
      ['errors (first few)', [...r.underFlood.errors, ...r.flood.errors].join('; ') || '-'],
    ])
  }
  const ok = (f: LegitFigures) => f.registered && f.calls.failed === 0 && f.health.failed === 0 && f.ring.failed === 0
  return ok(r.alone) && ok(r.underFlood) ? 0 : 1
}
