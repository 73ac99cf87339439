/**
 * `ime bench ...`: benchmarks that report medians and compare against a peer run side by side.
 *
 * The benchmarks (bench/) pull in test tools, fast-check, SIPp and Kamailio drivers: each is imported only when
 * it is chosen, so that `ime node` and the other commands never load them. The list below holds the name and
 * summary `ime bench --help` prints; src/cli/bench.test.ts checks they match the modules' own, and that
 * importing the CLI loads no benchmark.
 */
import { lazyCommand as lazy, type Command } from './command.js'

/** Each benchmark is a Command exported from a module in bench/; list it here. */
export const benches: readonly Command[] = [
  lazy(
    'dht',
    'Chord lookups: hops and success in a simulated ring (--sim), latency over libp2p (--real)',
    async () => (await import('../../bench/dht.js')).dhtBench,
  ),
  lazy(
    'flood',
    'unticketed INVITEs (or idle connections: --connections) flooding the node while ticketed calls go on',
    async () => (await import('../../bench/flood.js')).floodBench,
  ),
  lazy(
    'footprint',
    'RSS and heap of one ime node with 100 numbers, after start-up and idle; launch-to-ready time',
    async () => (await import('../../bench/footprint.js')).footprintBench,
  ),
  lazy(
    'fuzz',
    'the long fuzz run: N inputs per target, accepted/refused, time per input, heap (exit 1 on failure)',
    async () => (await import('../../bench/fuzz.js')).fuzzBench,
  ),
  lazy(
    'keys',
    'number-key derivations per second on one core, and the cost to enumerate 10^10 numbers',
    async () => (await import('../../bench/keys.js')).keysBench,
  ),
  lazy(
    'sip',
    'calls/s through a SIP server over TCP with SIPp (tickets in every INVITE), vs Kamailio',
    async () => (await import('../../bench/sip.js')).sipBench,
  ),
  lazy(
    'soak',
    'the demo world under synthetic calls (PSTN first, then IME) and churn; failures and memory growth',
    async () => (await import('../../bench/soak.js')).soakBench,
  ),
  lazy(
    'tickets',
    'ticket verifications per second on one core (valid and forged)',
    async () => (await import('../../bench/tickets.js')).ticketsBench,
  ),
  lazy(
    'validation',
    'knowledge-proof validations between two libp2p nodes on loopback: latency and rate',
    async () => (await import('../../bench/validation.js')).validationBench,
  ),
]

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks (readable table; --json prints one JSON object as the last line)',
  help: 'Usage: ime bench BENCHMARK [options]',
  options: {},
  subcommands: benches,
}
