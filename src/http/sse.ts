/**
 * One server-sent event stream: events as `id`/`event`/`data` frames, a heartbeat comment every so often, and
 * a bounded buffer: while the client does not keep up (the socket refuses more), frames queue; past `maxQueued`
 * the stream is closed (the browser's EventSource reconnects) rather than letting memory grow.
 */
import type { ServerResponse } from 'node:http'
import type { PublishedEvent } from './events.js'

export interface SseOptions {
  heartbeatMs: number
  maxQueued: number
  /** Streams open at once, across all clients; more are refused (503). */
  maxStreams: number
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { heartbeatMs: 15_000, maxQueued: 256, maxStreams: 200 }

export const frame = (event: PublishedEvent): string =>
  `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`

export class SseStream {
  private readonly queue: string[] = []
  private waiting = false
  private closed = false
  private readonly heartbeat: ReturnType<typeof setInterval>

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseOptions,
    private readonly onClose: () => void,
    /** Checked at each heartbeat: a stream whose session has ended (signed out, expired) is closed. */
    private readonly stillAllowed: () => boolean = () => true,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    })
    res.on('close', () => this.close())
    res.on('drain', () => this.flush())
    this.heartbeat = setInterval(
      () => (this.stillAllowed() ? this.send(': heartbeat\n\n') : this.close()),
      options.heartbeatMs,
    )
    this.heartbeat.unref()
    this.send('retry: 3000\n: connected\n\n')
  }

  get queued(): number {
    return this.queue.length
  }

  get isClosed(): boolean {
    return this.closed
  }

  event(event: PublishedEvent): void {
    this.send(frame(event))
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    this.queue.length = 0
    this.res.end()
    this.onClose()
  }

  private send(text: string): void {
    if (this.closed) return
    if (this.waiting) {
      if (this.queue.length >= this.options.maxQueued) return this.close()
      this.queue.push(text)
      return
    }
    if (!this.res.write(text)) this.waiting = true
  }

  private flush(): void {
    this.waiting = false
    while (!this.closed && !this.waiting && this.queue.length > 0) {
      if (!this.res.write(this.queue.shift()!)) this.waiting = true
    }
  }
}
