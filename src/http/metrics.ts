/**
 * Prometheus metrics of one node (GET /metrics, operator only): libp2p's own (connections, streams, protocol
 * traffic, via @libp2p/prometheus-metrics) and IME's: DHT lookups, validations by outcome, tickets checked by
 * outcome, calls by path, fallbacks to the PSTN, and gauges of routes, registrations and pending validations.
 * One registry per node, so that several nodes in one process (the demo) do not mix their figures; process
 * metrics (CPU, memory, event loop, GC) come from one registry per process.
 */
import { RecentRefusals } from './activity.js'
import { descriptorUse } from '../core/descriptors.js'
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { CallAgentEvent } from '../sip/agent/index.js'

/** What metrics read of a listener group's inbound connections (SocketAdmission's figures). */
export interface ConnectionFigures {
  readonly held: number
  readonly pending: number
  readonly refused: Readonly<Record<string, number>>
  readonly closed: Readonly<Record<string, number>>
}

let processRegistry: Registry | undefined

/**
 * The process metrics, collected once per process however many nodes it starts and stops: prom-client's
 * collectors are never released (a GC PerformanceObserver and an event-loop delay histogram), and one made for
 * a node's registry would keep that registry, and through its gauges the whole stopped node, alive.
 */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export class NodeMetrics {
  readonly registry = new Registry()
  readonly lookups: Counter<'kind'>
  readonly validations: Counter<'outcome' | 'kind'>
  readonly tickets: Counter<'outcome'>
  readonly calls: Counter<'path' | 'direction'>
  readonly fallbacks: Counter
  readonly midcallFallbacks: Counter
  readonly conflicts: Counter<'trusted'>
  /** The last day's ticket refusals with their codes, for the operator page's plot (in memory). */
  readonly refusals = new RecentRefusals()
  readonly authFailures: Counter
  readonly scansDetected: Counter<'face'>

  constructor(
    gauges: { learnedRoutes: () => number; pendingValidations: () => number; registrations: () => number },
    /** Whether the exposition includes the process metrics. */
    private readonly processMetrics = true,
  ) {
    const registers = [this.registry]
    this.lookups = new Counter({
      name: 'ime_dht_lookups_total',
      help: 'DHT lookups of number claims made by this node',
      labelNames: ['kind'],
      registers,
    })
    this.validations = new Counter({
      name: 'ime_validations_total',
      help: 'Validation runs by outcome (validated, failed, no-claim) and kind (first, revalidation)',
      labelNames: ['outcome', 'kind'],
      registers,
    })
    this.tickets = new Counter({
      name: 'ime_tickets_checked_total',
      help: 'Tickets checked at the SIP edge, by outcome (accepted, or the refusal code)',
      labelNames: ['outcome'],
      registers,
    })
    this.calls = new Counter({
      name: 'ime_calls_total',
      help: 'Answered calls by path (pstn, ime) and direction',
      labelNames: ['path', 'direction'],
      registers,
    })
    this.conflicts = new Counter({
      name: 'ime_route_conflicts_total',
      help: 'Validations in which a second domain proved a number another domain holds a trusted route to, by whether the newcomer is now trusted',
      labelNames: ['trusted'],
      registers,
    })
    this.fallbacks = new Counter({
      name: 'ime_fallbacks_total',
      help: 'Calls to a learned route that fell back to the PSTN',
      registers,
    })
    this.midcallFallbacks = new Counter({
      name: 'ime_midcall_fallbacks_total',
      help: 'IME calls that moved to the PSTN in the middle of the call (mid-call fallback)',
      registers,
    })
    this.authFailures = new Counter({
      name: 'ime_sip_auth_failures_total',
      help: 'SIP digest authentication failures',
      registers,
    })
    this.scansDetected = new Counter({
      name: 'ime_sip_scans_detected_total',
      help: 'SIP scanners noticed (a source then goes unanswered for 10 minutes), by face',
      labelNames: ['face'],
      registers,
    })
    new Gauge({
      name: 'ime_learned_routes',
      help: 'Unexpired learned routes',
      registers,
      collect() {
        this.set(gauges.learnedRoutes())
      },
    })
    new Gauge({
      name: 'ime_pending_validations',
      help: 'Validations waiting to run',
      registers,
      collect() {
        this.set(gauges.pendingValidations())
      },
    })
    new Gauge({
      name: 'ime_sip_registered_users',
      help: 'Users with at least one registration',
      registers,
      collect() {
        this.set(gauges.registrations())
      },
    })
    new Gauge({
      name: 'ime_open_descriptors',
      help: 'File descriptors open in this process (sockets, files, SQLite); see also ime_descriptor_limit',
      registers,
      collect() {
        const use = descriptorUse()
        if (use !== undefined) this.set(use.open)
      },
    })
    new Gauge({
      name: 'ime_descriptor_limit',
      help: 'The soft limit on open file descriptors (RLIMIT_NOFILE) of this process',
      registers,
      collect() {
        const use = descriptorUse()
        if (use !== undefined) this.set(use.limit === Infinity ? -1 : use.limit)
      },
    })
  }

  /**
   * Inbound connections of a listener group ('sip', 'http'), read when scraped: held now and pending (no complete
   * first message yet), and the running totals refused or closed by the limits, by reason.
   */
  watchConnections(group: string, read: () => ConnectionFigures | undefined): void {
    this.connectionReaders.set(group, read)
    if (this.connectionReaders.size > 1) return
    const readers = this.connectionReaders
    const registers = [this.registry]
    const each = (f: (group: string, figures: ConnectionFigures) => void) => {
      for (const [group, r] of readers) {
        const figures = r()
        if (figures !== undefined) f(group, figures)
      }
    }
    new Gauge({
      name: 'ime_inbound_connections',
      help: 'Inbound connections held now, by listener group and state (pending: no complete first message yet)',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset()
        each((group, f) => {
          this.set({ group, state: 'pending' }, f.pending)
          this.set({ group, state: 'established' }, f.held - f.pending)
        })
      },
    })
    new Counter({
      name: 'ime_inbound_connections_refused_total',
      help: 'Inbound connections refused at accept by the limits, by listener group and reason',
      labelNames: ['group', 'reason'],
      registers,
      collect() {
        this.reset()
        each((group, f) => {
          for (const [reason, n] of Object.entries(f.refused)) this.inc({ group, reason }, n)
        })
      },
    })
    new Counter({
      name: 'ime_inbound_connections_closed_total',
      help: 'Inbound connections closed by the limits (first-message-timeout, evicted), by listener group and reason',
      labelNames: ['group', 'reason'],
      registers,
      collect() {
        this.reset()
        each((group, f) => {
          for (const [reason, n] of Object.entries(f.closed)) this.inc({ group, reason }, n)
        })
      },
    })
  }

  private readonly connectionReaders = new Map<string, () => ConnectionFigures | undefined>()

  /** The exposition text and its content type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    const text = await this.registry.metrics()
    if (!this.processMetrics) return { text, contentType: this.registry.contentType }
    return { text: `${text}\n${await processMetricsRegistry().metrics()}`, contentType: this.registry.contentType }
  }
}

/** Counts what the call agent reports. */
export function countSipEvent(m: NodeMetrics, e: CallAgentEvent): void {
  if (e.type === 'ticket-checked') m.tickets.inc({ outcome: e.ok === true ? 'accepted' : String(e.code) })
  else if (e.type === 'call-started') m.calls.inc({ path: String(e.path), direction: String(e.direction) })
  else if (e.type === 'fallback') m.fallbacks.inc()
  else if (e.type === 'midcall-fallback') m.midcallFallbacks.inc()
  else if (e.type === 'auth-failed') m.authFailures.inc()
  else if (e.type === 'scan-detected') m.scansDetected.inc({ face: String(e.face) })
}
