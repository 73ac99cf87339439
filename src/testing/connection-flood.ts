/**
 * A flood of connections for the hardening tests and `ime bench flood --connections`: N TCP connections from one
 * local address to one listener, each idle or half-sent (the start of a message that never ends), held until
 * the server closes them or the flood stops. Connects at most `parallel` at a time; every socket is destroyed by
 * stop(). Bounded: at most `count` connections, each attempt once.
 */
import { connect, type Socket } from 'node:net'

export interface FloodOptions {
  readonly host: string
  readonly port: number
  /** The local address the flood comes from (one source), e.g. 127.0.0.1. */
  readonly from: string
  readonly count: number
  /** Bytes each connection sends once connected, never finished (none: idle). */
  readonly halfSent?: string
  /** Connection attempts in flight at once (default 256). */
  readonly parallel?: number
  /**
   * Reopen a connection the server closed after this long (ms), until stop(): a sustained flood that keeps
   * `count` connections coming. At most 50 attempts per connection slot. Default: no reopening.
   */
  readonly reopenAfterMs?: number
}

export interface FloodFigures {
  /** Connections attempted. */
  attempted: number
  /** Connections the server accepted at the TCP level. */
  connected: number
  /** Attempts that failed to connect (refused, reset, out of descriptors here). */
  failed: number
  /** Connections the server closed (refused after accept, timed out, evicted). */
  closedByServer: number
  /** Connections open now. */
  held: number
  /** Largest number open at once. */
  peakHeld: number
  /** The first few errors, for the report. */
  errors: string[]
}

export interface ConnectionFlood {
  readonly figures: FloodFigures
  /** Resolves once every attempt has connected or failed. */
  readonly opened: Promise<void>
  /** Destroys every socket; resolves when all are closed. */
  stop(): Promise<void>
}

export function floodConnections(options: FloodOptions): ConnectionFlood {
  const figures: FloodFigures = {
    attempted: 0,
    connected: 0,
    failed: 0,
    closedByServer: 0,
    held: 0,
    peakHeld: 0,
    errors: [],
  }
  const sockets = new Set<Socket>()
  let stopping = false
  const parallel = options.parallel ?? 256
  const note = (e: Error) => {
    if (figures.errors.length < 5 && !figures.errors.includes(e.message)) figures.errors.push(e.message)
  }
  const reopen = (slotsLeft: number) => {
    if (options.reopenAfterMs === undefined || stopping || slotsLeft <= 0) return
    const t = setTimeout(() => {
      timers.delete(t)
      if (!stopping) void one(slotsLeft - 1)
    }, options.reopenAfterMs)
    timers.add(t)
  }
  const timers = new Set<NodeJS.Timeout>()
  const one = (slotsLeft = 50) =>
    new Promise<void>((settled) => {
      figures.attempted++
      let connected = false
      const s = connect({ host: options.host, port: options.port, localAddress: options.from })
      sockets.add(s)
      // A full accept queue can leave a SYN unanswered for minutes: give up on the attempt after 10 s.
      s.setTimeout(10_000, () => s.destroy(new Error('no connection within 10 s')))
      s.once('connect', () => {
        s.setTimeout(0)
        connected = true
        figures.connected++
        figures.held++
        figures.peakHeld = Math.max(figures.peakHeld, figures.held)
        if (options.halfSent !== undefined) s.write(options.halfSent)
        settled()
      })
      s.on('error', (e) => {
        note(e)
        s.destroy()
      })
      s.on('end', () => s.destroy())
      s.once('close', () => {
        sockets.delete(s)
        if (connected) {
          figures.held--
          if (!stopping) figures.closedByServer++
        } else {
          figures.failed++
          settled()
        }
        reopen(slotsLeft)
      })
    })
  const opened = (async () => {
    let next = 0
    const worker = async () => {
      while (!stopping && next < options.count) {
        next++
        await one()
      }
    }
    await Promise.all(Array.from({ length: Math.min(parallel, options.count) }, worker))
  })()
  return {
    figures,
    opened,
    async stop() {
      stopping = true
      for (const t of timers) clearTimeout(t)
      await opened
      const closing = [...sockets].map(
        (s) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r()))),
      )
      for (const s of sockets) s.destroy()
      await Promise.all(closing)
    },
  }
}

/** What a half-sent first message looks like on each kind of listener. */
export const HALF_SENT = {
  sip: 'OPTIONS sip:b.example SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKflood\r\n',
  http: 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n',
  ws: 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
} as const
