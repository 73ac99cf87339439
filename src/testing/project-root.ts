/**
 * The checkout's root directory, found from this module's own location by walking up to the package.json: the
 * same answer whether this runs from its TypeScript source (src/testing/) or bundled into dist/ by `npm run build`
 * (where paths relative to import.meta.url would point into dist/).
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

let root: string | undefined

export function projectRoot(): string {
  if (root !== undefined) return root
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'testing'))) return (root = dir)
    if (dirname(dir) === dir)
      throw new Error(`no checkout (package.json beside src/testing/) above ${import.meta.dirname}`)
  }
}
