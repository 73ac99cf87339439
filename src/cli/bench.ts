/** `ime bench ...`: benchmarks that report medians and compare against a peer run side by side. */
import type { Command } from './command.js'
import { dhtBench } from '../../bench/dht.js'
import { floodBench } from '../../bench/flood.js'
import { footprintBench } from '../../bench/footprint.js'
import { fuzzBench } from '../../bench/fuzz.js'
import { keysBench } from '../../bench/keys.js'
import { ticketsBench } from '../../bench/tickets.js'
import { sipBench } from '../../bench/sip.js'
import { soakBench } from '../../bench/soak.js'
import { validationBench } from '../../bench/validation.js'

/** Each benchmark is a Command exported from a module in bench/; list it here. */
const benches: Command[] = [
  dhtBench,
  floodBench,
  footprintBench,
  fuzzBench,
  keysBench,
  sipBench,
  soakBench,
  ticketsBench,
  validationBench,
]

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks (readable table; --json prints one JSON object as the last line)',
  help: 'Usage: ime bench BENCHMARK [options]',
  options: {},
  subcommands: benches,
}
