/**
 * Running Kamailio from a config template in src/testing/interop/kamailio: parameters `{{NAME}}` are replaced, the config
 * is written to a new temporary directory, checked (-c), and Kamailio runs in the foreground (-DD -E) with its own
 * port, shared (-m) and private (-M) memory sizes, and that directory as working and runtime directory: nothing
 * outside it is written. stop() sends SIGTERM to the main process (which ends its children), SIGKILL after 3 s.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitListening } from './listening.js'
import { findTool, KAMAILIO_MODULES, requireKamailioModule } from './tools.js'
import { projectRoot } from '../project-root.js'

export const KAMAILIO_DIR = join(projectRoot(), 'src/testing/interop/kamailio/')

export interface KamailioOptions {
  /** A file in src/testing/interop/kamailio, e.g. 'baseline-proxy.cfg'. */
  config: string
  /** Values for the template's {{NAME}} parameters; every parameter in the template must be given. */
  params: Readonly<Record<string, string | number>>
  /** Preprocessor defines (-A NAME), e.g. WITH_TICKETS. */
  defines?: readonly string[]
  /** TCP ports Kamailio must listen on before start resolves. */
  ports: readonly number[]
  /** Modules whose presence is checked first (with an apt-get hint when missing). */
  modules?: readonly string[]
  /** Shared memory, MB (-m). */
  sharedMb?: number
  /** Private memory per process, MB (-M). */
  privateMb?: number
  /** Memory manager for shared and private memory (-x, -X); Kamailio's default (qm) when absent. */
  memoryManager?: 'qm' | 'fm' | 'tlsf'
}

export interface KamailioProcess {
  readonly dir: string
  /** The main process, leader of the process group its workers share. */
  readonly pid: number | undefined
  readonly command: string
  /** What Kamailio wrote on stderr so far (its log, -E, kept in dir/kamailio.log), last 200,000 characters. */
  log(): string
  stop(): Promise<number | null>
}

const running = new Set<ChildProcess>()

/** SIGKILL to the process group this module started (Kamailio's main process and its workers). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

function tail(path: string, chars: number): string {
  const text = readFileSync(path, 'utf8')
  return text.length > chars ? text.slice(-chars) : text
}

/** The template with every {{NAME}} replaced; throws if one is left without a value. */
export function renderTemplate(template: string, params: Readonly<Record<string, string | number>>): string {
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (match, name: string) =>
    params[name] === undefined ? match : String(params[name]),
  )
  const left = [...new Set(text.match(/\{\{[A-Z_]+\}\}/g) ?? [])]
  if (left.length > 0) throw new Error(`Kamailio template parameters without a value: ${left.join(', ')}`)
  return text
}

export async function startKamailio(options: KamailioOptions): Promise<KamailioProcess> {
  const kamailio = findTool('kamailio')
  for (const m of options.modules ?? []) requireKamailioModule(m)
  const dir = mkdtempSync(join(tmpdir(), 'ime-kamailio-'))
  const cfg = join(dir, 'kamailio.cfg')
  writeFileSync(cfg, renderTemplate(readFileSync(join(KAMAILIO_DIR, options.config), 'utf8'), options.params))
  const common = ['-f', cfg, '-L', KAMAILIO_MODULES, ...(options.defines ?? []).flatMap((d) => ['-A', d])]
  const check = spawnSync(kamailio, ['-c', ...common], { encoding: 'utf8', timeout: 10_000 })
  if (check.status !== 0) {
    throw new Error(`Kamailio refused ${cfg} (exit ${check.status}):\n${check.stderr}${check.stdout}`)
  }
  const args = [...common, '-DD', '-E', '-m', String(options.sharedMb ?? 64), '-M', String(options.privateMb ?? 8)]
  args.push('-Y', dir, '-w', dir)
  if (options.memoryManager !== undefined) args.push('-x', options.memoryManager, '-X', options.memoryManager)
  const command = `${kamailio} ${args.join(' ')}`
  // Its own process group, so that killing the group ends the workers too even if the main process dies first.
  const logPath = join(dir, 'kamailio.log')
  const logFd = openSync(logPath, 'a')
  const child = spawn(kamailio, args, { cwd: dir, stdio: ['ignore', 'ignore', logFd], detached: true })
  closeSync(logFd)
  running.add(child)
  // Once it has stopped, its folder is removed and the log's tail is kept here (thousands of runs left them in /tmp).
  let lastLog: string | undefined
  const log = () => lastLog ?? tail(logPath, 200_000)
  const removeDir = () => {
    lastLog = tail(logPath, 200_000)
    rmSync(dir, { recursive: true, force: true })
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child)
      resolve(code)
    }),
  )
  const exitedEarly = exited.then((code) => {
    throw new Error(`Kamailio exited (${code}) before listening: ${command}\n${log().slice(-5000)}`)
  })
  exitedEarly.catch(() => undefined)
  try {
    for (const port of options.ports) {
      await Promise.race([waitListening(port, 'Kamailio', 10_000, () => log().slice(-5000)), exitedEarly])
    }
  } catch (e) {
    killGroup(child)
    throw e
  }
  return {
    dir,
    pid: child.pid,
    command,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        if (lastLog === undefined) removeDir()
        return child.exitCode
      }
      child.kill('SIGTERM')
      const timer = setTimeout(() => killGroup(child), 3000)
      const code = await exited
      clearTimeout(timer)
      removeDir()
      return code
    },
  }
}

/** Kills (SIGKILL) every Kamailio main process this process started that is still running. */
export function killAllKamailio(): void {
  for (const c of running) killGroup(c)
  running.clear()
}
