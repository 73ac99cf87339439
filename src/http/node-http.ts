/** The HTTP side of an enterprise node: the API server started on the configured port, with sign-in links. */
import type { IncomingMessage } from 'node:http'
import type { AdmissionLimits } from '../core/connection-admission.js'
import { ok, type Result } from '../core/result.js'
import type { Principal } from './auth.js'
import { createHttpApi, type HttpApi, type HttpApiDeps } from './api.js'
import type { IceConfig } from './ice-servers.js'

export interface NodeHttpConfig {
  port: number
  host?: string
  operatorToken?: string
  webRoot?: string
  /** Where users reach the node through a TLS reverse proxy, e.g. https://phone.b.example: the session cookie is
   * then Secure, and pages of that origin may change state. */
  publicOrigin?: string
  /** STUN and TURN servers for the softphones (GET /api/ice-servers). */
  ice?: IceConfig
  /** Limits on inbound HTTP connections (docs/security.md, "Floods of connections"). */
  inbound?: Partial<AdmissionLimits>
}

export interface NodeHttp {
  readonly port: number
  readonly url: string
  /** A one-time sign-in link for a user (GET /api/login?token=...): works once, for 10 minutes. */
  loginUrl(user: string): Result<string>
  /**
   * Who sent a request, by its session cookie or bearer token: for the SIP side, to accept a softphone's
   * WebSocket upgrade (which carries the session cookie: cookies go to every port of the host) as its user.
   */
  authenticate(req: IncomingMessage): Result<Principal | undefined>
  /** Connections held now and accepted, refused and closed by the limits, by reason. */
  connections(): ReturnType<HttpApi['connections']>
}

export async function startNodeHttp(
  config: NodeHttpConfig,
  deps: Omit<HttpApiDeps, 'operatorToken' | 'webRoot'>,
): Promise<{ api: HttpApi; http: NodeHttp }> {
  const api = createHttpApi({
    ...deps,
    ...(config.operatorToken !== undefined && { operatorToken: config.operatorToken }),
    ...(config.webRoot !== undefined && { webRoot: config.webRoot }),
    ...(config.ice !== undefined && { ice: config.ice }),
    ...(config.inbound !== undefined && { inbound: config.inbound }),
    ...(config.publicOrigin !== undefined && {
      publicOrigin: config.publicOrigin,
      cookieSecure: config.publicOrigin.startsWith('https:'),
    }),
  })
  const bound = await api.listen(config.port, config.host)
  return {
    api,
    http: {
      ...bound,
      loginUrl(user) {
        const once = api.auth.createLoginToken(user)
        return once.ok ? ok(`${bound.url}/api/login?token=${once.value.token}`) : once
      },
      authenticate: (req) => api.auth.authenticate(req),
      connections: () => api.connections(),
    },
  }
}
