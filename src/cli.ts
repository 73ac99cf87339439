/**
 * The `ime` command line: `npm run --silent ime -- COMMAND [options]`.
 * Each command is a module of its own; this file only lists them and turns errors into exit codes.
 */
import { helpText, runCommand, UsageError, type Command } from './cli/command.js'
import { commands } from './cli/commands.js'

const ime: Command = {
  name: 'ime',
  summary: 'an open Intercompany Media Engine node, PSTN gateway and benchmarks',
  help: 'Usage: ime COMMAND [options]',
  options: {},
  subcommands: [...commands],
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(helpText(ime, 'ime'))
    return argv.length === 0 ? 2 : 0
  }
  return runCommand(ime, argv, 'ime')
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`ime: ${e.message}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`ime: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
      process.exitCode = 1
    }
  },
)
