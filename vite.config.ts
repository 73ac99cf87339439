import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// The softphone (index.html) and the operator page (operator.html) in web/, served by each node's HTTP server
// once built. `npm run build:web` writes web/dist and reports each chunk's gzipped size.
export default defineConfig({
  root: 'web',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: true,
    target: 'es2022',
    // JsSIP alone is about 100 KB gzipped; 250 KB gzipped is the softphone's budget (see docs/softphone.md).
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
