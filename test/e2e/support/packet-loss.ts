/**
 * Real packet loss on one UDP flow: an iptables (and ip6tables) chain of this process that drops, at random with the given
 * probability (the `statistic` match), the packets between two UDP ports, both ways. Only that flow is touched
 * (the ports of one call's selected candidate pair); remove() takes the chain away, always (call it in finally).
 */
import { execFileSync } from 'node:child_process'

export interface PacketLoss {
  readonly chain: string
  remove(): void
}

/** Both families: a browser's host candidates on one machine may be IPv4 or IPv6. */
const iptables = (...args: string[]) => {
  execFileSync('iptables', ['-w', ...args], { stdio: 'pipe' })
  execFileSync('ip6tables', ['-w', ...args], { stdio: 'pipe' })
}

/** Runs `run`, ignoring a failure (a rule or chain that is not there). */
const quietly = (run: () => unknown) => {
  try {
    run()
  } catch {
    // not there (never made, or already gone)
  }
}

/** Needs root (the e2e tests run as root, as for their network namespaces). */
export function dropBetweenPorts(a: number, b: number, probability: number): PacketLoss {
  if (!(probability > 0 && probability < 1)) throw new Error(`drop probability must be in (0, 1); got ${probability}`)
  for (const p of [a, b]) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`bad UDP port ${p}`)
  const chain = `IME_LOSS_${process.pid}_${a}`.slice(0, 28)
  const remove = () => {
    for (const args of [
      ['-D', 'INPUT', '-j', chain],
      ['-F', chain],
      ['-X', chain],
    ]) {
      quietly(() => execFileSync('iptables', ['-w', ...args], { stdio: 'pipe' }))
      quietly(() => execFileSync('ip6tables', ['-w', ...args], { stdio: 'pipe' }))
    }
  }
  try {
    iptables('-N', chain)
    const drop = ['-m', 'statistic', '--mode', 'random', '--probability', String(probability), '-j', 'DROP']
    iptables('-A', chain, '-p', 'udp', '--sport', String(a), '--dport', String(b), ...drop)
    iptables('-A', chain, '-p', 'udp', '--sport', String(b), '--dport', String(a), ...drop)
    iptables('-I', 'INPUT', '1', '-j', chain)
  } catch (e) {
    remove()
    throw e
  }
  return { chain, remove }
}

/** Run in the page: the UDP ports of the selected candidate pair of the page's newest live peer connection. */
export async function selectedPairPorts(): Promise<{ local: number; remote: number } | undefined> {
  const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs
  const pc = [...pcs].reverse().find((p) => p.connectionState === 'connected')
  if (pc === undefined) return undefined
  const stats = new Map<string, Record<string, unknown>>()
  ;(await pc.getStats()).forEach((s: Record<string, unknown>) => stats.set(String(s.id), s))
  const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId)
  const pair = transport === undefined ? undefined : stats.get(String(transport.selectedCandidatePairId))
  if (pair === undefined) return undefined
  const local = Number(stats.get(String(pair.localCandidateId))?.port)
  const remote = Number(stats.get(String(pair.remoteCandidateId))?.port)
  return Number.isInteger(local) && Number.isInteger(remote) ? { local, remote } : undefined
}

/** Run in the page: how many of its peer connections are not closed. */
export function livePeerConnections(): number {
  return (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((p) => p.connectionState !== 'closed')
    .length
}
