/**
 * Who a softphone's SIP WebSocket upgrade is signed in as: a softphone served by this node's HTTP server
 * registers as its signed-in user, by the session cookie that comes with the upgrade, from a page of this
 * node's origin only. Nobody is signed in while the HTTP server is not up (the call agent starts before it).
 */
import type { IncomingMessage } from 'node:http'
import type { NodeHttp } from '../http/node-http.js'

export interface SoftphoneOrigin {
  /** The node's HTTP port: its pages' origins carry it. */
  readonly httpPort: number
  /** The reverse proxy's origin users reach the node at (http.publicOrigin), if any. */
  readonly publicOrigin?: string | undefined
}

/**
 * Whether an upgrade's Origin is a page of this node: the configured public origin exactly, or the node's own
 * HTTP server on the host the upgrade was sent to (a page of http://H:8080 opens ws://H:5066). Cookies are per
 * host, not per port or scheme, so comparing the port alone let a page of any other site on that port ride on
 * the user's cookie.
 */
export function isSoftphoneOrigin(origin: string | undefined, host: string | undefined, node: SoftphoneOrigin) {
  if (origin === undefined || !URL.canParse(origin)) return false
  const page = new URL(origin)
  if (node.publicOrigin !== undefined && page.origin === new URL(node.publicOrigin).origin) return true
  if (host === undefined || !URL.canParse(`http://${host}`)) return false
  const target = new URL(`http://${host}`)
  const pagePort = page.port === '' ? (page.protocol === 'https:' ? '443' : '80') : page.port
  return (
    (page.protocol === 'http:' || page.protocol === 'https:') &&
    page.hostname === target.hostname &&
    pagePort === String(node.httpPort)
  )
}

export class SoftphoneSessions {
  private http: (Pick<NodeHttp, 'authenticate'> & SoftphoneOrigin) | undefined

  /** From now on, sessions of this HTTP server count; the function returned ends that. */
  attach(http: Pick<NodeHttp, 'authenticate'> & SoftphoneOrigin): () => void {
    this.http = http
    return () => {
      if (this.http === http) this.http = undefined
    }
  }

  userOf(req: IncomingMessage): string | undefined {
    const http = this.http
    if (http === undefined || !isSoftphoneOrigin(req.headers.origin, req.headers.host, http)) return undefined
    const who = http.authenticate(req)
    return who.ok && who.value !== undefined && who.value.via === 'cookie' ? who.value.name : undefined
  }
}
