/** Types of scripts/build.mjs (plain JavaScript, so that it runs without a TypeScript loader). */
export declare const ROOT: string
export declare const OUT: string
export declare const ENTRY_OUT: string
/** True when dist/ime.js is missing or older than anything it is built from. */
export declare function stale(): boolean
/** Builds dist/ with esbuild. */
export declare function build(): Promise<void>
