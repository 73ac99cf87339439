/**
 * Between the Chord messages of src/dht/messages.ts and their protobuf form (pb/chord.ts). Decoding checks
 * every field a peer sent: sizes, counts, ring ids of 16 bytes, and that each NodeRef's ring id really is
 * the hash of its peer id's public key, so that no node can place itself, or anyone else, where it likes.
 */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { err, ok, type Result } from '../core/result.js'
import { nodeIdFromPublicKey, ringIdFromBytes, ringIdToBytes, type RingId } from '../core/ring.js'
import {
  MAX_NODE_REFS_PER_MESSAGE,
  MAX_PUBLIC_KEY_BYTES,
  MAX_RECORDS_PER_MESSAGE,
  MAX_SIGNATURE_BYTES,
} from '../dht/constants.js'
import { FETCH_NONCE_BYTES } from '../dht/fetch-proof.js'
import type {
  ChordRequest,
  ChordResponse,
  ClaimRecord,
  FetchProof,
  ForwardedAnswer,
  HolderAnswer,
  NodeRef,
} from '../dht/messages.js'
import * as pb from './pb/chord.js'
import { MAX_ADDRS_PER_NODE, MAX_MULTIADDR_LENGTH, MAX_PEER_ID_LENGTH, MAX_REASON_LENGTH } from './constants.js'

/** Holder answers one FOUND response may pass on: a key has replicas + 1 holders (4 by default). */
const MAX_HOLDER_ANSWERS = 16

/**
 * Whether a decoded string is well-formed UTF-16: the protobuf decoder turns some invalid UTF-8 into lone
 * surrogates, which encode back as U+FFFD, so that the value would change on its way through this node.
 */
const wellFormed = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s

/** Reasons are only shown: invalid UTF-8 in them becomes U+FFFD. */
const reasonText = (s: string): string => Buffer.from(s.slice(0, MAX_REASON_LENGTH), 'utf8').toString('utf8')

// ---- node refs ------------------------------------------------------------------------------------------------

/** Ring ids of peer ids already checked: the same few hundred peers recur in every answer. */
const ringIdOfPeer = new Map<string, RingId>()

/** The ring id a peer must have: the hash of the public key inside its peer id. */
export function ringIdForPeer(peer: string): Result<RingId> {
  const cached = ringIdOfPeer.get(peer)
  if (cached !== undefined) return ok(cached)
  if (peer.length > MAX_PEER_ID_LENGTH)
    return err(`peer id of ${peer.length} characters (at most ${MAX_PEER_ID_LENGTH})`)
  let publicKey
  try {
    publicKey = peerIdFromString(peer).publicKey
  } catch (e) {
    return err(`peer id ${JSON.stringify(peer.slice(0, 80))} does not parse: ${(e as Error).message}`)
  }
  if (publicKey === undefined) return err(`peer id ${peer} does not carry its public key (use Ed25519 keys)`)
  const id = nodeIdFromPublicKey(publicKeyToProtobuf(publicKey))
  if (ringIdOfPeer.size > 100_000) ringIdOfPeer.clear()
  ringIdOfPeer.set(peer, id)
  return ok(id)
}

function encodeNodeRef(n: NodeRef): pb.NodeRef {
  return { id: ringIdToBytes(n.id) as Uint8Array<ArrayBuffer>, peer: n.peer, addrs: [...n.addrs] }
}

export function decodeNodeRef(n: pb.NodeRef): Result<NodeRef> {
  const id = ringIdFromBytes(n.id)
  if (!id.ok) return err(`node ref: ${id.error}`)
  const expected = ringIdForPeer(n.peer)
  if (!expected.ok) return err(`node ref: ${expected.error}`)
  if (expected.value !== id.value) return err(`node ref: ring id of ${n.peer} is not the hash of its public key`)
  if (n.addrs.length > MAX_ADDRS_PER_NODE) return err(`node ref: more than ${MAX_ADDRS_PER_NODE} addresses`)
  for (const a of n.addrs) {
    if (a.length > MAX_MULTIADDR_LENGTH) return err('node ref: address too long')
    if (!wellFormed(a)) return err('node ref: an address is not valid UTF-8')
    try {
      multiaddr(a)
    } catch {
      return err(`node ref: ${JSON.stringify(a.slice(0, 80))} is not a multiaddr`)
    }
  }
  return ok({ id: id.value, peer: n.peer, addrs: n.addrs })
}

function decodeNodeRefs(list: readonly pb.NodeRef[], what: string): Result<NodeRef[]> {
  if (list.length > MAX_NODE_REFS_PER_MESSAGE) return err(`${what}: more than ${MAX_NODE_REFS_PER_MESSAGE} nodes`)
  const out: NodeRef[] = []
  for (const n of list) {
    const decoded = decodeNodeRef(n)
    if (!decoded.ok) return err(`${what}: ${decoded.error}`)
    out.push(decoded.value)
  }
  return ok(out)
}

// ---- records --------------------------------------------------------------------------------------------------

function encodeRecord(r: ClaimRecord): pb.ClaimRecord {
  return {
    key: ringIdToBytes(r.key) as Uint8Array<ArrayBuffer>,
    owner: ringIdToBytes(r.owner) as Uint8Array<ArrayBuffer>,
    ownerPublicKey: r.ownerPublicKey as Uint8Array<ArrayBuffer>,
    seq: r.seq,
    expiresAt: BigInt(r.expiresAt),
    withdrawn: r.withdrawn,
    signature: r.signature as Uint8Array<ArrayBuffer>,
  }
}

/** Shape checks only; signatures and expiry are checked by the DHT core (verifyClaim) before anything is kept. */
function decodeRecord(r: pb.ClaimRecord): Result<ClaimRecord> {
  const key = ringIdFromBytes(r.key)
  if (!key.ok) return err(`record key: ${key.error}`)
  const owner = ringIdFromBytes(r.owner)
  if (!owner.ok) return err(`record owner: ${owner.error}`)
  if (r.ownerPublicKey.length > MAX_PUBLIC_KEY_BYTES) return err('record owner public key too long')
  if (r.signature.length > MAX_SIGNATURE_BYTES) return err('record signature too long')
  if (r.expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) return err('record expiresAt out of range')
  return ok({
    key: key.value,
    owner: owner.value,
    ownerPublicKey: r.ownerPublicKey,
    seq: r.seq,
    expiresAt: Number(r.expiresAt),
    withdrawn: r.withdrawn,
    signature: r.signature,
  })
}

function decodeRecords(list: readonly pb.ClaimRecord[]): Result<ClaimRecord[]> {
  if (list.length > MAX_RECORDS_PER_MESSAGE) return err(`more than ${MAX_RECORDS_PER_MESSAGE} records`)
  const out: ClaimRecord[] = []
  for (const r of list) {
    const decoded = decodeRecord(r)
    if (!decoded.ok) return decoded
    out.push(decoded.value)
  }
  return ok(out)
}

/** A fetch proof's fields: both present or both absent (an empty public key stands for none). */
function decodeProof(publicKey: Uint8Array, signature: Uint8Array, what: string): Result<FetchProof | undefined> {
  if (publicKey.length === 0 && signature.length === 0) return ok(undefined)
  if (publicKey.length === 0 || publicKey.length > MAX_PUBLIC_KEY_BYTES) {
    return err(`${what}: public key of ${publicKey.length} bytes (1..${MAX_PUBLIC_KEY_BYTES})`)
  }
  if (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES) {
    return err(`${what}: signature of ${signature.length} bytes (1..${MAX_SIGNATURE_BYTES})`)
  }
  return ok({ publicKey, signature })
}

function encodeHolderAnswer(a: HolderAnswer): pb.HolderAnswer {
  return {
    holder: ringIdToBytes(a.holder) as Uint8Array<ArrayBuffer>,
    records: a.records.map(encodeRecord),
    publicKey: a.proof.publicKey as Uint8Array<ArrayBuffer>,
    signature: a.proof.signature as Uint8Array<ArrayBuffer>,
  }
}

/** Passed-on holder answers: shapes only; the asker checks each holder's signature (fetch-proof.ts). */
function decodeHolderAnswers(list: readonly pb.HolderAnswer[]): Result<HolderAnswer[]> {
  if (list.length > MAX_HOLDER_ANSWERS) return err(`found: more than ${MAX_HOLDER_ANSWERS} holder answers`)
  if (list.reduce((n, a) => n + a.records.length, 0) > MAX_RECORDS_PER_MESSAGE) {
    return err(`found: more than ${MAX_RECORDS_PER_MESSAGE} records in the holder answers`)
  }
  const out: HolderAnswer[] = []
  for (const a of list) {
    const holder = ringIdField(a.holder, 'found: holder answer')
    if (!holder.ok) return holder
    const records = decodeRecords(a.records)
    if (!records.ok) return err(`found: holder answer: ${records.error}`)
    const proof = decodeProof(a.publicKey, a.signature, 'found: holder answer')
    if (!proof.ok) return proof
    if (proof.value === undefined) return err('found: holder answer without its signature')
    out.push({ holder: holder.value, records: records.value, proof: proof.value })
  }
  return ok(out)
}

function encodeForwarded(f: ForwardedAnswer): pb.Forwarded {
  return f.answer.type === 'found'
    ? {
        from: encodeNodeRef(f.from),
        found: true,
        nodes: f.answer.successors.map(encodeNodeRef),
        fetched: (f.answer.fetched ?? []).map(encodeHolderAnswer),
      }
    : { from: encodeNodeRef(f.from), found: false, nodes: f.answer.candidates.map(encodeNodeRef), fetched: [] }
}

function decodeForwarded(f: pb.Forwarded): Result<ForwardedAnswer> {
  if (f.from === undefined) return err('forwarded answer without the node that gave it')
  const from = decodeNodeRef(f.from)
  if (!from.ok) return err(`forwarded answer: ${from.error}`)
  const nodes = decodeNodeRefs(f.nodes, 'forwarded answer')
  if (!nodes.ok) return nodes
  if (!f.found) {
    if (f.fetched.length > 0) return err('forwarded answer: holder answers in a next answer')
    return ok({ from: from.value, answer: { type: 'next', candidates: nodes.value } })
  }
  const found = foundAnswer(nodes.value, f.fetched)
  if (!found.ok) return err(`forwarded answer: ${found.error}`)
  return ok({ from: from.value, answer: found.value })
}

/** A FOUND answer from its decoded successors and the holder answers as they came. */
function foundAnswer(
  successors: NodeRef[],
  fetched: readonly pb.HolderAnswer[],
): Result<Extract<ChordResponse, { type: 'found' }>> {
  const answers = decodeHolderAnswers(fetched)
  if (!answers.ok) return answers
  return ok({ type: 'found', successors, ...(answers.value.length > 0 && { fetched: answers.value }) })
}

/** A nonce field: absent (empty) or exactly FETCH_NONCE_BYTES. */
function decodeNonce(bytes: Uint8Array, what: string): Result<Uint8Array | undefined> {
  if (bytes.length === 0) return ok(undefined)
  if (bytes.length !== FETCH_NONCE_BYTES) return err(`${what}: nonce of ${bytes.length} bytes (${FETCH_NONCE_BYTES})`)
  return ok(bytes)
}

const ringIdField = (bytes: Uint8Array, what: string): Result<RingId> => {
  const id = ringIdFromBytes(bytes)
  return id.ok ? id : err(`${what}: ${id.error}`)
}

// ---- requests -------------------------------------------------------------------------------------------------

const emptyRequest = (type: pb.Request.Type): pb.Request => ({
  type,
  key: new Uint8Array(0),
  records: [],
  from: new Uint8Array(0),
  to: new Uint8Array(0),
  successors: [],
  nonce: new Uint8Array(0),
  forward: false,
})

export function encodeRequest(req: ChordRequest): Uint8Array {
  const T = pb.Request.Type
  let m: pb.Request
  switch (req.type) {
    case 'ping':
      m = emptyRequest(T.PING)
      break
    case 'get-neighbours':
      m = emptyRequest(T.GET_NEIGHBOURS)
      break
    case 'notify':
      m = { ...emptyRequest(T.NOTIFY), candidate: encodeNodeRef(req.candidate) }
      break
    case 'find-next':
      m = {
        ...emptyRequest(T.FIND_NEXT),
        key: ringIdToBytes(req.key) as Uint8Array<ArrayBuffer>,
        ...(req.fetch !== undefined && { nonce: req.fetch as Uint8Array<ArrayBuffer> }),
        ...(req.forward === true && { forward: true }),
      }
      break
    case 'store':
      m = { ...emptyRequest(T.STORE), records: req.records.map(encodeRecord) }
      break
    case 'fetch':
      m = {
        ...emptyRequest(T.FETCH),
        key: ringIdToBytes(req.key) as Uint8Array<ArrayBuffer>,
        ...(req.nonce !== undefined && { nonce: req.nonce as Uint8Array<ArrayBuffer> }),
      }
      break
    case 'take-range':
      m = {
        ...emptyRequest(T.TAKE_RANGE),
        from: ringIdToBytes(req.from) as Uint8Array<ArrayBuffer>,
        to: ringIdToBytes(req.to) as Uint8Array<ArrayBuffer>,
      }
      break
    case 'leaving':
      m = {
        ...emptyRequest(T.LEAVING),
        predecessor: req.predecessor === null ? undefined : encodeNodeRef(req.predecessor),
        successors: req.successors.map(encodeNodeRef),
      }
      break
  }
  return pb.Request.encode(m)
}

export function decodeRequest(bytes: Uint8Array): Result<ChordRequest> {
  let m: pb.Request
  try {
    m = pb.Request.decode(bytes, {
      limits: { records: MAX_RECORDS_PER_MESSAGE, successors: MAX_NODE_REFS_PER_MESSAGE },
    })
  } catch (e) {
    return err(`request does not decode: ${(e as Error).message}`)
  }
  const T = pb.Request.Type
  switch (m.type) {
    case T.PING:
      return ok({ type: 'ping' })
    case T.GET_NEIGHBOURS:
      return ok({ type: 'get-neighbours' })
    case T.NOTIFY: {
      if (m.candidate === undefined) return err('notify without a candidate')
      const candidate = decodeNodeRef(m.candidate)
      return candidate.ok ? ok({ type: 'notify', candidate: candidate.value }) : candidate
    }
    case T.FIND_NEXT:
    case T.FETCH: {
      const key = ringIdField(m.key, 'key')
      if (!key.ok) return key
      const nonce = decodeNonce(m.nonce, m.type === T.FETCH ? 'fetch' : 'find-next')
      if (!nonce.ok) return nonce
      if (m.type === T.FETCH) {
        return ok({ type: 'fetch', key: key.value, ...(nonce.value !== undefined && { nonce: nonce.value }) })
      }
      return ok({
        type: 'find-next',
        key: key.value,
        ...(nonce.value !== undefined && { fetch: nonce.value }),
        ...(m.forward && { forward: true }),
      })
    }
    case T.STORE: {
      const records = decodeRecords(m.records)
      return records.ok ? ok({ type: 'store', records: records.value }) : records
    }
    case T.TAKE_RANGE: {
      const from = ringIdField(m.from, 'take-range from')
      if (!from.ok) return from
      const to = ringIdField(m.to, 'take-range to')
      if (!to.ok) return to
      return ok({ type: 'take-range', from: from.value, to: to.value })
    }
    case T.LEAVING: {
      const predecessor = m.predecessor === undefined ? ok(null) : decodeNodeRef(m.predecessor)
      if (!predecessor.ok) return predecessor
      const successors = decodeNodeRefs(m.successors, 'successors')
      if (!successors.ok) return successors
      return ok({ type: 'leaving', predecessor: predecessor.value, successors: successors.value })
    }
    default:
      return err(`unknown request type ${String(m.type)}`)
  }
}

// ---- responses ------------------------------------------------------------------------------------------------

const emptyResponse = (type: pb.Response.Type): pb.Response => ({
  type,
  nodes: [],
  accepted: 0,
  rejected: [],
  records: [],
  reason: '',
  publicKey: new Uint8Array(0),
  signature: new Uint8Array(0),
  fetched: [],
})

export function encodeResponse(res: ChordResponse): Uint8Array {
  const T = pb.Response.Type
  let m: pb.Response
  switch (res.type) {
    case 'pong':
      m = emptyResponse(T.PONG)
      break
    case 'ack':
      m = emptyResponse(T.ACK)
      break
    case 'neighbours':
      m = {
        ...emptyResponse(T.NEIGHBOURS),
        predecessor: res.predecessor === null ? undefined : encodeNodeRef(res.predecessor),
        nodes: res.successors.map(encodeNodeRef),
      }
      break
    case 'found':
      m = {
        ...emptyResponse(T.FOUND),
        nodes: res.successors.map(encodeNodeRef),
        fetched: (res.fetched ?? []).map(encodeHolderAnswer),
      }
      break
    case 'next':
      m = {
        ...emptyResponse(T.NEXT),
        nodes: res.candidates.map(encodeNodeRef),
        ...(res.forwarded !== undefined && { forwarded: encodeForwarded(res.forwarded) }),
      }
      break
    case 'stored':
      m = {
        ...emptyResponse(T.STORED),
        accepted: res.accepted,
        rejected: res.rejected.map((r) => ({ index: r.index, reason: r.reason.slice(0, MAX_REASON_LENGTH) })),
      }
      break
    case 'records':
      m = {
        ...emptyResponse(T.RECORDS),
        records: res.records.map(encodeRecord),
        ...(res.proof !== undefined && {
          publicKey: res.proof.publicKey as Uint8Array<ArrayBuffer>,
          signature: res.proof.signature as Uint8Array<ArrayBuffer>,
        }),
      }
      break
    case 'error':
      m = { ...emptyResponse(T.ERROR), reason: res.reason.slice(0, MAX_REASON_LENGTH) }
      break
  }
  return pb.Response.encode(m)
}

export function decodeResponse(bytes: Uint8Array): Result<ChordResponse> {
  let m: pb.Response
  try {
    m = pb.Response.decode(bytes, {
      limits: {
        nodes: MAX_NODE_REFS_PER_MESSAGE,
        records: MAX_RECORDS_PER_MESSAGE,
        rejected: MAX_RECORDS_PER_MESSAGE,
        fetched: MAX_HOLDER_ANSWERS,
        fetched$: { records: MAX_RECORDS_PER_MESSAGE },
        forwarded$: {
          nodes: MAX_NODE_REFS_PER_MESSAGE,
          fetched: MAX_HOLDER_ANSWERS,
          fetched$: { records: MAX_RECORDS_PER_MESSAGE },
        },
      },
    })
  } catch (e) {
    return err(`response does not decode: ${(e as Error).message}`)
  }
  const T = pb.Response.Type
  switch (m.type) {
    case T.PONG:
      return ok({ type: 'pong' })
    case T.ACK:
      return ok({ type: 'ack' })
    case T.NEIGHBOURS: {
      const predecessor = m.predecessor === undefined ? ok(null) : decodeNodeRef(m.predecessor)
      if (!predecessor.ok) return predecessor
      const successors = decodeNodeRefs(m.nodes, 'successors')
      if (!successors.ok) return successors
      return ok({ type: 'neighbours', predecessor: predecessor.value, successors: successors.value })
    }
    case T.FOUND:
    case T.NEXT: {
      const nodes = decodeNodeRefs(m.nodes, m.type === T.FOUND ? 'successors' : 'candidates')
      if (!nodes.ok) return nodes
      if (m.type === T.FOUND) return foundAnswer(nodes.value, m.fetched)
      const forwarded = m.forwarded === undefined ? ok(undefined) : decodeForwarded(m.forwarded)
      if (!forwarded.ok) return forwarded
      return ok({
        type: 'next',
        candidates: nodes.value,
        ...(forwarded.value !== undefined && { forwarded: forwarded.value }),
      })
    }
    case T.STORED:
      return ok({
        type: 'stored',
        accepted: m.accepted,
        rejected: m.rejected.map((r) => ({ index: r.index, reason: reasonText(r.reason) })),
      })
    case T.RECORDS: {
      const records = decodeRecords(m.records)
      if (!records.ok) return records
      const proof = decodeProof(m.publicKey, m.signature, 'records')
      if (!proof.ok) return proof
      return ok({ type: 'records', records: records.value, ...(proof.value !== undefined && { proof: proof.value }) })
    }
    case T.ERROR:
      return ok({ type: 'error', reason: reasonText(m.reason) })
    default:
      return err(`unknown response type ${String(m.type)}`)
  }
}
