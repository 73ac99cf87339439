import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'

/** The softphone's budget: everything its page loads (HTML, JavaScript, CSS, service worker), gzipped. */
const SOFTPHONE_BUDGET_BYTES = 120 * 1024

/**
 * Measures what the softphone page loads, gzipped, after each build: its HTML, its entry chunk and every chunk
 * that imports, their CSS, the service worker and the manifest. Fails the build above the budget.
 */
function softphoneBudget(): Plugin {
  return {
    name: 'softphone-budget',
    apply: 'build',
    writeBundle(_options, bundle) {
      const size = (name: string): number => {
        const out = bundle[name]
        if (out === undefined) return 0
        return gzipSync(out.type === 'chunk' ? out.code : out.source).length
      }
      const entry = Object.values(bundle).find((o) => o.type === 'chunk' && o.isEntry && o.name === 'softphone')
      if (entry === undefined || entry.type !== 'chunk') return this.error('the build has no softphone entry chunk')
      const files = new Set<string>(['index.html', 'sw.js', 'manifest.webmanifest'])
      const visit = (name: string) => {
        const chunk = bundle[name]
        if (chunk === undefined || chunk.type !== 'chunk' || files.has(name)) return
        files.add(name)
        for (const css of chunk.viteMetadata?.importedCss ?? []) files.add(css)
        for (const imported of chunk.imports) visit(imported)
      }
      visit(entry.fileName)
      // sw.js and the manifest are copied from web/public, outside the bundle: read from the output directory.
      let total = 0
      for (const name of files) total += size(name)
      total += publicSize(resolve(import.meta.dirname, 'web/dist'), ['sw.js', 'manifest.webmanifest'], bundle)
      const kb = (total / 1024).toFixed(1)
      const line = `softphone: ${kb} KB gzipped (HTML, JavaScript, CSS, service worker, manifest); budget ${SOFTPHONE_BUDGET_BYTES / 1024} KB`
      if (total > SOFTPHONE_BUDGET_BYTES) return this.error(`${line}: over budget`)
      console.log(line)
    },
  }
}

function publicSize(dir: string, names: readonly string[], bundle: Record<string, unknown>): number {
  let total = 0
  for (const name of names) {
    if (bundle[name] !== undefined) continue
    try {
      total += gzipSync(readFileSync(resolve(dir, name))).length
    } catch {
      // not built (no web/public): nothing to count
    }
  }
  return total
}

// The softphone (index.html) and the operator page (operator.html) in web/, served by each node's HTTP server
// once built. `npm run build:web` writes web/dist and reports each chunk's gzipped size, and the softphone's total.
export default defineConfig({
  root: 'web',
  plugins: [softphoneBudget()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: true,
    target: 'es2022',
    // JsSIP alone is about 100 KB before gzip; the softphone's whole budget is SOFTPHONE_BUDGET_BYTES gzipped.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: {
        softphone: resolve(import.meta.dirname, 'web/index.html'),
        operator: resolve(import.meta.dirname, 'web/operator.html'),
      },
      // Code and CSS used by both pages (number handling, the stylesheet).
      output: { chunkFileNames: 'assets/shared-[hash].js' },
    },
  },
})
