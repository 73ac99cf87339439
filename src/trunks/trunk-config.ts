/**
 * A SIP trunk as a provider (or an existing PBX) runs it: its addresses in order of preference, how it knows us
 * (registration with digest, or our source address), the form it wants our numbers in, whether its media needs the
 * bridge, and how often we check it is there. The call agent's `pstn` config; docs/trunks.md explains each field.
 */
import { parseSipUri, uriParam } from '../sip/message/uri.js'
import { addressOf } from '../sip/proxy/address.js'
import type { SipTarget } from '../sip/transport/index.js'

/** How the trunk writes a number in From and P-Asserted-Identity: `+12025550101` or `12025550101`. */
export type NumberForm = 'e164' | 'digits'

export interface TrunkConfig {
  /** What logs, events and status call this trunk (default: its index in the list, 0 for a single trunk). */
  readonly name?: string
  /** The trunk's first address: sip:HOST[:PORT][;transport=udp|tcp|tls], or sips:HOST[:PORT]. */
  readonly uri: string
  /** Further addresses, tried in order when the one before fails (unreachable, 408, 5xx). */
  readonly failover?: readonly string[]
  /** The account's digest user and password (registration, and 401/407 challenges to INVITE). */
  readonly user: string
  readonly password: string
  /**
   * true (default): the node registers and keeps registered; calls in come down that connection. false: an
   * IP-authenticated trunk; calls in are accepted only from `allowFrom`.
   */
  readonly register?: boolean
  /** The trunk's source addresses (IP-authenticated trunks): calls in from anywhere else are refused. */
  readonly allowFrom?: readonly string[]
  /**
   * The trunk face: where an IP-authenticated trunk sends its calls in (TCP and/or UDP ports; 0 picks a free one).
   * Nothing but the trunk's addresses is accepted there; users never register on it.
   */
  readonly listen?: { readonly tcp?: number; readonly udp?: number }
  /** `direct` (default): SDP passes unchanged (the stand-in gateway); `bridge`: through the media bridge. */
  readonly media?: 'bridge' | 'direct'
  /** The form of our number in From and P-Asserted-Identity (default e164). */
  readonly numberForm?: NumberForm
  /** The host part of From and P-Asserted-Identity toward the trunk (default: the trunk's host). */
  readonly callerDomain?: string
  /** The host[:port] our Contact and Via name toward the trunk, when the node is behind a NAT (its public one). */
  readonly publicAddress?: string
  /** Sends a keep-alive to the trunk this often (s), to keep NAT bindings open and notice it gone; 0 or unset: never. */
  readonly keepaliveS?: number
  /**
   * What the keep-alive is: `options` (default), an OPTIONS request, whose answer says the trunk is there; `crlf`,
   * RFC 5626's double CRLF on TCP/TLS or a CRLFCRLF datagram on UDP (smaller; a closed connection is noticed, and a
   * registering trunk registers again at once, but a trunk that is merely silent is not).
   */
  readonly keepalive?: 'options' | 'crlf'
  /**
   * TLS trunks (transport=tls, sips:): a PEM file of the CA certificates the trunk's certificate must chain to (a
   * provider's private CA, or its self-signed certificate); unset: the system's CAs. The certificate must also name
   * the host of the trunk's URI. Never skipped.
   */
  readonly tlsCaFile?: string
}

/**
 * Where a trunk URI points: host, port and transport. Unlike a proxy's next hop (src/sip/proxy/address.ts, which
 * takes UDP URIs over TCP), a trunk's `;transport=udp` is UDP: many carriers speak nothing else.
 */
export function trunkAddress(uri: string): SipTarget | undefined {
  const u = parseSipUri(uri)
  if (u.ok && uriParam(u.value, 'transport')?.toLowerCase() === 'udp') {
    return { transport: 'UDP', host: u.value.host, port: u.value.port ?? 5060 }
  }
  return addressOf(uri)
}

/**
 * The `pstn` config: one trunk, or several (different providers or accounts) in order of preference: a call out
 * tries every address of the first, then of the next (docs/trunks.md, "Several trunks").
 */
export type TrunksConfig = TrunkConfig | readonly TrunkConfig[]

/** The trunks of a `pstn` config, in order of preference. */
export function trunkList(pstn: TrunksConfig | undefined): readonly TrunkConfig[] {
  if (pstn === undefined) return []
  return Array.isArray(pstn) ? (pstn as readonly TrunkConfig[]) : [pstn as TrunkConfig]
}

/** Every address of the trunk, in order of preference. */
export function trunkUris(config: TrunkConfig): string[] {
  return [config.uri, ...(config.failover ?? [])]
}

/** Whether a final response from one trunk address should make the call try the next. */
export function trunkFailsOver(status: number): boolean {
  return status === 408 || (status >= 500 && status < 600)
}
