import { defineConfig } from 'vitest/config'

// The browser tests (test/e2e) each start a demo world, nodes and browsers: run two at once, or beside the other
// suites, on the 2-core CI machine, and their calls' 2 s IME timeouts and audio checks start to fail for want of
// CPU. So the other suites run first, two files at a time; then the browser tests, one file at a time.
const E2E = 'test/e2e/**/*.test.ts'

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The 2-core CI machine: libp2p tests start many nodes; keep concurrency modest.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suites',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
          exclude: [E2E, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'browsers', include: [E2E], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
