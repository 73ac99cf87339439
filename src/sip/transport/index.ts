/**
 * The SIP transport layer (RFC 3261 section 18, RFC 7118, RFC 3581): TCP, TLS, WebSocket and UDP on real
 * sockets, and the stream framing of TCP and TLS. Sits on the message layer.
 */
export {
  SipTransportHub,
  type ListenOptions,
  type MessageHandler,
  type SipConnection,
  type SipListener,
  type SipTarget,
  type SipTransportName,
  type TlsFiles,
} from './hub.js'
export { SipStreamFramer, type StreamItem } from './stream-framer.js'
