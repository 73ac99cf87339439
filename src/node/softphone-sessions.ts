/**
 * Who a softphone's SIP WebSocket upgrade is signed in as: a softphone served by this node's HTTP server
 * registers as its signed-in user, by the session cookie that comes with the upgrade, from a page of this
 * node's origin only. Nobody is signed in while the HTTP server is not up (the call agent starts before it).
 */
import type { IncomingMessage } from 'node:http'
import type { NodeHttp } from '../http/node-http.js'

export class SoftphoneSessions {
  private http: Pick<NodeHttp, 'port' | 'authenticate'> | undefined

  /** From now on, sessions of this HTTP server count; the function returned ends that. */
  attach(http: Pick<NodeHttp, 'port' | 'authenticate'>): () => void {
    this.http = http
    return () => {
      if (this.http === http) this.http = undefined
    }
  }

  userOf(req: IncomingMessage): string | undefined {
    const http = this.http
    const origin = req.headers.origin
    if (http === undefined || origin === undefined) return undefined
    if (!URL.canParse(origin) || new URL(origin).port !== String(http.port)) return undefined
    const who = http.authenticate(req)
    return who.ok && who.value !== undefined && who.value.via === 'cookie' ? who.value.name : undefined
  }
}
