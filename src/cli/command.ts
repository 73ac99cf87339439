/**
 * The shape of an `ime` subcommand: its options (node's util.parseArgs), a help text, and what it does.
 * Each command lives in its own module; src/cli.ts only lists them.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'

export interface Command {
  readonly name: string
  /** One line for the command list. */
  readonly summary: string
  /** Usage and option descriptions, printed by --help. */
  readonly help: string
  readonly options: ParseArgsOptionsConfig
  /** Subcommands (e.g. `bench dht`); when present, the first positional picks one. */
  readonly subcommands?: readonly Command[]
  /**
   * For a command whose module is costly to import (a benchmark): imports it when the command is chosen. The
   * listing uses name and summary from here; help, options and run come from the loaded command.
   */
  load?(): Promise<Command>
  run?(args: ParsedArgs): Promise<number>
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>
  readonly positionals: readonly string[]
}

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export async function runCommand(command: Command, argv: readonly string[], path: string): Promise<number> {
  if (command.subcommands !== undefined && argv.length > 0 && !argv[0]!.startsWith('-')) {
    const sub = command.subcommands.find((c) => c.name === argv[0])
    if (sub === undefined) {
      throw new UsageError(`unknown command "${path} ${argv[0]}"; try "${path} --help"`)
    }
    const chosen = sub.load === undefined ? sub : await sub.load()
    return runCommand(chosen, argv.slice(1), `${path} ${sub.name}`)
  }
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; try "${path} --help"`)
  }
  if (parsed.values.help === true || command.run === undefined) {
    process.stdout.write(helpText(command, path))
    return command.run === undefined && parsed.values.help !== true ? 2 : 0
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals })
}

export function helpText(command: Command, path: string): string {
  let text = `${path}: ${command.summary}\n\n${command.help.trimEnd()}\n`
  if (command.subcommands !== undefined) {
    text += '\nCommands:\n'
    for (const sub of command.subcommands) text += `  ${sub.name.padEnd(12)} ${sub.summary}\n`
    text += `\nRun "${path} COMMAND --help" for a command's options.\n`
  }
  return text
}

/** Reads an integer option, with a clear error naming the option when it is not one. */
export function intOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = args.values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`)
  }
  return n
}

/** Reads a decimal option in [min, max]. */
export function numberOption(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const raw = args.values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}; got ${JSON.stringify(raw)}`)
  }
  return n
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const raw = args.values[name]
  return typeof raw === 'string' ? raw : undefined
}

/**
 * Resolves with the signal's name on the first SIGINT or SIGTERM. Call it before starting anything, so a
 * signal that arrives while the service starts (or just after it says it is ready) is never lost.
 */
export function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(signal)
    }
    const onInt = on('SIGINT')
    const onTerm = on('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}

/**
 * A command listed by name and summary whose module is imported only when it is chosen: `ime node` then loads
 * neither the demo world nor the PSTN gateway nor any benchmark. Its name and summary must match the module's
 * own (src/cli/bench.test.ts checks them).
 */
export function lazyCommand(name: string, summary: string, load: () => Promise<Command>): Command {
  return { name, summary, help: '', options: {}, load }
}
