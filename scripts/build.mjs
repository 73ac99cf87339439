// Builds the server (the `ime` command: node, PSTN gateway, demo, and the benchmarks as chunks loaded only by
// `ime bench`) to JavaScript with esbuild: one ESM bundle, dist/ime.js, plus lazily imported chunks. A bundle starts
// faster and holds less memory than a tree of modules (see docs/footprint.md). Plain JavaScript so that it runs
// without a TypeScript loader: `npm run build`, or bin/ime.js when dist/ is missing or older than the sources.
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const OUT = join(ROOT, 'dist')
export const ENTRY_OUT = join(OUT, 'ime.js')
/** What the bundle is built from: a change to any of these makes dist/ stale. */
const INPUTS = ['src', 'bench', 'package.json', 'package-lock.json', 'scripts/build.mjs']

function newest(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'artifacts' || entry.name.endsWith('.test.ts')) continue
    latest = Math.max(latest, newest(join(path, entry.name)))
  }
  return latest
}

/**
 * Dependencies' parts a node never uses, left out of the bundle (docs/footprint.md):
 * - the WASM ChaCha20-Poly1305 and SHA-256 that @chainsafe/libp2p-noise instantiates at import: the node gives
 *   Noise Node's own crypto (src/p2p/noise-crypto.ts); the stand-ins throw if anything calls them;
 * - zod's 40 translations of its error messages (290 KB of source): the node speaks English only.
 */
const lean = {
  name: 'lean',
  setup(b) {
    b.onResolve({ filter: /^@chainsafe\/as-(chacha20poly1305|sha256)$/ }, (a) => ({ path: a.path, namespace: 'lean' }))
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (a) =>
      a.importer.includes('/node_modules/zod/')
        ? { path: 'zod-locales', namespace: 'lean', pluginData: join(a.resolveDir, dirname(a.path)) }
        : undefined,
    )
    b.onLoad({ filter: /.*/, namespace: 'lean' }, (a) => {
      if (a.path === 'zod-locales') {
        return { contents: "export { default as en } from './en.js'\n", resolveDir: a.pluginData, loader: 'js' }
      }
      const unused = `throw new Error('${a.path} is left out of the build: give Noise nodeNoiseCrypto (src/p2p/noise-crypto.ts)')`
      return {
        contents: `export function newInstance() { return {} }
export class ChaCha20Poly1305 { seal() { ${unused} } open() { ${unused} } }
export function digest() { ${unused} }
`,
        loader: 'js',
      }
    })
  },
}

/** True when dist/ime.js is missing or older than anything it is built from. */
export function stale() {
  if (!existsSync(ENTRY_OUT)) return true
  const built = statSync(ENTRY_OUT).mtimeMs
  return INPUTS.some((input) => newest(join(ROOT, input)) > built)
}

/** Builds dist/ (into a fresh directory, then renamed into place, so a concurrent run never sees half of it). */
export async function build() {
  const { build: esbuild } = await import('esbuild')
  const staging = `${OUT}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { ime: 'src/cli.ts' },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Whitespace and syntax only: names stay, so stack traces still say where.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
    metafile: true,
    plugins: [lean],
    // ws's optional native speed-ups, and Vite (the demo builds the softphone with it when web/dist is stale).
    external: ['bufferutil', 'utf-8-validate', 'vite'],
    // Bundled CommonJS dependencies call require(): give them one.
    banner: {
      js: "import { createRequire as __imeRequire } from 'node:module'; const require = __imeRequire(import.meta.url);",
    },
  })
  writeFileSync(join(staging, 'meta.json'), JSON.stringify(result.metafile))
  writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n')
  const old = `${OUT}.${process.pid}.old`
  if (existsSync(OUT)) renameSync(OUT, old)
  renameSync(staging, OUT)
  rmSync(old, { recursive: true, force: true })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now()
  await build()
  process.stderr.write(`built ${ENTRY_OUT} in ${Math.round(performance.now() - started)} ms\n`)
}
