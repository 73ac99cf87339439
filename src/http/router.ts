/**
 * A small router: each route names its method, a path pattern with `:param` segments, who may call it, and a
 * handler that returns a reply (status, JSON body, headers) rather than writing to the response itself, except
 * for streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from './auth.js'

/** open: anybody; signed-in: any user or the operator; user: a user's session; operator: the operator role. */
export type Access = 'open' | 'signed-in' | 'user' | 'operator'

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string | string[]>>
}

/** Returned by a handler that has taken over the response (an event stream). */
export const STREAMING = Symbol('streaming')

export interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly url: URL
  readonly params: Readonly<Record<string, string>>
  readonly principal: Principal | undefined
  readonly address: string
}

export type Handler = (ctx: RequestContext) => Reply | typeof STREAMING | Promise<Reply | typeof STREAMING>

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly path: string
  readonly access: Access
  readonly handle: Handler
}

export type Match =
  | { kind: 'route'; route: RouteSpec; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'bad-path'; error: string }
  | { kind: 'none' }

export class Router {
  private readonly compiled: { route: RouteSpec; segments: string[] }[]

  constructor(routes: readonly RouteSpec[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.path.split('/') }))
  }

  match(method: string, pathname: string): Match {
    const segments = pathname.split('/')
    const allowed: string[] = []
    for (const { route, segments: pattern } of this.compiled) {
      if (pattern.length !== segments.length) continue
      const params: Record<string, string> = {}
      let matches = true
      for (let i = 0; i < pattern.length && matches; i++) {
        const want = pattern[i]!
        const got = segments[i]!
        if (want.startsWith(':')) {
          if (got === '') matches = false
          else {
            try {
              params[want.slice(1)] = decodeURIComponent(got)
            } catch {
              return { kind: 'bad-path', error: `path segment ${JSON.stringify(got)} has malformed %-encoding` }
            }
          }
        } else if (want !== got) matches = false
      }
      if (!matches) continue
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'route', route, params }
      }
      allowed.push(route.method)
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'none' }
  }
}
