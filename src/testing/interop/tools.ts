/**
 * Finding the external tools the tests drive. Every one is on scripts/system-packages.sh's list, which `npm test`
 * installs (test/system-packages.test.ts checks that no test runs a program the list lacks). A missing tool is an
 * error naming the exact apt-get command that installs it (Debian 12), never a skipped test: a suite that silently
 * skips proves nothing.
 */
import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { projectRoot } from '../project-root.js'

const PACKAGE_SCRIPT = join(projectRoot(), 'scripts/system-packages.sh')

/** Program (or file) -> the Debian package that installs it, from scripts/system-packages.sh's PACKAGES block. */
export function toolPackages(): Map<string, string> {
  const script = readFileSync(PACKAGE_SCRIPT, 'utf8')
  const block = /^PACKAGES='\n([\s\S]*?)^'$/m.exec(script)
  if (block === null) throw new Error(`${PACKAGE_SCRIPT} has no PACKAGES='...' block`)
  const packages = new Map<string, string>()
  for (const line of block[1]!.split('\n')) {
    const [pkg, ...probes] = line.trim().split(/\s+/)
    if (pkg !== undefined && pkg !== '') for (const probe of probes) packages.set(probe, pkg)
  }
  return packages
}

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
export function findTool(tool: string): string {
  const pkg = toolPackages().get(tool)
  if (pkg === undefined)
    throw new Error(`${tool} is not on scripts/system-packages.sh's list; add its Debian package there`)
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS]
  for (const dir of dirs) {
    const path = join(dir, tool)
    if (executable(path)) return path
  }
  throw new Error(`${tool} is not installed; as root run: ${installCommand([pkg])}`)
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
