/**
 * Cuts a SIP byte stream (TCP, TLS) into messages by Content-Length (RFC 3261 section 18.3). Chunks may split
 * or join messages anywhere. CRLFs between messages are skipped; a double CRLF there is an RFC 5626 keep-alive
 * ping, reported so that the transport can answer it with a single CRLF (pong). A message whose length cannot
 * be known (bad Content-Length, head without an end within the limit, not SIP) ends the stream: the framer then
 * reports an error with `close: true` and takes nothing more. WebSocket carries one message per frame, so it
 * uses parseMessage directly instead.
 */
import { MAX_HEAD_BYTES } from '../message/constants.js'
import type { SipMessage } from '../message/message.js'
import { findHeadEnd, parseHead, type ParsedHead, type SipParseError } from '../message/parser.js'

export type StreamItem =
  | { readonly kind: 'message'; readonly message: SipMessage }
  /** A message refused; answer error.request if set; close the connection if error.close. */
  | { readonly kind: 'invalid'; readonly error: SipParseError }
  /** An RFC 5626 keep-alive (CRLFCRLF): answer with one CRLF. */
  | { readonly kind: 'ping' }

const EMPTY = new Uint8Array(0)

export class SipStreamFramer {
  /** Unconsumed bytes are data[start, end); the array grows by doubling, so small chunks cost linear time. */
  private data = new Uint8Array(4096)
  private start = 0
  private end = 0
  /** How far past `start` the search for the end of the head has already looked. */
  private scanned = 0
  private pending: { head: ParsedHead; bodyStart: number; length: number } | undefined
  private closed = false

  /** Bytes held, waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start
  }

  /** Whether an unframeable stream was reported: nothing more is taken. */
  get isClosed(): boolean {
    return this.closed
  }

  push(chunk: Uint8Array): StreamItem[] {
    if (this.closed) return []
    this.append(chunk)
    const out: StreamItem[] = []
    for (;;) {
      const item = this.next()
      if (item === undefined) break
      out.push(item)
      if (item.kind === 'invalid' && item.error.close) {
        this.closed = true
        this.data = EMPTY
        this.start = this.end = 0
        break
      }
    }
    return out
  }

  private next(): StreamItem | undefined {
    if (this.pending !== undefined) return this.takeBody(this.pending)
    // Between messages: skip CRLFs; CRLFCRLF is a ping. Wait when what is here may still become a ping.
    while (this.byte(0) === 13 && this.byte(1) === 10) {
      if (this.byte(2) === 13 && this.byte(3) === 10) {
        this.consume(4)
        return { kind: 'ping' }
      }
      if (this.buffered < 4 && (this.buffered === 2 || this.byte(2) === 13)) return undefined
      this.consume(2)
    }
    if (this.buffered === 0) return undefined
    const view = this.data.subarray(this.start, this.end)
    const headEnd = findHeadEnd(view, this.scanned - 3)
    // Refuse a head over the limit the same way however the stream was cut: whether its end has arrived yet
    // (headEnd beyond the limit) or cannot arrive within the limit any more (more than limit + 3 bytes scanned).
    if (headEnd > MAX_HEAD_BYTES || (headEnd < 0 && view.length > MAX_HEAD_BYTES + 3))
      return this.fatal(`No end of message head within ${MAX_HEAD_BYTES} bytes`)
    if (headEnd < 0) {
      this.scanned = view.length
      return undefined
    }
    const head = parseHead(view.subarray(0, headEnd), 'stream')
    if (head.contentLength === 'invalid') {
      return { kind: 'invalid', error: head.error ?? closeError('Bad Content-Length') }
    }
    // RFC 3261 requires Content-Length on streams; a message without one is taken to have no body.
    const length = head.contentLength === 'absent' ? 0 : head.contentLength
    this.pending = { head, bodyStart: headEnd + 4, length }
    return this.takeBody(this.pending)
  }

  private takeBody(p: { head: ParsedHead; bodyStart: number; length: number }): StreamItem | undefined {
    if (this.buffered < p.bodyStart + p.length) return undefined
    const body = this.data.slice(this.start + p.bodyStart, this.start + p.bodyStart + p.length)
    this.consume(p.bodyStart + p.length)
    this.pending = undefined
    if (p.head.error !== undefined) return { kind: 'invalid', error: p.head.error }
    const message = p.head.message
    if (message === undefined) return { kind: 'invalid', error: closeError('Bad start line') }
    message.body = body
    return { kind: 'message', message }
  }

  private fatal(reason: string): StreamItem {
    return { kind: 'invalid', error: closeError(reason) }
  }

  private byte(i: number): number {
    return this.start + i < this.end ? (this.data[this.start + i] ?? -1) : -1
  }

  private consume(n: number): void {
    this.start += n
    this.scanned = 0
    if (this.start === this.end) {
      this.start = this.end = 0
      // Give back the room a large message needed: a node holds one framer per connection.
      if (this.data.length > 64 * 1024) this.data = new Uint8Array(4096)
    }
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.data.length) {
      const live = this.end - this.start
      let capacity = Math.max(this.data.length, 4096)
      while (capacity < live + chunk.length) capacity *= 2
      // Bounded by the limits: a head or body over its limit is refused before it is fully buffered.
      const grown = capacity !== this.data.length ? new Uint8Array(capacity) : this.data
      if (grown === this.data) this.data.copyWithin(0, this.start, this.end)
      else grown.set(this.data.subarray(this.start, this.end), 0)
      this.data = grown
      this.start = 0
      this.end = live
    }
    this.data.set(chunk, this.end)
    this.end += chunk.length
  }
}

function closeError(reason: string): SipParseError {
  return { status: 400, reason, request: undefined, close: true }
}
