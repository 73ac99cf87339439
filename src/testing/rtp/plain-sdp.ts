/** The SDP of a plain RTP endpoint (a trunk, a legacy phone): RTP/AVP with G.711, no ICE, no DTLS, no crypto. */

export interface PlainSdpOptions {
  readonly address: string
  readonly port: number
  /** In order of preference (default PCMU, then PCMA). */
  readonly codecs?: readonly ('PCMU' | 'PCMA')[]
  readonly sessionId?: number
  /** Default sendrecv; recvonly answers a hold (RFC 3264 section 8.4). */
  readonly direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'
  /** The o= line's version: one more for each new offer or answer in the same session. */
  readonly version?: number
}

export function plainSdp(options: PlainSdpOptions): string {
  const codecs = options.codecs ?? ['PCMU', 'PCMA']
  const pt = (c: 'PCMU' | 'PCMA') => (c === 'PCMU' ? 0 : 8)
  const family = options.address.includes(':') ? 'IP6' : 'IP4'
  const id = options.sessionId ?? 1
  return [
    'v=0',
    `o=- ${id} ${options.version ?? id} IN ${family} ${options.address}`,
    's=-',
    `c=IN ${family} ${options.address}`,
    't=0 0',
    `m=audio ${options.port} RTP/AVP ${codecs.map(pt).join(' ')}`,
    ...codecs.map((c) => `a=rtpmap:${pt(c)} ${c}/8000`),
    'a=ptime:20',
    `a=${options.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n')
}

/** The media address, port and payload types of the first audio stream of an SDP (undefined if it has none). */
export function audioOf(
  sdp: string,
): { address: string; port: number; payloadTypes: number[]; protocol: string } | undefined {
  const m = /^m=audio (\d+) (\S+) ([\d ]+)\r?$/m.exec(sdp)
  if (m === null) return undefined
  const audioAt = sdp.indexOf(m[0])
  const connection = [...sdp.matchAll(/^c=IN IP[46] (\S+)\r?$/gm)]
  // The media-level c= line if there is one after m=, else the session-level one.
  const line = connection.find((c) => c.index! > audioAt) ?? connection.find((c) => c.index! < audioAt)
  if (line === undefined) return undefined
  return { address: line[1]!, port: Number(m[1]), protocol: m[2]!, payloadTypes: m[3]!.trim().split(' ').map(Number) }
}
