/**
 * A calling node for tests and benchmarks: an Ed25519 identity as a real node has (its libp2p peer id), which
 * mints nothing itself but makes caller assertions for tickets issued to it (HS256 with the ticket's call key, or
 * signed with its key).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import {
  authorizeCall,
  ed25519Signer,
  peerOfEd25519PublicKey,
  type CallSigner,
  type Originator,
} from '../caller-identity/index.js'
import type { TicketKeyRing } from '../tickets/key-ring.js'
import { mintTicket } from '../tickets/mint.js'

export interface CredentialOptions {
  readonly caller?: Originator
  /** When the ticket is minted and the assertion made (default now). */
  readonly nowMs?: number
  readonly validitySeconds?: number
  readonly callingDomain?: string
  /**
   * How the assertion is made: HS256 with the ticket's call key (default, as a node does over a route whose
   * claimer granted one) or EdDSA with the node's key (a route learned without a call key).
   */
  readonly alg?: 'HS256' | 'EdDSA'
}

export interface TestCallerNode {
  /** The peer id's multihash bytes: what a ticket issued to this node names. */
  readonly peer: Uint8Array
  readonly signer: CallSigner
  /** The X-IME-Ticket and Identity headers for one call with the ticket (throws if the ticket is unusable). */
  headersFor(
    ticket: string,
    calledNumber: string,
    options?: Pick<CredentialOptions, 'caller' | 'nowMs'> & { readonly callKey?: Uint8Array },
  ): [string, string][]
  /**
   * A ticket for the number minted with the called side's keys and issued to this node, with its assertion: the
   * headers of one call as a validated enterprise's node would place it.
   */
  credentials(keys: TicketKeyRing, calledNumber: string, options?: CredentialOptions): [string, string][]
  /**
   * A route as validation leaves it: one ticket (and its call key) minted for this node, then the headers of each
   * call over it, every call with an assertion of its own.
   */
  route(
    keys: TicketKeyRing,
    calledNumber: string,
    options?: CredentialOptions,
  ): { readonly ticket: string; headers(nowMs?: number): [string, string][] }
}

export function testCallerNode(): TestCallerNode {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const signer: CallSigner = {
    peer: peerIdFromPublicKey(publicKeyFromRaw(x)).toString(),
    sign: ed25519Signer(new Uint8Array(Buffer.concat([d, x]))),
  }
  const peer = peerOfEd25519PublicKey(x)
  const headersFor: TestCallerNode['headersFor'] = (ticket, calledNumber, options = {}) => {
    const call = { ticket, callKey: options.callKey, calledNumber, caller: options.caller ?? { tn: '14155550100' } }
    const auth = authorizeCall(call, signer, options.nowMs ?? Date.now())
    if (!auth.ok) throw new Error(auth.error)
    return auth.value.headers.map(([name, value]) => [name, value])
  }
  const route: TestCallerNode['route'] = (keys, calledNumber, options = {}) => {
    const request = {
      calledNumber,
      callingDomain: options.callingDomain ?? 'caller.example',
      callerPeer: peer,
      ...(options.validitySeconds !== undefined && { validitySeconds: options.validitySeconds }),
    }
    const minted = mintTicket(request, keys, options.nowMs ?? Date.now(), (n) => new Uint8Array(randomBytes(n)))
    if (!minted.ok) throw new Error(minted.error)
    return {
      ticket: minted.value.text,
      headers: (nowMs = options.nowMs ?? Date.now()) =>
        headersFor(minted.value.text, calledNumber, {
          nowMs,
          ...(options.caller && { caller: options.caller }),
          ...(options.alg !== 'EdDSA' && { callKey: minted.value.callKey }),
        }),
    }
  }
  return {
    peer,
    signer,
    headersFor,
    credentials: (keys, calledNumber, options = {}) => route(keys, calledNumber, options).headers(),
    route,
  }
}
