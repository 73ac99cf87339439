import { afterEach, describe, expect, it } from 'vitest'
import { OPERATOR_TOKEN, startTestNode, type TestNode } from '../testing/http-test-node.js'
import type { DirectoryEntry } from './contacts.js'

const nodes: TestNode[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close()
})

const DIRECTORY: DirectoryEntry[] = [
  { name: 'carol', number: '+12015550102', registered: false },
  { name: 'alice', number: '+12015550100', registered: true },
  { name: 'bob', number: '+12015550101', registered: true },
]

describe('GET /api/contacts', () => {
  it("lists the enterprise's other users with their presence, sorted, never cached", async () => {
    const node = await startTestNode({ directory: () => DIRECTORY })
    nodes.push(node)
    const res = await fetch(`${node.url}/api/contacts`, {
      headers: { authorization: `Bearer ${node.session('alice')}` },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({
      contacts: [
        { name: 'bob', number: '+12015550101', registered: true },
        { name: 'carol', number: '+12015550102', registered: false },
      ],
    })
  })

  it('is for signed-in users only; a node without a directory says so', async () => {
    const node = await startTestNode()
    nodes.push(node)
    expect((await fetch(`${node.url}/api/contacts`)).status).toBe(401)
    const res = await fetch(`${node.url}/api/contacts`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'this node keeps no directory' })
  })
})
