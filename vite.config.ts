import { defineConfig } from 'vite'

// The softphone and the operator dashboard (web/), served by each node's HTTP server once built.
export default defineConfig({
  root: 'web',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: true,
  },
})
