/**
 * Once per test run: builds the server (dist/, as `npm run build`) when it is missing or older than its sources, so
 * that tests which run the `ime` command (test/support/ime-process.ts) run the built output, as users do.
 */
export default async function setup(): Promise<void> {
  const { build, stale } = (await import('../scripts/build.mjs')) as {
    build: () => Promise<void>
    stale: () => boolean
  }
  if (stale()) await build()
}
