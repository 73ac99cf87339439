/**
 * A carrier for the bridge tests, as small as it can be while real: a SIP server on TCP (the project's transport and
 * transaction layers) that takes the node's trunk REGISTER, answers every INVITE from the trunk as a legacy phone
 * would (180, then 200 with plain RTP/AVP PCMU SDP) and places calls to the node down the trunk's connection with
 * the same kind of SDP. Its media is a tone endpoint (src/testing/rtp): it sends a tone to the address the other
 * side's SDP names and decodes what it receives, so the test can check audio by content.
 */
import { randomBytes } from 'node:crypto'
import { SipHeaders } from '../../../src/sip/message/headers.js'
import { digestHa1, readCredentials, responseMatches } from '../../../src/sip/auth/index.js'
import {
  authValues,
  callId,
  newRequest,
  recordRoutes,
  responseTo,
  toTag,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../src/sip/message/message.js'
import { TransactionLayer } from '../../../src/sip/transaction/index.js'
import { SipTransportHub, type SipConnection } from '../../../src/sip/transport/index.js'
import { PCMU } from '../../../src/testing/rtp/g711.js'
import { audioOf, plainSdp } from '../../../src/testing/rtp/plain-sdp.js'
import { startToneEndpoint, type ToneEndpoint } from '../../../src/testing/rtp/tone-endpoint.js'

const rid = () => randomBytes(6).toString('hex')
const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface CarrierDialog {
  readonly callId: string
  readonly localTag: string
  readonly remoteTag: string
  readonly localUri: string
  readonly remoteUri: string
  readonly remoteTarget: string
  readonly routeSet: readonly string[]
  cseq: number
}

export interface PlainCarrier {
  readonly port: number
  /** The URI the node's trunk registers to. */
  readonly uri: string
  readonly phone: ToneEndpoint
  /** Every INVITE the carrier received from the trunk, and every request the trunk sent it. */
  readonly received: SipRequest[]
  /** The SDP the node sent the carrier last (its offer or its answer). */
  lastSdpFromNode(): string | undefined
  /** Whether the node's trunk has registered. */
  readonly registered: boolean
  /** Calls `number` at the node from `caller` down the trunk; on 2xx sends ACK and starts the tone. */
  call(number: string, caller: string): Promise<SipResponse>
  /** Opens a connection to the node (an IP-authenticated trunk's calls in come on it, not on a registration). */
  connectTo(port: number): Promise<void>
  /** A re-INVITE on the current call with its SDP set to `direction` (hold: sendonly); ACKed on 2xx. */
  reInvite(direction: 'sendrecv' | 'sendonly'): Promise<SipResponse>
  /** BYE on the current call. */
  hangUp(): Promise<SipResponse>
  close(): Promise<void>
}

export interface PlainCarrierOptions {
  readonly toneHz: number
  readonly host?: string
  /** Challenge every INVITE from the node (407, digest) and accept only this account's answer, as carriers do. */
  readonly challengeInvites?: { readonly user: string; readonly password: string }
}

const REALM = 'carrier.example'

export async function startPlainCarrier(options: PlainCarrierOptions): Promise<PlainCarrier> {
  const host = options.host ?? '127.0.0.1'
  const phone = await startToneEndpoint({ address: host, hz: options.toneHz })
  const transactions = new TransactionLayer()
  const received: SipRequest[] = []
  let trunk: SipConnection | undefined
  let dialog: CarrierDialog | undefined
  let fromNode: string | undefined
  let registered = false
  let closed = false
  /** The o= version of our SDP: one more for each re-INVITE. */
  let version = 1
  /** The carrier's own SIP port, once it listens. */
  const own = { port: 0 }
  const contact = () => `<sip:phone@${host}:${own.port};transport=tcp>`
  const sdp = () => plainSdp({ address: host, port: phone.port, codecs: ['PCMU'] })
  const sdpOf = (m: SipMessage) => (m.body.length === 0 ? undefined : decoder.decode(m.body))

  const hub = new SipTransportHub((m, conn) => {
    if (m.kind === 'response') return void transactions.receive(m)
    received.push(m)
    if (transactions.match(m) === 'absorbed' || m.method === 'ACK') return
    if (m.method === 'REGISTER') {
      trunk = conn
      registered = true
      const r = responseTo(m, 200, 'OK', { toTag: rid() })
      if (!r.ok) return
      r.value.headers.add('Contact', `${m.headers.get('Contact') ?? ''};expires=300`)
      return transactions.answer(m, conn, r.value)
    }
    if (m.method === 'INVITE' && toTag(m) === undefined) {
      const refusal = options.challengeInvites === undefined ? undefined : checkCredentials(m, options.challengeInvites)
      if (refusal !== undefined) return void transactions.answer(m, conn, refusal)
      return answerInvite(m, conn)
    }
    const r = responseTo(m, 200, 'OK')
    if (r.ok) transactions.answer(m, conn, r.value)
    if (m.method === 'BYE') {
      dialog = undefined
      phone.stopSending()
    }
  })

  /** Undefined when the INVITE carries the account's digest answer; else the 407 (no answer) or 403 (a wrong one). */
  const checkCredentials = (req: SipRequest, account: { user: string; password: string }) => {
    const values = authValues(req, 'Proxy-Authorization')
    const given = values.ok ? values.value[0] : undefined
    if (given === undefined) {
      const r = responseTo(req, 407, 'Proxy Authentication Required', { toTag: rid() })
      if (!r.ok) throw new Error(r.error)
      r.value.headers.add('Proxy-Authenticate', `Digest realm="${REALM}", nonce="${rid()}", algorithm=MD5`)
      return r.value
    }
    const c = readCredentials(given)
    const good =
      c.ok &&
      c.value.user === account.user &&
      responseMatches(c.value, digestHa1('MD5', account.user, REALM, account.password), 'INVITE')
    if (good) return undefined
    const r = responseTo(req, 403, 'Forbidden', { toTag: rid() })
    if (!r.ok) throw new Error(r.error)
    return r.value
  }

  /** A legacy phone's answer: ringing, then 200 with its G.711 SDP; its tone goes to the offer's address. */
  const answerInvite = (req: SipRequest, conn: SipConnection) => {
    const txn = transactions.serve(req, conn)
    if (!txn.ok) return
    const tag = rid()
    const ringing = responseTo(req, 180, 'Ringing', { toTag: tag, copyRecordRoute: true })
    if (ringing.ok) txn.value.respond(ringing.value)
    const offer = sdpOf(req)
    fromNode = offer
    const media = offer === undefined ? undefined : audioOf(offer)
    if (media === undefined) {
      const refused = responseTo(req, 488, 'Not Acceptable Here', { toTag: tag })
      if (refused.ok) txn.value.respond(refused.value)
      return
    }
    const ok = responseTo(req, 200, 'OK', { toTag: tag, copyRecordRoute: true, body: encoder.encode(sdp()) })
    if (!ok.ok) return
    ok.value.headers.add('Contact', contact())
    ok.value.headers.add('Content-Type', 'application/sdp')
    const rr = recordRoutes(req)
    dialog = {
      callId: callId(req)!,
      localTag: tag,
      remoteTag: /tag=([^;>\s]+)/.exec(req.headers.get('From') ?? '')?.[1] ?? '',
      localUri: /<([^>]+)>/.exec(req.headers.get('To') ?? '')?.[1] ?? req.uri,
      remoteUri: /<([^>]+)>/.exec(req.headers.get('From') ?? '')?.[1] ?? '',
      remoteTarget: /<([^>]+)>/.exec(req.headers.get('Contact') ?? '')?.[1] ?? '',
      routeSet: rr.ok ? rr.value.map((r) => `<${r.uri}>`) : [],
      cseq: 1,
    }
    txn.value.respond(ok.value)
    phone.sendTo(media, PCMU)
  }

  const send = (req: SipRequest): Promise<SipResponse> =>
    new Promise((resolve, reject) => {
      if (trunk === undefined) return reject(new Error('the trunk has not registered'))
      const timer = setTimeout(() => reject(new Error(`no final response to ${req.method} within 15 s`)), 15_000)
      const done = (f: () => void) => {
        clearTimeout(timer)
        f()
      }
      const txn = transactions.send(req, trunk, {
        onFinal: (r) => done(() => resolve(r)),
        onTimeout: () => done(() => reject(new Error(`no final response to ${req.method}`))),
        onTransportError: () => done(() => reject(new Error('the trunk connection closed'))),
      })
      if (!txn.ok) done(() => reject(new Error(txn.error)))
    })

  const inDialog = (d: CarrierDialog, method: string, seq: number): SipRequest => {
    const h = new SipHeaders()
    h.add('Via', `SIP/2.0/TCP ${host}:${own.port};branch=z9hG4bK${rid()}`)
    h.add('Max-Forwards', '70')
    h.add('From', `<${d.localUri}>;tag=${d.localTag}`)
    h.add('To', `<${d.remoteUri}>;tag=${d.remoteTag}`)
    h.add('Call-ID', d.callId)
    h.add('CSeq', `${seq} ${method}`)
    for (const r of d.routeSet) h.add('Route', r)
    h.add('Content-Length', '0')
    return newRequest(method, d.remoteTarget, h)
  }

  const listener = await hub.listenStream({ face: 'carrier', host, port: 0 })
  own.port = listener.port

  return {
    port: listener.port,
    uri: `sip:${host}:${listener.port}`,
    phone,
    received,
    lastSdpFromNode: () => fromNode,
    get registered() {
      return registered
    },
    async call(number, caller) {
      const id = `carrier-${rid()}`
      const tag = rid()
      const uri = `sip:${number}@${trunk?.remoteAddress ?? host}`
      const from = `sip:${caller}@carrier.invalid`
      const h = new SipHeaders()
      h.add('Via', `SIP/2.0/TCP ${host}:${own.port};branch=z9hG4bK${rid()}`)
      h.add('Max-Forwards', '70')
      h.add('From', `<${from}>;tag=${tag}`)
      h.add('To', `<${uri}>`)
      h.add('Call-ID', id)
      h.add('CSeq', '1 INVITE')
      h.add('Contact', contact())
      h.add('Content-Type', 'application/sdp')
      const res = await send(newRequest('INVITE', uri, h, encoder.encode(sdp())))
      if (res.status >= 300) return res
      const answer = sdpOf(res)
      fromNode = answer
      const rr = recordRoutes(res)
      dialog = {
        callId: id,
        localTag: tag,
        remoteTag: toTag(res) ?? '',
        localUri: from,
        remoteUri: uri,
        remoteTarget: /<([^>]+)>/.exec(res.headers.get('Contact') ?? '')?.[1] ?? uri,
        routeSet: rr.ok ? rr.value.map((r) => `<${r.uri}>`).reverse() : [],
        cseq: 1,
      }
      trunk?.send(inDialog(dialog, 'ACK', 1))
      const media = answer === undefined ? undefined : audioOf(answer)
      if (media !== undefined) phone.sendTo(media, PCMU)
      return res
    },
    async connectTo(port) {
      trunk = await hub.connect({ transport: 'TCP', host, port }, 2_000)
    },
    async reInvite(direction) {
      const d = dialog
      if (d === undefined) throw new Error('no call to re-INVITE')
      d.cseq++
      version++
      const req = inDialog(d, 'INVITE', d.cseq)
      req.headers.add('Contact', contact())
      req.headers.set('Content-Type', 'application/sdp')
      const body = plainSdp({ address: host, port: phone.port, codecs: ['PCMU'], direction, version })
      const res = await send(newRequest('INVITE', req.uri, req.headers, encoder.encode(body)))
      if (res.status < 300) {
        fromNode = sdpOf(res)
        trunk?.send(inDialog(d, 'ACK', d.cseq))
      }
      return res
    },
    async hangUp() {
      const d = dialog
      if (d === undefined) throw new Error('no call to hang up')
      d.cseq++
      phone.stopSending()
      const res = await send(inDialog(d, 'BYE', d.cseq))
      dialog = undefined
      return res
    },
    async close() {
      if (closed) return
      closed = true
      transactions.stop()
      await hub.close()
      await phone.close()
    },
  }
}
