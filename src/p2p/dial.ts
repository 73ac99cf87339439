/** Opening a protocol stream to a ring member: on an open connection when there is one, else by dialling it. */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { NodeRef } from '../dht/messages.js'
import type { ImeLibp2p } from './libp2p-node.js'

/** How a caller times a dial that it cannot avoid (no open connection to the peer). */
export interface DialBudget {
  /** Ends the wait for the dial (instead of `signal`): a dial may be given longer than an answer. */
  dialSignal: AbortSignal
  /** Called once the dial is done: the signal for opening the stream on the new connection. */
  afterDial: () => AbortSignal
}

/**
 * Opens a stream to `to`; `onDial` is told when no open connection could be used and a dial (TCP, Noise, Yamux)
 * is on the request's path; `budget` times that dial apart from `signal`.
 */
export async function openStream(
  libp2p: ImeLibp2p,
  to: NodeRef,
  protocol: string,
  signal: AbortSignal,
  onDial?: () => void,
  budget?: DialBudget,
): Promise<Stream> {
  let peerId: PeerId
  try {
    peerId = peerIdFromString(to.peer)
  } catch (e) {
    throw new Error(`not a peer id: ${(e as Error).message}`, { cause: e })
  }
  const open = libp2p.getConnections(peerId).find((c: Connection) => c.status === 'open')
  if (open !== undefined) {
    try {
      return await open.newStream(protocol, { signal, runOnLimitedConnection: true })
    } catch (e) {
      // The connection may have been closing as we picked it (the other side pruned or restarted it): dial
      // afresh once rather than report a live peer dead. A timeout or caller abort is final.
      if (signal.aborted) throw e
    }
  }
  onDial?.()
  const addrs = to.addrs.map((a) => {
    const ma = multiaddr(a)
    return ma.getComponents().some((c) => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${to.peer}`)
  })
  // The dial is not tied to this request's signal: it runs on under libp2p's own dial timeout (10 s) when the
  // request gives up, so the next request to the peer (a retry, the next maintenance tick) finds the connection
  // made, or joins the dial in progress (libp2p's dial queue merges dials to one peer). Aborted with the request,
  // a dial on a busy machine threw its half-done TCP and Noise handshake away each time, on both ends, and every
  // retry started again from nothing and timed out again (docs/chord.md).
  const dialling = libp2p.dial(addrs.length > 0 ? addrs : peerId)
  dialling.catch(() => undefined) // a dial that outlives its request may fail with nobody waiting
  const connection = await untilAborted(dialling, budget?.dialSignal ?? signal)
  // Through a relay (a claimer behind NAT) the connection is limited in time and data (relay.ts): enough for
  // Chord requests and validation runs, which are small and short.
  return connection.newStream(protocol, { signal: budget?.afterDial() ?? signal, runOnLimitedConnection: true })
}

/** `promise`, or a rejection with the signal's reason once it aborts (the promise itself runs on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e as Error)
      },
    )
  })
}
