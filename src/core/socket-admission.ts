/**
 * ConnectionAdmission on real sockets: a listener hands each accepted TCP socket (before any TLS handshake,
 * WebSocket upgrade or HTTP parsing) to admit(); a refused one is destroyed at once, an evicted pending one too,
 * and an admitted one is destroyed unless its first complete message (established()) comes within the limit.
 */
import type { Socket } from 'node:net'
import {
  ConnectionAdmission,
  type AdmissionCounters,
  type AdmissionLimits,
  type RefusalReason,
} from './connection-admission.js'

/** The key of a connection: its local port and remote address and port (the same for a TLS socket over it). */
export const socketKey = (s: Pick<Socket, 'localPort' | 'remoteAddress' | 'remotePort'>): string =>
  `${s.localPort ?? 0}|${s.remoteAddress ?? '?'}|${s.remotePort ?? 0}`

export class SocketAdmission {
  private readonly admission: ConnectionAdmission<string>
  private readonly pendingSockets = new Map<string, Socket>()

  constructor(
    limits: AdmissionLimits,
    /** Told of every refusal (e.g. to log the first of a flood). */
    private readonly onRefused?: (source: string, reason: RefusalReason) => void,
  ) {
    this.admission = new ConnectionAdmission(limits)
  }

  get limits(): AdmissionLimits {
    return this.admission.limits
  }

  get counters(): Readonly<AdmissionCounters> {
    return this.admission.counters
  }

  /** Inbound connections held now, and how many of them have not sent a complete message yet. */
  get held(): { held: number; pending: number } {
    return { held: this.admission.size, pending: this.admission.pending }
  }

  /** Admits a freshly accepted socket or destroys it; its key, or undefined when refused. */
  admit(raw: Socket): string | undefined {
    const source = raw.remoteAddress ?? '?'
    const key = socketKey(raw)
    const decision = this.admission.admit(key, source)
    if (!decision.admit) {
      raw.destroy()
      this.onRefused?.(source, decision.reason)
      return undefined
    }
    if (decision.evict !== undefined) {
      this.pendingSockets.get(decision.evict)?.destroy()
      this.pendingSockets.delete(decision.evict)
    }
    this.pendingSockets.set(key, raw)
    const timer = setTimeout(() => {
      if (!this.admission.isPending(key)) return
      this.admission.timedOut(key)
      this.pendingSockets.delete(key)
      raw.destroy()
    }, this.admission.limits.firstMessageMs)
    timer.unref()
    raw.once('close', () => {
      clearTimeout(timer)
      this.pendingSockets.delete(key)
      this.admission.closed(key)
    })
    return key
  }

  /** The connection delivered its first complete message: it is established, and no longer timed. */
  established(key: string): void {
    if (!this.admission.isPending(key)) return
    this.admission.established(key)
    this.pendingSockets.delete(key)
  }

  /** Destroys the sockets still pending on one local port (a listener closing). */
  destroyPending(localPort: number): void {
    for (const [key, raw] of [...this.pendingSockets]) if (key.startsWith(`${localPort}|`)) raw.destroy()
  }
}
