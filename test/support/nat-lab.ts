/**
 * A small internet in network namespaces: two offices, each a host behind its own router that masquerades it
 * (iptables MASQUERADE) onto a link to "the public side", which is this process's own namespace. The public side
 * does not forward (net.ipv4.ip_forward stays as it is, 0 here): an office can reach the public addresses, never
 * the other office, whether by its private address or its NAT's public one. So two browsers, one per office,
 * can exchange media only through a relay on the public side (TURN).
 *
 *   office A host 10.1.0.2 -- 10.1.0.1 router A 198.18.1.2 (NAT) -- 198.18.1.1 |
 *                                                                               | public side (servers)
 *   office B host 10.2.0.2 -- 10.2.0.1 router B 198.18.2.2 (NAT) -- 198.18.2.1 |
 *
 * Needs root. Names carry a tag (this process's pid) so that parallel runs do not collide; close() removes all.
 */
import { execFileSync } from 'node:child_process'

export interface Office {
  /** The namespace of the office's host (where its browser runs). */
  readonly ns: string
  readonly privateIp: string
  /** The address its router masquerades it as. */
  readonly natIp: string
  /** The public side's address on this office's link. */
  readonly publicIp: string
}

export interface NatLab {
  readonly a: Office
  readonly b: Office
  close(): void
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
const inNs = (ns: string, ...command: string[]) =>
  execFileSync('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'ignore', 'pipe'] })

export function buildNatLab(tag = String(process.pid % 10_000)): NatLab {
  if (process.getuid?.() !== 0) throw new Error('the NAT lab needs root (network namespaces, iptables)')
  const made: string[] = []
  const links: string[] = []
  const close = () => {
    for (const ns of made.splice(0)) {
      try {
        ip('netns', 'delete', ns)
      } catch {
        // already gone
      }
    }
    for (const link of links.splice(0)) {
      try {
        ip('link', 'delete', link)
      } catch {
        // went with its namespace
      }
    }
  }
  const office = (letter: 'a' | 'b', n: number): Office => {
    const host = `ime${letter}h${tag}`
    const router = `ime${letter}r${tag}`
    for (const ns of [host, router]) {
      ip('netns', 'add', ns)
      made.push(ns)
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up')
    }
    // host <-> router (the office LAN)
    const lanHost = `i${letter}h${tag}`
    const lanRouter = `i${letter}r${tag}`
    ip('link', 'add', lanHost, 'type', 'veth', 'peer', 'name', lanRouter)
    ip('link', 'set', lanHost, 'netns', host)
    ip('link', 'set', lanRouter, 'netns', router)
    inNs(host, 'ip', 'addr', 'add', `10.${n}.0.2/24`, 'dev', lanHost)
    inNs(host, 'ip', 'link', 'set', lanHost, 'up')
    inNs(host, 'ip', 'route', 'add', 'default', 'via', `10.${n}.0.1`)
    inNs(router, 'ip', 'addr', 'add', `10.${n}.0.1/24`, 'dev', lanRouter)
    inNs(router, 'ip', 'link', 'set', lanRouter, 'up')
    // router <-> public side (the office's uplink)
    const wan = `o${letter}r${tag}`
    const pub = `p${letter}${tag}`
    ip('link', 'add', wan, 'type', 'veth', 'peer', 'name', pub)
    links.push(pub)
    ip('link', 'set', wan, 'netns', router)
    inNs(router, 'ip', 'addr', 'add', `198.18.${n}.2/24`, 'dev', wan)
    inNs(router, 'ip', 'link', 'set', wan, 'up')
    inNs(router, 'ip', 'route', 'add', 'default', 'via', `198.18.${n}.1`)
    inNs(router, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward')
    inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', wan, '-j', 'MASQUERADE')
    ip('addr', 'add', `198.18.${n}.1/24`, 'dev', pub)
    ip('link', 'set', pub, 'up')
    return { ns: host, privateIp: `10.${n}.0.2`, natIp: `198.18.${n}.2`, publicIp: `198.18.${n}.1` }
  }
  try {
    return { a: office('a', 1), b: office('b', 2), close }
  } catch (e) {
    close()
    throw e
  }
}
