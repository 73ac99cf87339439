/**
 * Runs `ime bench sip` on its own until src/cli/bench.ts lists sipBench:
 *   node_modules/.bin/node --import tsx bench/sip-cli.ts --rate 500,1000 --vs kamailio
 */
import { runCommand, UsageError } from '../src/cli/command.js'
import { sipBench } from './sip.js'

runCommand(sipBench, process.argv.slice(2), 'ime bench sip').then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(
      `ime bench sip: ${e instanceof Error ? (e instanceof UsageError ? e.message : e.stack) : String(e)}\n`,
    )
    process.exitCode = e instanceof UsageError ? 2 : 1
  },
)
