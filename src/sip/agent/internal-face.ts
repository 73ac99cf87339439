/**
 * The internal face: the enterprise's own softphones. REGISTER (the registrar) and INVITE, both with digest
 * authentication; other initial requests get 405.
 */
import { callId, contacts as contactsOf, cseq, expires as expiresOf, type SipRequest } from '../message/index.js'
import type { SipConnection } from '../transport/index.js'
import type { CallRouting } from './call-routing.js'
import { ALLOW, type AgentContext } from './context.js'
import type { DigestGate } from './digest-gate.js'
import { DEFAULT_EXPIRES_S } from './registrar.js'
import type { SipUser } from './types.js'

export class InternalFace {
  constructor(
    private readonly ctx: AgentContext,
    private readonly digest: DigestGate,
    private readonly routing: CallRouting,
  ) {}

  handle(req: SipRequest, conn: SipConnection): void {
    if (req.method === 'REGISTER') {
      const user = this.digest.authenticate(req, conn, 'Authorization')
      if (user !== undefined) this.register(req, conn, user)
      return
    }
    if (req.method !== 'INVITE') return this.ctx.core.reply(req, conn, 405, undefined, [['Allow', ALLOW]])
    const user = this.digest.authenticate(req, conn, 'Proxy-Authorization')
    if (user === undefined) return
    this.routing.routeUserCall(req, conn, user)
  }

  private register(req: SipRequest, conn: SipConnection, user: SipUser): void {
    const cs = contactsOf(req)
    if (!cs.ok) return this.ctx.core.reply(req, conn, 400, `Bad Contact: ${cs.error}`)
    const headerExpires = expiresOf(req)
    const defaultExpires =
      headerExpires.ok && headerExpires.value !== undefined ? headerExpires.value : DEFAULT_EXPIRES_S
    const seq = cseq(req)
    const updates =
      cs.value === '*'
        ? '*'
        : cs.value.map((c) => {
            const e = c.params.find((p) => p.name.toLowerCase() === 'expires')?.value
            return { contact: c.uri, expires: e !== undefined && /^\d+$/.test(e) ? Number(e) : defaultExpires }
          })
    const result = this.ctx.registrations.update(
      user.name,
      updates,
      {
        connectionId: conn.id,
        callId: callId(req) ?? '',
        cseq: seq.ok ? seq.value.seq : 0,
        flow: conn.transport === 'WS' || conn.transport === 'WSS',
      },
      this.ctx.config.clock.now(),
    )
    if (!result.ok) {
      const extra: [string, string][] = result.error.status === 423 ? [['Min-Expires', '30']] : []
      return this.ctx.core.reply(req, conn, result.error.status, result.error.reason, extra)
    }
    const now = this.ctx.config.clock.now()
    const contactsHeader = result.value.map(
      (b) =>
        ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`] as [
          string,
          string,
        ],
    )
    this.ctx.core.reply(req, conn, 200, 'OK', contactsHeader)
  }
}
