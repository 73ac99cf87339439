/**
 * The flow token in this proxy's Record-Route URI (`;ime=BODY.MAC`): the two connections of a dialog and the
 * caller's tag under an HMAC, so an in-dialog request goes down the right flow and no one can forge a route
 * through us to someone else's connection.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { routes, type SipRequest } from '../message/message.js'

export interface DialogFlows {
  /** The caller's connection. */
  readonly a: string
  /** The callee's connection. */
  readonly b: string
  /** The caller's From tag. */
  readonly tag: string
}

export class RouteTokens {
  private readonly secret: Uint8Array

  /** `secret`: at least 32 bytes, kept across restarts so that calls outlive one; random by default. */
  constructor(secret: Uint8Array = randomBytes(32)) {
    if (secret.length < 32) throw new Error('the Record-Route token key must have at least 32 bytes')
    this.secret = secret
  }

  issue(flows: DialogFlows): string {
    const body = Buffer.from(`${flows.a}|${flows.b}|${flows.tag}`).toString('base64url')
    return `${body}.${this.mac(body)}`
  }

  /** The dialog's flows, if the request's top Route carries an untampered token of ours. */
  read(req: SipRequest): DialogFlows | undefined {
    const r = routes(req)
    if (!r.ok || r.value.length === 0) return undefined
    const token = r.value[0]!.uri.match(/;ime=([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)/)
    if (token === null) return undefined
    const want = Buffer.from(this.mac(token[1]!))
    const got = Buffer.from(token[2]!)
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined
    const [a, b, tag] = Buffer.from(token[1]!, 'base64url').toString('utf8').split('|')
    if (a === undefined || b === undefined || tag === undefined) return undefined
    return { a, b, tag }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 12).toString('base64url')
  }
}
