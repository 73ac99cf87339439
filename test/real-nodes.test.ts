/**
 * Running real nodes as a small business would: `ime pstn` and two `ime node --config` processes (YAML files
 * with SIP listeners, users, HTTP and the PSTN trunk), then a PSTN call between their users, a validation run
 * over HTTP, and the learned route, all across processes. Also: a bad configuration is refused with the field
 * named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { SipPhone } from '../src/testing/scripted-phone.js'
import { killAllIme, startIme } from './support/ime-process.js'

interface NodeReady {
  multiaddrs: string[]
  http: string
  sipTcp: string
  edge: { sipWs: string }
}

const dir = mkdtempSync(join(tmpdir(), 'ime-real-'))
afterAll(() => {
  killAllIme()
  rmSync(dir, { recursive: true, force: true })
})
const portOf = (uri: string) => Number(/:(\d+)(;|$)/.exec(uri)![1])

describe('ime pstn and ime node --config, as separate processes', () => {
  it('carries a PSTN call between two nodes, then validates it and learns the route', async () => {
    const pstnFile = join(dir, 'pstn.yaml')
    writeFileSync(
      pstnFile,
      stringify({
        tcp: 0,
        setupDelayMs: { min: 50, max: 100 },
        subscribers: [
          { account: 'trunk-a', password: 'trunk-a-secret', numbers: ['+16505550101'] },
          { account: 'trunk-b', password: 'trunk-b-secret', numbers: ['+14085550100'] },
        ],
      }),
    )
    const pstn = await startIme<{ sipTcp: string }>(['pstn', '--config', pstnFile])
    const nodeConfig = (name: string, number: string, user: string, bootstrap: string[]) => {
      const file = join(dir, `${name}.yaml`)
      writeFileSync(
        file,
        stringify({
          domain: `${name}.example`,
          data: join(dir, name),
          numbers: [number],
          p2p: { bootstrap },
          sip: {
            edge: { tcp: 0, ws: 0 },
            internal: { tcp: 0 },
            pstn: { uri: pstn.ready.sipTcp, user: `trunk-${name}`, password: `trunk-${name}-secret` },
          },
          http: { port: 0, operatorToken: `operator-token-of-${name}` },
          users: [{ name: user, password: `${user}-password`, number }],
          validation: { minCallMs: 500, delayMinMs: 0, delayMaxMs: 0, pollMs: 3_600_000, proofsToTrust: 1 },
        }),
      )
      return file
    }
    const b = await startIme<NodeReady>(['node', '--config', nodeConfig('b', '+14085550100', 'bob', [])])
    const a = await startIme<NodeReady>([
      'node',
      '--config',
      nodeConfig('a', '+16505550101', 'alice', [b.ready.multiaddrs[0]!]),
    ])
    expect((await fetch(`${a.ready.http}/api/health`)).status).toBe(200)

    const bob = await SipPhone.connect({
      transport: 'TCP',
      port: portOf(b.ready.sipTcp),
      user: 'bob',
      password: 'bob-password',
      domain: 'b.example',
    })
    const alice = await SipPhone.connect({
      transport: 'TCP',
      port: portOf(a.ready.sipTcp),
      user: 'alice',
      password: 'alice-password',
      domain: 'a.example',
    })
    try {
      expect((await bob.register()).status).toBe(200)
      expect((await alice.register()).status).toBe(200)
      // The trunks register shortly after start; the first call may need a moment.
      let call = await alice.call('sip:+14085550100@a.example')
      for (let i = 0; i < 20 && call.final.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 250))
        call = await alice.call('sip:+14085550100@a.example')
      }
      expect(call.final.status).toBe(200)
      await new Promise((r) => setTimeout(r, 800))
      expect((await alice.bye(call.dialog!)).status).toBe(200)
      await new Promise((r) => setTimeout(r, 300))

      const run = await fetch(`${a.ready.http}/api/validation/run`, {
        method: 'POST',
        headers: { authorization: 'Bearer operator-token-of-a' },
      })
      const { outcomes } = (await run.json()) as { outcomes: { outcome: string; domain?: string }[] }
      expect(outcomes).toContainEqual(expect.objectContaining({ outcome: 'validated', domain: 'b.example' }))
      const routes = await fetch(`${a.ready.http}/api/routes`, {
        headers: { authorization: 'Bearer operator-token-of-a' },
      })
      expect(JSON.stringify(await routes.json())).toContain(`:${portOf(b.ready.edge.sipWs)};transport=ws`)

      // A third node of the ring, with no part in the call, dies (kill -9) while the next call is up: the call
      // (over IME: b's edge checks the ticket) is unaffected, and so is the one after.
      const c = await startIme<NodeReady>([
        'node',
        '--data',
        join(dir, 'c'),
        '--domain',
        'c.example',
        '--number',
        '+13125550100',
        '--bootstrap',
        b.ready.multiaddrs[0]!,
      ])
      const ime = await alice.call('sip:+14085550100@a.example')
      expect(ime.final.status).toBe(200)
      c.child.kill('SIGKILL')
      await c.exited
      await new Promise((r) => setTimeout(r, 300))
      expect((await alice.bye(ime.dialog!)).status).toBe(200)
      const after = await alice.call('sip:+14085550100@a.example')
      expect(after.final.status).toBe(200)
      expect((await alice.bye(after.dialog!)).status).toBe(200)
      const metrics = await (
        await fetch(`${b.ready.http}/metrics`, { headers: { authorization: 'Bearer operator-token-of-b' } })
      ).text()
      expect(metrics).toMatch(/^ime_tickets_checked_total\{outcome="accepted"\} 2$/m)
    } finally {
      await alice.close()
      await bob.close()
    }
  }, 90_000)

  it('refuses a configuration with a wrong field, naming it', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      stringify({ domain: 'b.example', sip: { edge: { tcp: 'five' }, internal: { tcp: 0 } }, colour: 'blue' }),
    )
    await expect(startIme(['node', '--config', file])).rejects.toThrow(
      /sip.edge.tcp: must be a port number[^]*unknown field colour/,
    )
  })
})
