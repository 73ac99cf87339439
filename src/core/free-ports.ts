/**
 * Free local ports for the daemons a node or a test starts (Kamailio, rtpengine, baresip, SIPp). A port is free when
 * it can be bound on both TCP and UDP; a run of `span` ports is asked for by programs that bind the ports after the
 * one they are given (baresip binds SIP over TLS on port+1; SIPp its RTP echo port and the two after it).
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

function tcpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    socket.once('error', () => resolve(false))
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)))
  })
}

/** Ports handed out by this process, so two calls never return the same one even before either is bound. */
const handedOut = new Set<number>()

/**
 * A base port such that base .. base+span-1 are all free on TCP and UDP at `host`. Picked from a random spot in
 * 20000-59999, so parallel processes rarely race; the caller binds at once (and, where a daemon may still lose the
 * race, starts it again on fresh ports).
 */
export async function freePorts(host: string, span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (40_000 - span))
    let ok = true
    for (let p = base; p < base + span && ok; p++) {
      ok = !handedOut.has(p) && (await tcpFree(host, p)) && (await udpFree(host, p))
    }
    if (ok) {
      for (let p = base; p < base + span; p++) handedOut.add(p)
      return base
    }
  }
  throw new Error(`no ${span} consecutive free ports found on ${host}`)
}
