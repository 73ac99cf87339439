/**
 * A plain RTP endpoint for tests, standing in for a trunk or a legacy phone: it sends a pure tone as G.711 (PCMU or
 * PCMA, 20 ms packets, 8 kHz) from its port to the address the far side's SDP gives, and decodes what it receives, so
 * a test can check by content (Goertzel) that the far end's tone arrived. Real UDP sockets on the given address.
 */
import { randomInt } from 'node:crypto'
import { createSocket, type Socket } from 'node:dgram'
import { alawToLinear, linearToAlaw, linearToMulaw, mulawToLinear, PCMA, PCMU } from './g711.js'
import { rms, toneShare } from './goertzel.js'

export const G711_RATE = 8_000
const SAMPLES_PER_PACKET = 160 // 20 ms
/** Received audio kept for analysis. */
const KEEP_SECONDS = 10

export interface ToneEndpointOptions {
  readonly address: string
  /** The tone it sends (Hz). */
  readonly hz: number
  /** Peak amplitude in 16-bit units (default 8,000, about -12 dBFS). */
  readonly amplitude?: number
}

export interface ReceivedAudio {
  readonly packets: number
  /** The RTP payload types seen (0 PCMU, 8 PCMA; anything else is counted and not decoded). */
  readonly payloadTypes: readonly number[]
  /** Where the packets came from (the relay's port, for a bridged call). */
  readonly from: readonly string[]
}

export interface ToneEndpoint {
  readonly address: string
  /** Its RTP port (RTCP would be the next one; it does not listen there). */
  readonly port: number
  /** Starts (or redirects) sending the tone to `remote` with `payloadType`. */
  sendTo(remote: { address: string; port: number }, payloadType: typeof PCMU | typeof PCMA): void
  stopSending(): void
  received(): ReceivedAudio
  /** The share (0-1) of the last `ms` of received audio that is a tone at `hz`, and that audio's RMS. */
  analyse(hz: number, ms?: number): { share: number; rms: number; samples: number }
  close(): Promise<void>
}

/** Binds a UDP port on `address` (an even port from the system's range) and returns the endpoint. */
export async function startToneEndpoint(options: ToneEndpointOptions): Promise<ToneEndpoint> {
  const socket: Socket = createSocket(options.address.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, options.address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', () => undefined) // ICMP unreachable before the far side listens
  const amplitude = options.amplitude ?? 8_000
  const ssrc = randomInt(0, 2 ** 32 - 1)
  let sequence = randomInt(0, 65_536)
  let timestamp = randomInt(0, 2 ** 32 - 1)
  let phase = 0
  let first = true
  let sender: NodeJS.Timeout | undefined

  const kept = new Int16Array(G711_RATE * KEEP_SECONDS)
  let written = 0
  let packets = 0
  const payloadTypes = new Set<number>()
  const from = new Set<string>()

  socket.on('message', (m, rinfo) => {
    if (m.length < 12 || m[0]! >> 6 !== 2) return
    const pt = m[1]! & 0x7f
    if (pt >= 72 && pt <= 76) return // RTCP on a muxed port
    packets++
    payloadTypes.add(pt)
    from.add(`${rinfo.address}:${rinfo.port}`)
    const csrcs = m[0]! & 0x0f
    let offset = 12 + 4 * csrcs
    if (m[0]! & 0x10 && m.length >= offset + 4) offset += 4 + 4 * m.readUInt16BE(offset + 2)
    let end = m.length
    if (m[0]! & 0x20) end -= m[m.length - 1]!
    const decode = pt === PCMU ? mulawToLinear : pt === PCMA ? alawToLinear : undefined
    if (decode === undefined) return
    for (let i = offset; i < end; i++) kept[written++ % kept.length] = decode(m[i]!)
  })

  const packet = (payloadType: number): Buffer => {
    const b = Buffer.alloc(12 + SAMPLES_PER_PACKET)
    b[0] = 0x80
    b[1] = (first ? 0x80 : 0) | payloadType
    first = false
    b.writeUInt16BE(sequence, 2)
    b.writeUInt32BE(timestamp >>> 0, 4)
    b.writeUInt32BE(ssrc, 8)
    const encode = payloadType === PCMU ? linearToMulaw : linearToAlaw
    for (let i = 0; i < SAMPLES_PER_PACKET; i++) {
      b[12 + i] = encode(amplitude * Math.sin(phase))
      phase = (phase + (2 * Math.PI * options.hz) / G711_RATE) % (2 * Math.PI)
    }
    sequence = (sequence + 1) & 0xffff
    timestamp = (timestamp + SAMPLES_PER_PACKET) >>> 0
    return b
  }

  const stopSending = () => {
    if (sender !== undefined) clearInterval(sender)
    sender = undefined
  }

  return {
    address: options.address,
    port: socket.address().port,
    sendTo(remote, payloadType) {
      stopSending()
      sender = setInterval(() => socket.send(packet(payloadType), remote.port, remote.address), 20)
    },
    stopSending,
    received: () => ({ packets, payloadTypes: [...payloadTypes], from: [...from] }),
    analyse(hz, ms = 1_000) {
      const n = Math.min(written, kept.length, Math.round((ms * G711_RATE) / 1000))
      const block = new Int16Array(n)
      for (let i = 0; i < n; i++) block[i] = kept[(written - n + i) % kept.length]!
      return { share: toneShare(block, G711_RATE, hz), rms: rms(block), samples: n }
    },
    close() {
      stopSending()
      return new Promise((resolve) => socket.close(() => resolve()))
    },
  }
}
