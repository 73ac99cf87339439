/** libp2p-side tunables for the Chord protocol. Sizes in bytes, times in milliseconds. */

export const CHORD_PROTOCOL = '/ime/chord/1.0.0'

/**
 * Largest Chord message: a STORE of 1,024 records at ~150 bytes each is ~150 KB; 1 MiB leaves room and still
 * bounds what a peer can make us buffer.
 */
export const MAX_CHORD_MESSAGE_BYTES = 1024 * 1024

/** A NodeRef names a handful of listen addresses; more is padding or an attack. */
export const MAX_ADDRS_PER_NODE = 8
export const MAX_MULTIADDR_LENGTH = 256

/**
 * An Ed25519 peer id is 52 characters in base58 (about 62 as a CID). Longer strings are refused before
 * parsing: base58 decoding takes time quadratic in the length (50,000 characters cost 1.6 s of CPU here), so
 * one oversized id in a 1 MiB message could stall the node for minutes.
 */
export const MAX_PEER_ID_LENGTH = 128

/** Reason strings travel back to peers; keep them short. */
export const MAX_REASON_LENGTH = 200

/** Concurrent inbound Chord streams per connection: lookups from one busy peer, not a flood. */
export const MAX_INBOUND_STREAMS = 64
export const MAX_OUTBOUND_STREAMS = 64

/**
 * Chord requests one peer may send us: a burst of 400, then 200 per second. A node's own maintenance sends a few
 * requests a second to each neighbour, and lookups a few more: 200/s is far above honest use, and bounds what
 * one peer can make us do. Over the limit a request gets an error answer; at twice the burst the stream is cut.
 */
export const CHORD_REQUESTS_BURST_PER_PEER = 400
export const CHORD_REQUESTS_PER_SECOND_PER_PEER = 200

/**
 * The peer-store tag on a Chord node's routing peers (predecessor, successor list, fingers). libp2p's pruner,
 * when over maxConnections, closes the connections of peers with the lowest summed tag values first; 100 is
 * the top of libp2p's usual 0-100 range, so a routing peer's connection goes last. kad-dht, when it runs on the
 * same peer (the comparison benchmark), tags its close peers with lower values.
 */
export const CHORD_ROUTE_TAG = 'ime-chord-route'
export const CHORD_ROUTE_TAG_VALUE = 100
/**
 * How often the tags follow the routing table (ms). Fingers change at most one per fix-fingers tick (10 s), the
 * successor list at each stabilisation (30 s): 5 s keeps the tags current at one peer-store pass per node.
 */
export const CHORD_ROUTE_TAG_INTERVAL_MS = 5_000

/**
 * What a Chord request that must dial first gets on top of its request timeout for the dial (TCP, Noise, Yamux;
 * ms). A dead peer's closed port refuses at once, so this only lengthens the wait for a peer that is slow to
 * handshake (a loaded host) or unreachable without refusing; libp2p's own dial timeout (10 s) stays the bound.
 */
export const CHORD_DIAL_ALLOWANCE_MS = 5_000
