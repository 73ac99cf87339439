/** The `ime` command's subcommands, listed by name and summary; src/cli.ts runs them. */
import { benchCommand } from './bench.js'
import { lazyCommand, type Command } from './command.js'

/** Each command's module is imported when it is chosen: a node loads no demo world, gateway or benchmark. */
export const commands: readonly Command[] = [
  lazyCommand(
    'demo',
    'start the demo world on loopback: a PSTN gateway and enterprises in one ring',
    async () => (await import('./demo-command.js')).demoCommand,
  ),
  lazyCommand(
    'node',
    'run an IME node: a new ring, or join one with --bootstrap',
    async () => (await import('./node-command.js')).nodeCommand,
  ),
  lazyCommand(
    'pstn',
    'run the PSTN gateway: routes calls by number to the enterprise that owns it',
    async () => (await import('./pstn-command.js')).pstnCommand,
  ),
  benchCommand,
]
