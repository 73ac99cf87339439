/**
 * The demo serves the built web app (softphone and operator page): `npm start` builds it first when web/dist is
 * missing or older than its sources, with Vite's own API (output on stderr: stdout carries the ready line).
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** The built app's directory, building it if needed; undefined when this checkout has no web app. */
export async function ensureWebBuilt(root: string, say: (line: string) => void): Promise<string | undefined> {
  const web = join(root, 'web')
  const dist = join(web, 'dist')
  if (!existsSync(join(web, 'index.html'))) return undefined
  const built = existsSync(join(dist, 'index.html')) ? statSync(join(dist, 'index.html')).mtimeMs : 0
  if (built >= newestSource(web) && built >= statSync(join(root, 'vite.config.ts')).mtimeMs) return dist
  say('building the softphone (vite build)...')
  const { build, createLogger } = await import('vite')
  const logger = createLogger('warn')
  const toStderr = (msg: string) => say(msg)
  await build({
    root: web,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    customLogger: { ...logger, info: toStderr, warn: toStderr, warnOnce: toStderr, error: toStderr },
  })
  return dist
}
