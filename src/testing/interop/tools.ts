/**
 * Finding the external tools the interop tests drive. A missing tool is an error naming the exact apt-get command
 * that installs it (Debian 12), never a skipped test: a suite that silently skips proves nothing.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Debian package of each tool. Kamailio's ticket check needs crypto.so, which Debian ships in kamailio-tls-modules. */
export const TOOL_PACKAGES = {
  sipp: ['sip-tester'],
  kamailio: ['kamailio', 'kamailio-tls-modules'],
} as const

export type Tool = keyof typeof TOOL_PACKAGES

/** Where Debian puts daemons: not on an ordinary user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin']

/** Directory of Kamailio's modules on Debian x86-64. */
export const KAMAILIO_MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules'

export function installCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y ${packages.join(' ')}`
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The absolute path of `tool`, or an Error that says how to install it. */
export function findTool(tool: Tool): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const path = join(dir, tool)
    if (executable(path)) return path
  }
  throw new Error(`${tool} is not installed; as root run: ${installCommand(TOOL_PACKAGES[tool])}`)
}

/** Checks a Kamailio module is there (crypto.so comes in a separate package). */
export function requireKamailioModule(name: string): void {
  const path = join(KAMAILIO_MODULES, `${name}.so`)
  try {
    accessSync(path, constants.R_OK)
  } catch {
    const pkg = name === 'crypto' || name === 'tls' ? 'kamailio-tls-modules' : `the package that holds ${name}.so`
    throw new Error(`Kamailio module ${path} is missing; as root run: ${installCommand([pkg])}`)
  }
}
