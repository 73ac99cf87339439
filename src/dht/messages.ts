/**
 * The Chord protocol's messages, independent of any transport. The in-memory network passes these objects
 * as they are; the libp2p transport (src/p2p) encodes them as length-prefixed protobuf.
 */
import type { RingId } from '../core/ring.js'

/** How one node knows another: its ring id, plus what a transport needs to reach it. */
export interface NodeRef {
  readonly id: RingId
  /** Transport-specific, opaque to Chord: a libp2p peer id string, or a name on the in-memory network. */
  readonly peer: string
  /** Where to dial it (multiaddr strings on libp2p; empty in memory). */
  readonly addrs: readonly string[]
}

/**
 * One owner's claim on a key: "the node with this Node-ID claims the number whose key this is".
 * Holds no number, no address and no name. Signed by the owner, whose public key travels with it so that
 * any node can check both the signature and that owner == nodeIdFromPublicKey(ownerPublicKey).
 */
export interface ClaimRecord {
  readonly key: RingId
  readonly owner: RingId
  /** The owner's libp2p public key, protobuf-encoded (as libp2p's publicKeyToProtobuf gives it). */
  readonly ownerPublicKey: Uint8Array
  /** Per (key, owner), strictly increasing: a record replaces one of the same owner only with a higher seq. */
  readonly seq: bigint
  /** Milliseconds since the Unix epoch; an expired record vanishes. */
  readonly expiresAt: number
  /** A withdrawal: kept (until expiresAt) so that an older claim cannot be replayed over it. */
  readonly withdrawn: boolean
  readonly signature: Uint8Array
}

/** A holder's signature over its answer to a fetch with a nonce (fetch-proof.ts says what it covers). */
export interface FetchProof {
  /** The holder's libp2p public key, protobuf-encoded: its ring id is nodeIdFromPublicKey(publicKey). */
  readonly publicKey: Uint8Array
  readonly signature: Uint8Array
}

/** One holder's answer to a fetch, passed on by the node that answered a lookup with 'found'. */
export interface HolderAnswer {
  readonly holder: RingId
  readonly records: readonly ClaimRecord[]
  readonly proof: FetchProof
}

/**
 * A lookup step's answer from a node the answering node asked itself. Worth what the answering node's own answer
 * is worth: it could have answered 'found' with any nodes itself.
 */
export interface ForwardedAnswer {
  readonly from: NodeRef
  readonly answer:
    | { type: 'found'; successors: readonly NodeRef[]; fetched?: readonly HolderAnswer[] }
    | { type: 'next'; candidates: readonly NodeRef[] }
}

export type ChordRequest =
  | { type: 'ping' }
  /** Stabilise: "who is your predecessor, and what is your successor list?" */
  | { type: 'get-neighbours' }
  /** "I think I might be your predecessor." The transport guarantees candidate is the sender. */
  | { type: 'notify'; candidate: NodeRef }
  /**
   * One iterative lookup step towards the node responsible for key. A get sends `fetch` (a fresh random nonce):
   * a node that answers 'found' then also fetches the key's records from its holders (its own successors, to
   * which it is connected) and passes on their signed answers, saving the asker a dial to each holder. With
   * `forward`, a node that would answer 'next' asks its best candidate itself (to which, as its finger or
   * successor, it is connected) and passes that answer on too.
   */
  | { type: 'find-next'; key: RingId; fetch?: Uint8Array; forward?: boolean }
  /** Store or replace claim records (an owner publishing, or a node replicating or handing over). */
  | { type: 'store'; records: readonly ClaimRecord[] }
  /** All live claims on a key held here; with a nonce, the answer is signed (`proof`) so it can be passed on. */
  | { type: 'fetch'; key: RingId; nonce?: Uint8Array }
  /** Records with keys in (from, to]: a joining node takes over its share from its successor. */
  | { type: 'take-range'; from: RingId; to: RingId }
  /** A graceful leave: the sender departs; here are its neighbours so the ring can close the gap at once. */
  | { type: 'leaving'; predecessor: NodeRef | null; successors: readonly NodeRef[] }

export type ChordResponse =
  | { type: 'pong' }
  | { type: 'neighbours'; predecessor: NodeRef | null; successors: readonly NodeRef[] }
  | { type: 'ack' }
  /**
   * The key lies in (responder, successors[0]]: successors[0] is responsible; the rest follow it on the ring.
   * `fetched`: the holders' signed answers, when the request asked for them (a holder that did not answer in
   * time is missing; the asker then asks it itself).
   */
  | { type: 'found'; successors: readonly NodeRef[]; fetched?: readonly HolderAnswer[] }
  /**
   * Ask one of these next, best first (closest preceding the key); several so a dead one can be skipped.
   * `forwarded`: the answer of the candidate this node asked itself (find-next with forward).
   */
  | { type: 'next'; candidates: readonly NodeRef[]; forwarded?: ForwardedAnswer }
  | { type: 'stored'; accepted: number; rejected: readonly { index: number; reason: string }[] }
  | { type: 'records'; records: readonly ClaimRecord[]; proof?: FetchProof }
  /** The request was understood but refused (malformed, oversized, rate-limited...), with a reason. */
  | { type: 'error'; reason: string }

/** How a Chord node reaches others. Implemented by the in-memory network and by libp2p. */
export interface ChordTransport {
  /**
   * Sends one request and waits for its response. Rejects with PeerUnreachableError when the peer cannot be
   * reached or does not answer within the transport's request timeout, so that Chord can repair around it.
   */
  request(to: NodeRef, req: ChordRequest, options?: { signal?: AbortSignal }): Promise<ChordResponse>
}

/** What a transport calls when a request arrives. `from` is authenticated by the transport. */
export type ChordRequestHandler = (from: NodeRef, req: ChordRequest) => Promise<ChordResponse>

export class PeerUnreachableError extends Error {
  /**
   * The request ran out of time (no answer within the timeout) rather than failing outright (connection refused
   * or reset, no such node): the peer may be alive but slow, or the network or this node's own event loop busy.
   * Chord suspects such a peer instead of forgetting it at once.
   */
  readonly timedOut: boolean

  constructor(
    readonly peer: NodeRef,
    reason: string,
    options?: { cause?: unknown; timedOut?: boolean },
  ) {
    super(
      `peer ${peer.peer} unreachable: ${reason}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'PeerUnreachableError'
    this.timedOut = options?.timedOut ?? false
  }
}
