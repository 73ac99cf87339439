/**
 * The built web app (web/dist): files by path, index.html for any other path (the single-page app routes in
 * the browser). A path with a `..` segment, a backslash or a NUL (after decoding) is refused, and so is any
 * file whose real path lies outside the root (a symlink out of it).
 */
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, sep } from 'node:path'
import { err, ok, type Result } from '../core/result.js'

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; " +
    "form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'microphone=(self), camera=(self), geolocation=()',
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

/** The path relative to the root, or why it is refused. `rawPath` is the request path before any normalising. */
export function staticPath(rawPath: string): Result<string> {
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return err('the path has malformed %-encoding')
  }
  if (!decoded.startsWith('/')) return err('the path must start with /')
  if (decoded.includes('\0') || decoded.includes('\\')) return err('the path has a NUL or a backslash')
  const segments = decoded.split('/').filter((s) => s !== '')
  if (segments.some((s) => s === '..' || s === '.')) return err('the path has a . or .. segment')
  return ok(segments.join('/'))
}

export type StaticOutcome = { served: true } | { served: false; status: 400 | 404; error: string }

export async function serveStatic(
  root: string,
  rawPath: string,
  res: ServerResponse,
  head: boolean,
): Promise<StaticOutcome> {
  const relative = staticPath(rawPath)
  if (!relative.ok) return { served: false, status: 400, error: `path refused: ${relative.error}` }
  let realRoot: string
  try {
    realRoot = await realpath(root)
  } catch {
    return { served: false, status: 404, error: `no web app is built (nothing at ${root}); run npx vite build` }
  }
  const direct = relative.value === '' ? undefined : await fileWithin(realRoot, relative.value)
  // A missing file with an extension is a missing file; any other path is one of the app's own pages.
  if (direct === undefined && extname(relative.value) !== '') {
    return { served: false, status: 404, error: `no file /${relative.value}` }
  }
  const file = direct ?? (await fileWithin(realRoot, 'index.html'))
  if (file === undefined) return { served: false, status: 404, error: `no web app is built (no index.html in ${root})` }
  const isIndex = file.path === join(realRoot, 'index.html')
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(file.size),
    // Vite names built assets by content hash: they may be cached for good; index.html must be revalidated.
    'cache-control':
      isIndex || !relative.value.startsWith('assets/') ? 'no-cache' : 'public, max-age=31536000, immutable',
  })
  if (head) res.end()
  else createReadStream(file.path).pipe(res)
  return { served: true }
}

async function fileWithin(realRoot: string, relative: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const path = await realpath(join(realRoot, relative))
    if (!path.startsWith(realRoot + sep)) return undefined
    const info = await stat(path)
    return info.isFile() ? { path, size: info.size } : undefined
  } catch {
    return undefined
  }
}
