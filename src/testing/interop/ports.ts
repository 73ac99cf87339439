/** Free local ports for the tools under test. All traffic stays on 127.0.0.1. */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

export const LOCALHOST = '127.0.0.1'

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: LOCALHOST, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4')
    socket.once('error', () => resolve(false))
    socket.bind({ address: LOCALHOST, port, exclusive: true }, () => socket.close(() => resolve(true)))
  })
}

/** Ports handed out by this process, so two calls never return the same one even before either is bound. */
const handedOut = new Set<number>()

/**
 * A base port such that base .. base+span-1 are all free on TCP and UDP. SIPp binds its RTP echo port and the two
 * after it (audio, video), so a SIPp instance asks for span 4. Picked from a random spot in 20000-59999, so
 * parallel test files rarely race; the caller binds at once.
 */
export async function freePorts(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (40_000 - span))
    let ok = true
    for (let p = base; p < base + span && ok; p++) {
      ok = !handedOut.has(p) && (await tcpFree(p)) && (await udpFree(p))
    }
    if (ok) {
      for (let p = base; p < base + span; p++) handedOut.add(p)
      return base
    }
  }
  throw new Error(`no ${span} consecutive free ports found on ${LOCALHOST}`)
}
