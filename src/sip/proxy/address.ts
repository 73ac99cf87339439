/** Where a forwarded request goes, and the copies a proxy forwards (RFC 3261 section 16.6 step 1). */
import { newRequest, type SipRequest, type SipResponse } from '../message/message.js'
import { parseSipUri, uriParam } from '../message/uri.js'
import type { SipTarget, SipTransportName } from '../transport/index.js'

/** A copy to edit and forward; it shares the original's parsed headers until either changes one. */
export function cloneRequest(req: SipRequest, uri = req.uri): SipRequest {
  return newRequest(req.method, uri, req.headers.clone(), req.body)
}

export function cloneResponse(res: SipResponse): SipResponse {
  return { kind: 'response', status: res.status, reason: res.reason, headers: res.headers.clone(), body: res.body }
}

/** Where a SIP URI points: its host, port and transport (default TCP; no DNS SRV lookups here); none for `.invalid`. */
export function addressOf(uri: string): SipTarget | undefined {
  const u = parseSipUri(uri)
  // RFC 7118 section 5: a WebSocket client's .invalid host is a name for its flow, never looked up.
  if (!u.ok || /(^|\.)invalid\.?$/i.test(u.value.host)) return undefined
  const t = (uriParam(u.value, 'transport') ?? (u.value.scheme === 'sips' ? 'tls' : 'tcp')).toUpperCase()
  const transport: SipTransportName | undefined =
    t === 'TCP' || t === 'TLS' || t === 'WS' || t === 'WSS' ? t : t === 'UDP' ? 'TCP' : undefined
  if (transport === undefined) return undefined
  const port = u.value.port ?? (transport === 'TLS' ? 5061 : transport === 'WS' ? 80 : transport === 'WSS' ? 443 : 5060)
  return { transport, host: u.value.host, port }
}
