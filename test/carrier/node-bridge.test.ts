/**
 * The node's wiring of a bridged trunk: with `sip.mediaBridge` (mode start) the node starts rtpengine before its
 * call agent, counts the bridge's requests on /metrics (ime_media_bridge_requests_total), and stops rtpengine with
 * itself; a call out through the plain carrier gets G.711 RTP/AVP. A bridge that cannot start stops the node from
 * starting, saying why.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { E164 } from '../../src/core/e164.js'
import { createNgClient } from '../../src/media-bridge/ng-client.js'
import { startEnterpriseNode } from '../../src/node.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { audioOf } from '../../src/testing/rtp/plain-sdp.js'
import { SipPhone } from '../../src/testing/scripted-phone.js'
import { until } from '../e2e/support/media.js'
import { startPlainCarrier } from './support/plain-carrier.js'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

const ALICE = { name: 'alice', password: 'alice password', number: '+12015550100' }

describe('a node with a bridged trunk', () => {
  it('starts rtpengine with its call agent, bridges a call out, counts it on /metrics, stops rtpengine with itself', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-bridge-'))
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const carrier = await startPlainCarrier({ toneHz: 1_000 })
    cleanup.push(() => carrier.close())
    const ngPort = await freePorts(1)
    const min = await freePorts(20)
    const node = await startEnterpriseNode({
      dataDir,
      overlay: 'test',
      domain: 'a.example',
      numbers: [ALICE.number as E164],
      http: { port: 0, operatorToken: 'an-operator-token-0123456789' },
      sip: {
        edge: {},
        internal: { tcpPort: 0 },
        pstn: { uri: carrier.uri, user: 'a', password: 'trunk-secret', media: 'bridge' },
        mediaBridge: {
          mode: 'start',
          mediaAddress: LOCALHOST,
          mediaPorts: { min, max: min + 19 },
          ngPort,
          timeoutMs: 1_000,
        },
      },
      users: [ALICE],
    })
    let stopped = false
    cleanup.push(async () => void (stopped || (await node.stop())))
    await until(
      async () => carrier.registered,
      (r) => r,
      5_000,
    )
    const phone = await SipPhone.connect({
      transport: 'TCP',
      port: node.sip!.addresses.internal.tcp!,
      user: ALICE.name,
      password: ALICE.password,
      domain: 'a.example',
    })
    cleanup.push(() => phone.close())
    // The scripted phone's own SDP is plain already; the bridge still relays it (the carrier gets rtpengine's port).
    const call = await phone.call('sip:+13125550199@a.example')
    expect(call.final.status).toBe(200)
    const toCarrier = audioOf(carrier.lastSdpFromNode()!)!
    expect(toCarrier.protocol).toBe('RTP/AVP')
    expect(toCarrier.port >= min && toCarrier.port <= min + 19).toBe(true)
    expect((await phone.bye(call.dialog!)).status).toBe(200)

    const metrics = await (
      await fetch(`${node.http!.url}/metrics`, { headers: { Authorization: 'Bearer an-operator-token-0123456789' } })
    ).text()
    expect(metrics).toMatch(/^ime_media_bridge_requests_total\{command="offer",outcome="ok"\} 1$/m)
    expect(metrics).toMatch(/^ime_media_bridge_requests_total\{command="answer",outcome="ok"\} 1$/m)
    await until(
      async () =>
        /command="delete",outcome="ok"\} 1$/m.test(
          await (
            await fetch(`${node.http!.url}/metrics`, {
              headers: { Authorization: 'Bearer an-operator-token-0123456789' },
            })
          ).text(),
        ),
      (x) => x,
      3_000,
    )

    await node.stop()
    stopped = true
    const probe = createNgClient({ address: { host: LOCALHOST, port: ngPort }, timeoutMs: 300, attempts: 1 })
    expect((await probe.ping()).ok, 'rtpengine still answers after the node stopped').toBe(false)
    probe.close()
  }, 30_000)

  it('does not start when its bridge cannot: the ng port is held by another program', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ime-node-bridge-'))
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const ngPort = await freePorts(1)
    const squatter = createSocket('udp4')
    await new Promise<void>((resolve) => squatter.bind(ngPort, LOCALHOST, resolve))
    cleanup.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())))
    const min = await freePorts(20)
    await expect(
      startEnterpriseNode({
        dataDir,
        overlay: 'test',
        domain: 'a.example',
        sip: {
          edge: {},
          internal: { tcpPort: 0 },
          pstn: { uri: 'sip:127.0.0.1:9;transport=tcp', user: 'a', password: 'p', media: 'bridge' },
          mediaBridge: {
            mode: 'start',
            mediaAddress: LOCALHOST,
            mediaPorts: { min, max: min + 19 },
            ngPort,
            timeoutMs: 500,
          },
        },
      }),
    ).rejects.toThrow(/media bridge: .*rtpengine/)
  }, 30_000)
})
