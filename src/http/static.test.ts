import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { staticPath } from './static.js'
import { startTestNode, type TestNode } from '../testing/http-test-node.js'

/** A GET with the path sent exactly as given (fetch would normalise the dots away). */
function rawGet(
  url: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method: 'GET', path }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('static files', () => {
  let dir: string
  let node: TestNode
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ime-web-'))
    const root = join(dir, 'dist')
    mkdirSync(join(root, 'assets'), { recursive: true })
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>IME</title>')
    writeFileSync(join(root, 'assets', 'app-1234.js'), 'console.log(1)')
    writeFileSync(join(dir, 'secret.txt'), 'SECRET')
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'))
    node = await startTestNode({ webRoot: root })
  })
  afterAll(async () => {
    await node.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves files with security headers, and index.html for the app’s own paths', async () => {
    const js = await rawGet(node.url, '/assets/app-1234.js')
    expect(js.status).toBe(200)
    expect(js.body).toBe('console.log(1)')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const index = await rawGet(node.url, '/')
    expect(index.body).toContain('<title>IME</title>')
    expect(index.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/)
    expect(index.headers['x-content-type-options']).toBe('nosniff')
    expect(index.headers['x-frame-options']).toBe('DENY')
    expect(index.headers['referrer-policy']).toBe('no-referrer')
    expect(index.headers['cache-control']).toBe('no-cache')
    expect((await rawGet(node.url, '/history')).body).toContain('<title>IME</title>')
    expect((await rawGet(node.url, '/assets/missing.js')).status).toBe(404)
  })

  for (const path of [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
  ]) {
    it(`refuses ${path}`, async () => {
      const res = await rawGet(node.url, path)
      expect(res.status).toBe(400)
      expect(res.body).not.toContain('SECRET')
      expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringMatching(/^path refused: /) })
    })
  }

  it('does not follow a symlink out of the root', async () => {
    const res = await rawGet(node.url, '/link.txt')
    expect(res.status).toBe(404)
    expect(res.body).not.toContain('SECRET')
  })

  it('refuses other methods than GET and HEAD', async () => {
    expect((await fetch(node.url + '/index.html', { method: 'POST' })).status).toBe(405)
    expect((await fetch(node.url + '/index.html', { method: 'HEAD' })).status).toBe(200)
  })

  it('normalises paths without escaping', () => {
    expect(staticPath('/assets/app.js')).toEqual({ ok: true, value: 'assets/app.js' })
    expect(staticPath('//a//b/')).toEqual({ ok: true, value: 'a/b' })
    expect(staticPath('/a/./b').ok).toBe(false)
  })
})
