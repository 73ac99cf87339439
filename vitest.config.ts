import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The 2-core CI machine: libp2p tests start many nodes; keep concurrency modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
})
