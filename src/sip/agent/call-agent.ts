/**
 * An enterprise's SIP call agent: registrar and proxy for its users, with two faces. The **internal** face
 * (TCP, WebSocket, UDP) serves the enterprise's own softphones: REGISTER and INVITE with digest authentication.
 * The **edge** face faces other enterprises: only INVITEs for local numbers that carry a valid X-IME-Ticket get
 * through (else 403 saying why), plus in-dialog requests of calls it let in. The PSTN trunk is a connection the
 * agent opens and registers to the PSTN gateway; calls arriving on it are inbound PSTN calls.
 *
 * The layers, bottom up: transport (the hub) -> transactions (inside the proxy core, shared with the trunk) ->
 * the proxy core -> this agent, whose parts are the request pipeline (dispatch.ts), the faces (edge-face.ts,
 * internal-face.ts with digest-gate.ts), routing (call-routing.ts), call records (call-records.ts), the scanner
 * watch and the PSTN trunk. PSTN, IME and internal calls are kept as call records; only PSTN calls are validated.
 */
import { MOVED_HEADER } from '../../fallback/offer.js'
import { callId, type SipMessage, type SipRequest } from '../message/index.js'
import { SipProxyCore } from '../proxy/index.js'
import { systemTimers } from '../transaction/index.js'
import { SipTransportHub, type SipConnection, type SipListener, type SipTransportName } from '../transport/index.js'
import { CallRecords } from './call-records.js'
import { CallRouting } from './call-routing.js'
import type { AgentContext } from './context.js'
import { DigestGate } from './digest-gate.js'
import { RequestDispatch } from './dispatch.js'
import { EdgeFace } from './edge-face.js'
import { InternalFace } from './internal-face.js'
import { PstnTrunk, TRUNK_FACE } from './pstn-trunk.js'
import { Registrations } from './registrar.js'
import { ScannerWatch } from './scanner-watch.js'
import { TrunkMedia } from './trunk-media.js'
import { trunkList } from '../../trunks/trunk-config.js'
import type { CallAgentConfig, CallAgentCounters, CallAgentEvent, FaceConfig } from './types.js'

export class CallAgent {
  readonly registrations = new Registrations()
  readonly counters: CallAgentCounters = {
    ticketsAccepted: 0,
    ticketsRefused: {},
    rateLimited: 0,
    callsByPath: { pstn: 0, ime: 0, internal: 0 },
    fallbacks: 0,
    midcallFallbacks: 0,
    authFailures: 0,
    scansBlocked: 0,
  }
  private readonly hub: SipTransportHub
  private readonly core: SipProxyCore
  private readonly dispatch: RequestDispatch
  private edgeListeners: SipListener[] = []
  private internalListeners: SipListener[] = []
  /** Where an IP-authenticated trunk calls in (its own face). */
  private trunkListeners: SipListener[] = []
  /** The trunks to the PSTN, in order of preference (`pstn`: one, or a list). */
  private trunks: PstnTrunk[] = []
  /** The media bridge in the signalling of a bridged trunk's calls. */
  readonly media: TrunkMedia
  private edgePorts: { tcp?: number; ws?: number; udp?: number } = {}

  private constructor(private readonly config: CallAgentConfig) {
    this.media = new TrunkMedia({ bridge: config.mediaBridge, emit: (e) => this.config.onEvent?.(e) })
    this.hub = new SipTransportHub((m, c) => this.onMessage(m, c), {}, config.inboundLimits)
    // A WebSocket client's bindings live and die with its flow (RFC 5626, RFC 7118).
    this.hub.onConnectionClosed((c) => this.registrations.dropConnection(c.id))
    const records: { current?: CallRecords } = {}
    this.core = new SipProxyCore({
      hub: this.hub,
      timers: config.timers ?? systemTimers,
      connectTimeoutMs: 5_000,
      // A call in from a trunk (the trunk face, or the flow its registration opened) gets that trunk's public
      // Record-Route when one is set, like calls out to it (PstnTrunk.targetsFor).
      recordRouteUri: (face, transport, conn) =>
        ((face === TRUNK_FACE || face === 'outbound') &&
          conn !== undefined &&
          this.trunkOf(conn)?.recordRouteUri(transport)) ||
        this.uriOf(face, transport),
      onInDialog: (req) => {
        records.current?.onInDialog(req)
        if (req.method === 'BYE') void this.media.end(callId(req) ?? '')
        this.releaseFallback(req)
      },
      // Softphones are on the internal face; the trunk's side of a call is any other connection.
      inDialogForward: (req, from) => this.media.reOffer(req, from.face === 'internal'),
      now: () => config.clock.now(),
      ...(config.routeSecret !== undefined && { routeSecret: config.routeSecret }),
    })
    const ctx: AgentContext = {
      config,
      core: this.core,
      hub: this.hub,
      registrations: this.registrations,
      counters: this.counters,
      scanners: new ScannerWatch(),
      emit: (e: CallAgentEvent) => this.config.onEvent?.(e),
    }
    records.current = new CallRecords(ctx)
    const routing = new CallRouting(ctx, records.current, () => this.trunks, this.media)
    const edge = new EdgeFace(ctx, routing)
    const internal = new InternalFace(ctx, new DigestGate(ctx), routing)
    this.dispatch = new RequestDispatch(ctx, {
      edge: (req, conn) => edge.handle(req, conn),
      internal: (req, conn) => internal.handle(req, conn),
      trunk: (req, conn) => {
        const trunk = this.trunkOf(conn)
        if (trunk !== undefined) {
          routing.pstnInbound(req, conn, trunk)
          return true
        }
        if (conn.face !== TRUNK_FACE) return false
        // The trunk face takes nothing but the trunks' own addresses.
        this.config.onEvent?.({ type: 'trunk', state: 'refused', detail: `a request from ${conn.remoteAddress}` })
        if (req.method !== 'ACK') this.core.reply(req, conn, 403, 'Not an address of this trunk')
        return true
      },
    })
  }

  static async start(config: CallAgentConfig): Promise<CallAgent> {
    const agent = new CallAgent(config)
    try {
      agent.internalListeners = await agent.listenFace('internal', config.internal)
      await agent.edgeUp()
      const trunks = trunkList(config.pstn)
      agent.trunks = trunks.map(
        (t, i) =>
          new PstnTrunk(
            agent.hub,
            agent.core.transactions,
            config.timers ?? systemTimers,
            config.clock,
            t,
            config.host,
            // Every trunk event says which trunk: its index, and its name when it has one.
            (e) => config.onEvent?.({ type: 'trunk', ...e, trunk: i, ...(t.name !== undefined && { name: t.name }) }),
            i,
            Array.isArray(config.pstn) ? `pstn.${i}` : 'pstn',
          ),
      )
      // One trunk face, shared: a connection there is the trunk's whose allowFrom has its address.
      const listen = trunks.find((t) => t.listen !== undefined)?.listen
      if (listen !== undefined) {
        agent.trunkListeners = await agent.listenFace(TRUNK_FACE, {
          ...(listen.tcp !== undefined && { tcpPort: listen.tcp }),
          ...(listen.udp !== undefined && { udpPort: listen.udp }),
        })
      }
      // Each registers (or keeps alive) on its own.
      await Promise.all(agent.trunks.map((t) => t.start()))
    } catch (e) {
      await agent.stop()
      throw e
    }
    return agent
  }

  private async listenFace(face: string, f: FaceConfig): Promise<SipListener[]> {
    const out: SipListener[] = []
    const host = this.config.host
    if (f.tcpPort !== undefined)
      out.push(await this.hub.listenStream({ face, host, port: f.tcpPort, ...(f.tls && { tls: f.tls }) }))
    const sessionUser = face === 'internal' ? this.config.sessionUser : undefined
    if (f.wsPort !== undefined) {
      out.push(
        await this.hub.listenWebSocket({
          face,
          host,
          port: f.wsPort,
          ...(f.tls && { tls: f.tls }),
          ...(sessionUser !== undefined && { authenticateUpgrade: sessionUser }),
        }),
      )
    }
    if (f.udpPort !== undefined) out.push(await this.hub.listenDatagram({ face, host, port: f.udpPort }))
    return out
  }

  /** Where each face listens. */
  get addresses() {
    const of = (ls: SipListener[], t: string) => ls.find((l) => l.transport === t)?.port
    return {
      edge: {
        tcp: of(this.edgeListeners, 'TCP') ?? of(this.edgeListeners, 'TLS'),
        ws: of(this.edgeListeners, 'WS') ?? of(this.edgeListeners, 'WSS'),
        udp: of(this.edgeListeners, 'UDP'),
      },
      internal: {
        tcp: of(this.internalListeners, 'TCP') ?? of(this.internalListeners, 'TLS'),
        ws: of(this.internalListeners, 'WS') ?? of(this.internalListeners, 'WSS'),
        udp: of(this.internalListeners, 'UDP'),
      },
      trunk: { tcp: of(this.trunkListeners, 'TCP'), udp: of(this.trunkListeners, 'UDP') },
    }
  }

  /** Inbound connections: held now, and accepted, refused and closed by the limits (by reason). */
  get connections() {
    return { ...this.hub.inbound, ...this.hub.admissionCounters }
  }

  get edgeIsUp(): boolean {
    return this.edgeListeners.length > 0
  }

  /** Every trunk registered (or, IP-authenticated, answering its keep-alives); false without a trunk. */
  get trunkRegistered(): boolean {
    return this.trunks.length > 0 && this.trunks.every((t) => t.registered)
  }

  /** Each trunk, in order of preference: its index, name (its index when it has none) and whether it is registered. */
  get trunkStatus(): { index: number; name: string; registered: boolean }[] {
    return this.trunks.map((t) => ({ index: t.index, name: t.name, registered: t.registered }))
  }

  /** The trunk a connection belongs to: its registered flow, or the trunk face from an address in its allowFrom. */
  private trunkOf(conn: SipConnection): PstnTrunk | undefined {
    return this.trunks.find((t) => t.isTrunk(conn))
  }

  /** Takes the edge down (stands in for an Internet failure): listeners and their connections close. */
  async edgeDown(): Promise<void> {
    const ls = this.edgeListeners
    this.edgeListeners = []
    for (const l of ls) await l.close()
  }

  /** Brings the edge up again, on the same ports as before. */
  async edgeUp(): Promise<void> {
    if (this.edgeListeners.length > 0) return
    const f = this.config.edge
    this.edgeListeners = await this.listenFace('edge', {
      ...f,
      ...(f.tcpPort !== undefined && { tcpPort: this.edgePorts.tcp ?? f.tcpPort }),
      ...(f.wsPort !== undefined && { wsPort: this.edgePorts.ws ?? f.wsPort }),
      ...(f.udpPort !== undefined && { udpPort: this.edgePorts.udp ?? f.udpPort }),
    })
    const a = this.addresses.edge
    this.edgePorts = {
      ...(a.tcp !== undefined && { tcp: a.tcp }),
      ...(a.ws !== undefined && { ws: a.ws }),
      ...(a.udp !== undefined && { udp: a.udp }),
    }
  }

  async stop(): Promise<void> {
    for (const t of this.trunks) t.stop()
    this.core.stop()
    await this.hub.close()
  }

  /** Our URI on a face for a transport: that listener, else the face's first (e.g. UDP phones get TCP). */
  /** A BYE ends its call's fallback offer; one with X-IME-Moved releases the IP leg of a call that moved. */
  private releaseFallback(req: SipRequest): void {
    const id = req.method === 'BYE' ? callId(req) : undefined
    if (id === undefined || this.config.midcallFallback === undefined) return
    const moved = req.headers.get(MOVED_HEADER) !== undefined
    if (this.config.midcallFallback.release(id, moved) && moved) {
      this.counters.midcallFallbacks++
      this.config.onEvent?.({ type: 'midcall-fallback', callId: id })
    }
  }

  private uriOf(face: string, transport: SipTransportName): string {
    const ls = face === 'edge' ? this.edgeListeners : this.internalListeners
    const l = ls.find((x) => x.transport === transport) ?? ls[0] ?? this.internalListeners[0]
    return `sip:${this.config.host}:${l?.port ?? 5060};transport=${(l?.transport ?? 'TCP').toLowerCase()};lr`
  }

  /** Responses go to their client transaction (a forwarded request's branch, the trunk's REGISTER); requests
   * through the pipeline. */
  private onMessage(m: SipMessage, conn: SipConnection): void {
    if (m.kind === 'response') return this.core.onResponse(m)
    this.dispatch.dispatch(m, conn)
  }
}
