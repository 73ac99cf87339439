/**
 * File descriptors (docs/security.md, "Floods of connections"): every socket, file and SQLite handle of the
 * process takes one, and at the limit every part fails to accept or open anything. JavaScript cannot call
 * setrlimit(2); Node itself raises the soft RLIMIT_NOFILE to the hard limit at start-up (PlatformInit in
 * src/node.cc, unless an embedder passes kNoAdjustResourceLimits), so the limit that counts is the hard one, set
 * by the operator: systemd's LimitNOFILE= (docs/ime-node.service) or `ulimit -Hn`. At start the node checks, and
 * where the soft limit is still below the hard one it asks util-linux's `prlimit` to raise it (allowed for a
 * process of the same user without privileges). Linux only (/proc); elsewhere these report nothing.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { err, ok, type Result } from './result.js'

export interface DescriptorLimit {
  readonly soft: number
  readonly hard: number
}

export interface DescriptorUse {
  readonly open: number
  readonly limit: number
}

/** The soft and hard RLIMIT_NOFILE from /proc/PID/limits ('unlimited' read as Infinity). */
export function parseDescriptorLimit(limitsText: string): DescriptorLimit | undefined {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'))
  const m = line === undefined ? null : /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(line)
  if (m === null) return undefined
  const n = (v: string) => (v === 'unlimited' ? Infinity : Number(v))
  return { soft: n(m[1]!), hard: n(m[2]!) }
}

export function descriptorLimit(pid: number | 'self' = 'self'): DescriptorLimit | undefined {
  try {
    return parseDescriptorLimit(readFileSync(`/proc/${pid}/limits`, 'utf8'))
  } catch {
    return undefined
  }
}

/** Descriptors open now and the soft limit, or undefined where /proc is not there. */
export function descriptorUse(): DescriptorUse | undefined {
  const limit = descriptorLimit()
  if (limit === undefined) return undefined
  try {
    // The directory listing itself opens one descriptor, counted here: a near-exact figure is enough.
    return { open: readdirSync('/proc/self/fd').length, limit: limit.soft }
  } catch {
    return undefined
  }
}

export interface RaisedLimit {
  readonly before: DescriptorLimit
  readonly after: DescriptorLimit
}

/**
 * Raises this process's soft descriptor limit to its hard limit with `prlimit` (`run` is injectable for tests).
 * An error says what to do: install util-linux, or raise the hard limit (LimitNOFILE=, ulimit -Hn).
 */
export function raiseDescriptorLimit(
  run: (cmd: string, args: string[]) => { status: number | null; stderr: string; error?: Error } = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5_000 })
    return { status: r.status, stderr: r.stderr ?? '', ...(r.error !== undefined && { error: r.error }) }
  },
  read: () => DescriptorLimit | undefined = () => descriptorLimit(),
  pid = process.pid,
): Result<RaisedLimit> {
  const before = read()
  if (before === undefined) return err('the descriptor limit is unknown here (no /proc/self/limits)')
  if (before.soft >= before.hard) return ok({ before, after: before })
  const hard = before.hard === Infinity ? 'unlimited' : String(before.hard)
  const r = run('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`])
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim() || `exit status ${r.status}`)
    return err(
      `could not raise the descriptor limit from ${before.soft} to ${hard} with prlimit (${why}); install ` +
        `util-linux, or start the node with the soft limit raised (ulimit -n ${hard}; systemd LimitNOFILE=)`,
    )
  }
  const after = read() ?? before
  return ok({ before, after })
}
