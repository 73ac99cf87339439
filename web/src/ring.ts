/** Geometry for drawing a Chord ring: 128-bit ids (hex) placed clockwise from the top of a circle. */
export interface RingNode {
  readonly id: string
  readonly role: 'self' | 'predecessor' | 'successor' | 'finger'
  readonly label?: string
}

const RING_BITS = 128n

/** An id's position on the ring as a fraction in [0, 1); undefined when it is not hex. */
export function ringFraction(id: string): number | undefined {
  const hex = id.trim().toLowerCase().replace(/^0x/, '')
  if (!/^[0-9a-f]{1,32}$/.test(hex)) return undefined
  const value = BigInt('0x' + hex.padEnd(32, '0').slice(0, 32))
  // 53 bits of precision are plenty for a drawing.
  return Number(value >> (RING_BITS - 53n)) / 2 ** 53
}

export function ringPoint(fraction: number, cx: number, cy: number, r: number): { x: number; y: number } {
  const angle = fraction * 2 * Math.PI - Math.PI / 2
  return { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) }
}

/** Clockwise distance from a to b as a fraction of the ring. */
export const ringDistance = (a: number, b: number): number => (b - a + 1) % 1

export const shortId = (id: string): string => id.slice(0, 8)

/**
 * The nodes to draw from GET /api/status, leniently: ids may be strings or objects with `id` (and maybe
 * `peerId`, `domain`); fingers may repeat successors. Each id appears once, with its most specific role.
 */
export function ringNodes(status: unknown): RingNode[] {
  const s = (status ?? {}) as Record<string, unknown>
  const ring = (s.ring ?? s) as Record<string, unknown>
  const idOf = (v: unknown): { id: string; label?: string } | undefined => {
    if (typeof v === 'string') return { id: v }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      const id = o.id ?? o.nodeId
      const label = o.domain ?? o.peerId
      if (typeof id === 'string') return typeof label === 'string' ? { id, label } : { id }
    }
    return undefined
  }
  const list = (v: unknown) => (Array.isArray(v) ? v.map(idOf).filter((x) => x !== undefined) : [])
  const out = new Map<string, RingNode>()
  const add = (n: { id: string; label?: string } | undefined, role: RingNode['role']) => {
    if (!n || ringFraction(n.id) === undefined) return
    const key = n.id.toLowerCase()
    if (!out.has(key)) out.set(key, { id: key, role, ...(n.label ? { label: n.label } : {}) })
  }
  add(idOf(s.nodeId ?? s.id ?? ring.self ?? ring.id), 'self')
  add(idOf(ring.predecessor), 'predecessor')
  for (const n of list(ring.successors)) add(n, 'successor')
  for (const n of list(ring.fingers)) add(n, 'finger')
  return [...out.values()]
}
