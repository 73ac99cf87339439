/**
 * The knowledge proof over libp2p: `/ime/validation/1.0.0`, one stream per run, four length-prefixed protobuf
 * messages (pb/validation.proto). The claimer side caps attempts per peer and spends a call record after a few
 * failed runs (per asking peer, and in all); any run that does not end in a confirmed proof counts as a failure
 * for its record, including one the originator abandons after seeing the claimer's reply. The originator side
 * says why a run failed (ProofFailure's kind), so that only a claimer that could not prove the call loses its
 * route.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import type { Clock } from '../core/clock.js'
import { err, ok, type Result } from '../core/result.js'
import type { NodeRef } from '../dht/messages.js'
import { clockPrior, type AttemptCaps, type ProofOffsets } from '../validation/attempt-caps.js'
import { callerHintFor, offsetFromCentre, type CallDetails, type GridPhases } from '../validation/call-secret.js'
import { proofFailure, type ProofFailure } from '../validation/proof-failure.js'
import { ProofClaimer, ProofOriginator, type ProofSuccess } from '../validation/proof-session.js'
import { open, seal } from '../validation/seal.js'
import { openStream } from './dial.js'
import type { ImeLibp2p } from './libp2p-node.js'
import { CALL_KEY_BYTES } from '../tickets/constants.js'
import * as pb from './pb/validation.js'

export const VALIDATION_PROTOCOL = '/ime/validation/1.0.0'

/** What the claimer grants after a proof: where to send SIP, and the ticket that lets the call through. */
export interface RouteOffer {
  /** The claimer's domain. */
  readonly domain: string
  readonly sipUri: string
  readonly ticket: string
  readonly expiresAt: number
  /** The ticket's call key (src/tickets/call-key.ts); absent from claimers that grant none. */
  readonly callKey?: Uint8Array
}

const DOMAIN_LABEL = 'ime/validation/route-request'
const OFFER_LABEL = 'ime/validation/route-grant'
/** Proof messages are small (tens of bytes); 4 KiB bounds what a peer can make us buffer. */
const MAX_MESSAGE_BYTES = 4096
/** Two round trips and two scalar multiplications each side: a few ms here; 5 s covers a loaded peer. */
const DEFAULT_TIMEOUT_MS = 5000

/** A call record as the claimer keeps it: its details plus an id, to count failed runs against it. */
export interface ClaimedCall extends CallDetails {
  readonly id: string
}

/** What the claimer looks its record up by: msg1's clear fields and what it knows of the asking peer. */
export interface RecordQuery {
  readonly numberKey: Uint8Array
  readonly hourHint: number
  readonly phases: GridPhases
  /** False for records spent for this peer by the caps. */
  readonly usable: (recordId: string) => boolean
  /** True for records proven before (for this peer or another): picked only when no other is left. */
  readonly provenBefore: (recordId: string) => boolean
  /**
   * Where this peer's times usually sit against our records (the claimer's calibration; before its first proof,
   * the clock difference its request showed).
   */
  readonly expectedOffset: ProofOffsets
  /** The originator's caller hint (callerHintFor), if it sent one (older originators do not). */
  readonly callerHint?: number
}

export interface ValidationProtocolDeps {
  /**
   * The claimer's record of the call the originator means, if any: inbound, to the keyed number, started in
   * startWindow(hourHint), chosen among several with pickCallRecord on the originator's grid phases, leaving out
   * records that are not `usable` (spent for this peer by the caps) and considering records `provenBefore` for
   * this peer only when no other is left. Asked only once msg1 has passed its checks.
   */
  findRecord(query: RecordQuery): ClaimedCall | undefined
  caps: AttemptCaps
  clock: Clock
  randomBytes: (n: number) => Uint8Array
  /** Told of every proof this node confirmed as claimer. */
  onProven?: (peer: string, call: ClaimedCall, success: ProofSuccess) => void
  /**
   * After a confirmed proof, the originator names its domain; this decides (block list) and mints the ticket.
   * Without it, this node grants no routes.
   */
  grantRoute?: (peer: string, call: ClaimedCall, domain: string) => Result<RouteOffer>
  timeoutMs?: number
}

export class ValidationProtocol {
  private readonly timeoutMs: number

  constructor(
    private readonly libp2p: ImeLibp2p,
    private readonly deps: ValidationProtocolDeps,
  ) {
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  /** Answers proof runs as claimer. */
  async serve(): Promise<void> {
    await this.libp2p.handle(VALIDATION_PROTOCOL, (stream, connection) => this.answer(stream, connection), {
      maxInboundStreams: 16,
      runOnLimitedConnection: true, // a claimer behind NAT is validated through its relay (relay.ts)
    })
  }

  /**
   * Runs the proof as originator with the node that claims the number; with `domain`, then asks for a route
   * (SIP URI and ticket) for that domain. A failure says its kind: only `not-proven` means the claimer answered
   * and could not prove the call.
   */
  async prove(
    claimer: NodeRef,
    call: CallDetails,
    numberKey: Uint8Array,
    domain?: string,
  ): Promise<Result<ProofSuccess & { route?: RouteOffer }, ProofFailure>> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    let stream: Stream
    try {
      stream = await openStream(this.libp2p, claimer, VALIDATION_PROTOCOL, signal)
    } catch (e) {
      if (signal.aborted) {
        return err(proofFailure('timeout', `could not reach ${claimer.peer} within ${this.timeoutMs} ms`))
      }
      return err(proofFailure('unreachable', `could not reach ${claimer.peer}: ${(e as Error).message}`))
    }
    try {
      return await this.run(stream, claimer, call, numberKey, domain, signal)
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)))
      if (signal.aborted) {
        return err(proofFailure('timeout', `validation with ${claimer.peer} took over ${this.timeoutMs} ms`))
      }
      return err(proofFailure('protocol', `validation with ${claimer.peer} failed: ${(e as Error).message}`))
    }
  }

  private async run(
    stream: Stream,
    claimer: NodeRef,
    call: CallDetails,
    numberKey: Uint8Array,
    domain: string | undefined,
    signal: AbortSignal,
  ): Promise<Result<ProofSuccess & { route?: RouteOffer }, ProofFailure>> {
    // The stream was opened to this peer id, and Noise made the other end prove it holds its key.
    const peers = {
      local: this.libp2p.peerId.toMultihash().bytes,
      remote: peerIdFromString(claimer.peer).toMultihash().bytes,
    }
    const originator = new ProofOriginator(call, numberKey, peers, this.deps.randomBytes)
    const messages = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    const start = originator.start
    await messages.write(
      {
        numberKey: start.numberKey,
        hourHint: BigInt(start.hourHint),
        phaseStart: start.phases.start,
        phaseEnd: start.phases.end,
        sid: start.sid,
        cpace: start.cpace,
        callerHint: callerHintFor(call.caller),
        sentAt: BigInt(this.deps.clock.now()),
      } as pb.ProofStart,
      pb.ProofStart,
      { signal },
    )
    const reply = await messages.read(pb.ProofReply, { signal })
    if (reply.refused !== '') {
      // The claimer has closed its end; ours too, or the stream stays open at both ends for the connection's life.
      await stream.close({ signal }).catch(() => undefined)
      return err(proofFailure('refused', `the claimer refused: ${reply.refused}`))
    }
    const checked = originator.receive({ cpace: reply.cpace, tag: reply.tag })
    if (!checked.ok) {
      stream.abort(new Error(checked.error))
      return err(proofFailure(originator.state === 'refuted' ? 'not-proven' : 'protocol', checked.error))
    }
    await messages.write({ tag: checked.value.confirm.tag } as pb.ProofConfirm, pb.ProofConfirm, { signal })
    const verdict = await messages.read(pb.ProofVerdict, { signal })
    if (!verdict.confirmed) {
      await stream.close({ signal }).catch(() => undefined)
      // Its tag verified, so it knew the call; a claimer that then says otherwise is misbehaving, not refuted.
      return err(proofFailure('protocol', `the claimer refused: ${verdict.reason}`))
    }
    const sessionKey = checked.value.sessionKey
    if (domain === undefined) {
      await stream.close({ signal }).catch(() => undefined)
      return ok({ sessionKey })
    }
    const sealedDomain = seal(sessionKey, DOMAIN_LABEL, new TextEncoder().encode(domain), this.deps.randomBytes(12))
    await messages.write({ sealedDomain } as pb.RouteRequest, pb.RouteRequest, { signal })
    const grant = await messages.read(pb.RouteGrant, { signal })
    await stream.close({ signal }).catch(() => undefined)
    if (grant.refused !== '') return err(proofFailure('refused', `the claimer granted no route: ${grant.refused}`))
    const opened = open(sessionKey, OFFER_LABEL, grant.sealed)
    if (!opened.ok) return err(proofFailure('protocol', `route grant: ${opened.error}`))
    const offer = pb.RouteOffer.decode(opened.value)
    const { domain: claimerDomain, sipUri, ticket, callKey } = offer
    return ok({
      sessionKey,
      route: {
        domain: claimerDomain,
        sipUri,
        ticket,
        expiresAt: Number(offer.expiresAt),
        ...(callKey.length === CALL_KEY_BYTES && { callKey }),
      },
    })
  }

  private async answer(stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    const peer = connection.remotePeer.toString()
    let record: ClaimedCall | undefined
    let askedPhases: GridPhases | undefined
    let admitted = false
    let proven = false
    try {
      const messages = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      const start = await messages.read(pb.ProofStart, { signal })
      const admission = this.deps.caps.admitPeer(peer, this.deps.clock.now())
      if (!admission.ok) {
        await messages.write(
          { cpace: new Uint8Array(), tag: new Uint8Array(), refused: admission.reason } as pb.ProofReply,
          pb.ProofReply,
          { signal },
        )
        await stream.close({ signal })
        return
      }
      admitted = true
      const hourHint = start.hourHint > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(start.hourHint)
      const claimer = new ProofClaimer(
        { local: this.libp2p.peerId.toMultihash().bytes, remote: connection.remotePeer.toMultihash().bytes },
        this.deps.randomBytes,
      )
      const reply = claimer.receive(
        {
          numberKey: start.numberKey,
          hourHint,
          phases: { start: start.phaseStart, end: start.phaseEnd },
          sid: start.sid,
          cpace: start.cpace,
        },
        (numberKey, hint, phases) => {
          const usable = (id: string) => this.deps.caps.recordUsable(id, peer)
          const provenBefore = (id: string) => this.deps.caps.provenFor(id)
          const now = this.deps.clock.now()
          const sentAt = start.sentAt > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(start.sentAt)
          const expectedOffset = this.deps.caps.expectedOffset(peer, clockPrior(sentAt, now))
          const callerHint = start.callerHint >= 1 && start.callerHint <= 256 ? start.callerHint : undefined
          askedPhases = phases
          const found = this.deps.findRecord({
            numberKey,
            hourHint: hint,
            phases,
            usable,
            provenBefore,
            expectedOffset,
            ...(callerHint !== undefined && { callerHint }),
          })
          // A spent record is treated as no record: the run goes on with a random password and fails.
          record = found !== undefined && usable(found.id) ? found : undefined
          return record
        },
      )
      if (!reply.ok) {
        await messages.write(
          { cpace: new Uint8Array(), tag: new Uint8Array(), refused: reply.error } as pb.ProofReply,
          pb.ProofReply,
          { signal },
        )
        await stream.close({ signal })
        return
      }
      await messages.write(
        { cpace: reply.value.cpace, tag: reply.value.tag, refused: '' } as pb.ProofReply,
        pb.ProofReply,
        { signal },
      )
      const confirm = await messages.read(pb.ProofConfirm, { signal })
      const verdict = claimer.confirm({ tag: confirm.tag })
      proven = verdict.ok && record !== undefined
      // Noted at once (before anything else can fail): this record is then this peer's last resort.
      if (proven) {
        const offsets = {
          start: offsetFromCentre(record!.start, askedPhases!.start),
          end: offsetFromCentre(record!.end, askedPhases!.end),
        }
        this.deps.caps.recordProof(record!.id, peer, this.deps.clock.now(), offsets)
      }
      await messages.write(
        { confirmed: proven, reason: verdict.ok ? '' : verdict.error } as pb.ProofVerdict,
        pb.ProofVerdict,
        { signal },
      )
      if (!proven || !verdict.ok) {
        await stream.close({ signal })
        return
      }
      this.deps.onProven?.(peer, record!, verdict.value)
      if (this.deps.grantRoute === undefined) {
        await stream.close({ signal })
        return
      }
      const request = await messages.read(pb.RouteRequest, { signal })
      const domain = open(verdict.value.sessionKey, DOMAIN_LABEL, request.sealedDomain)
      const offer = domain.ok
        ? this.deps.grantRoute(peer, record!, new TextDecoder().decode(domain.value))
        : err(`route request: ${domain.error}`)
      const grant = offer.ok
        ? {
            sealed: seal(
              verdict.value.sessionKey,
              OFFER_LABEL,
              pb.RouteOffer.encode({
                ...offer.value,
                expiresAt: BigInt(offer.value.expiresAt),
                callKey: new Uint8Array(offer.value.callKey ?? []),
              }),
              this.deps.randomBytes(12),
            ),
            refused: '',
          }
        : { sealed: new Uint8Array(), refused: offer.error }
      await messages.write(grant as pb.RouteGrant, pb.RouteGrant, { signal })
      await stream.close({ signal })
    } catch (e) {
      stream.abort(e instanceof Error ? e : new Error(String(e)))
    } finally {
      // Any admitted run that did not end in a proof counts against the peer's hourly allowance of failures (one
      // that asks about calls it never made fails nearly always), and against the record it used, if any.
      if (admitted && !proven) this.deps.caps.peerFailure(peer, this.deps.clock.now())
      if (!proven && record !== undefined) this.deps.caps.recordFailure(record.id, peer, this.deps.clock.now())
    }
  }
}
