/**
 * Transaction keys. A server transaction is the top Via's branch, its sent-by and the method (RFC 3261 section
 * 17.2.3), ACK counting as INVITE; a CANCEL is a transaction of its own that names the INVITE it cancels by the
 * same branch and sent-by. A client transaction is the branch it wrote and the CSeq method (section 17.1.3).
 * Requests from RFC 2543 peers (no magic cookie) fall back to the dialog and CSeq identifiers of section 17.2.3.
 */
import type { Result } from '../../core/result.js'
import { err, ok } from '../../core/result.js'
import { BRANCH_MAGIC_COOKIE } from '../message/constants.js'
import { paramValue } from '../message/header-values.js'
import { callId, cseq, fromTag, topVia, type SipRequest, type SipResponse } from '../message/message.js'

function serverKeyAs(req: SipRequest, method: string): Result<string> {
  const via = topVia(req)
  if (!via.ok) return via
  const b = paramValue(via.value.params, 'branch')
  const sentBy = via.value.host.toLowerCase() + (via.value.port === undefined ? '' : ':' + via.value.port)
  if (b !== undefined && b.startsWith(BRANCH_MAGIC_COOKIE)) return ok(`${b}|${sentBy}|${method}`)
  const seq = cseq(req)
  const id = callId(req)
  if (!seq.ok || id === undefined) return err('a request without a branch needs Call-ID and CSeq to be matched')
  return ok(`2543|${id}|${fromTag(req) ?? ''}|${seq.value.seq}|${sentBy}|${req.uri}|${method}`)
}

/** The key of the server transaction a request belongs to (an ACK: its INVITE's). */
export function serverKey(req: SipRequest): Result<string> {
  return serverKeyAs(req, req.method === 'ACK' ? 'INVITE' : req.method)
}

/** The key of the INVITE server transaction a CANCEL (or ACK) names. */
export function inviteKeyOf(req: SipRequest): Result<string> {
  return serverKeyAs(req, 'INVITE')
}

/** The key of the client transaction a response belongs to: its top Via's branch and its CSeq method. */
export function clientKeyOfResponse(res: SipResponse): string | undefined {
  const via = topVia(res)
  const seq = cseq(res)
  if (!via.ok || !seq.ok) return undefined
  const b = paramValue(via.value.params, 'branch')
  return b === undefined ? undefined : `${b}|${seq.value.method}`
}

/** The key of the client transaction that sends `req` (its top Via's branch must be set). */
export function clientKeyOfRequest(req: SipRequest): Result<string> {
  const via = topVia(req)
  if (!via.ok) return via
  const b = paramValue(via.value.params, 'branch')
  if (b === undefined) return err(`${req.method} has no Via branch: a client transaction needs one`)
  return ok(`${b}|${req.method}`)
}
