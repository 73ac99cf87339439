/**
 * rtpengine as the node starts it, and the bridge when rtpengine is missing, taken, down or stopped mid-call: each
 * case ends in an error a person can act on (and a counted outcome), never a hang or silent audio.
 */
import { createSocket } from 'node:dgram'
import { afterEach, describe, expect, it } from 'vitest'
import { createMediaBridge, type BridgeRequestCounter } from '../../src/media-bridge/bridge.js'
import { localMediaBridgeConfig, parseMediaBridgeConfig } from '../../src/media-bridge/config.js'
import { createNgClient } from '../../src/media-bridge/ng-client.js'
import { openMediaBridge } from '../../src/media-bridge/open.js'
import { rtpengineArguments, startRtpengine, type RtpengineProcess } from '../../src/media-bridge/rtpengine.js'
import { freePorts, LOCALHOST } from '../../src/testing/interop/ports.js'
import { plainSdp } from '../../src/testing/rtp/plain-sdp.js'

const running: { stop(): Promise<void> }[] = []
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop()
})

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function engineOptions() {
  const min = await freePorts(8)
  return {
    ng: { host: LOCALHOST, port: await freePorts(1) },
    mediaAddress: LOCALHOST,
    mediaPorts: { min, max: min + 7 },
  }
}

function counter(): BridgeRequestCounter & { seen: string[] } {
  const seen: string[] = []
  return { seen, inc: (l) => seen.push(`${l.command}:${l.outcome}`) }
}

describe('starting rtpengine', () => {
  it('runs in user space, on loopback, with its own settings only, and frees ports on delete at once', () => {
    const args = rtpengineArguments({
      ng: { host: LOCALHOST, port: 22222 },
      mediaAddress: '10.0.0.5',
      advertisedAddress: '203.0.113.9',
      mediaPorts: { min: 30000, max: 30999 },
    })
    expect(args).toEqual([
      '--config-file=none',
      '--foreground',
      '--table=-1',
      '--interface=10.0.0.5!203.0.113.9',
      '--listen-ng=127.0.0.1:22222',
      '--port-min=30000',
      '--port-max=30999',
      '--delete-delay=0',
      '--log-stderr',
      '--log-level=5',
    ])
  })

  it('answers ping once started, and is gone after stop', async () => {
    const engine = await startRtpengine(await engineOptions())
    const client = createNgClient({ address: engine.ng })
    expect(await client.ping()).toEqual({ ok: true, value: undefined })
    client.close()
    expect(alive(engine.pid)).toBe(true)
    await engine.stop()
    expect(alive(engine.pid)).toBe(false)
    await engine.stop() // twice is fine
  })

  it('not installed: says which package to install', async () => {
    await expect(startRtpengine(await engineOptions(), null)).rejects.toThrow(
      'rtpengine is not installed; as root run: apt-get install -y rtpengine-daemon',
    )
  })

  it('an ng port another rtpengine answers on: says so instead of driving the wrong one', async () => {
    const options = await engineOptions()
    const first: RtpengineProcess = await startRtpengine(options)
    running.push(first)
    const min = await freePorts(8)
    await expect(startRtpengine({ ...options, mediaPorts: { min, max: min + 7 } })).rejects.toThrow(
      `an rtpengine already answers ng on 127.0.0.1:${options.ng.port}; choose another port`,
    )
  })

  it('an ng port some other program holds: the error carries its exit and its own words', async () => {
    const options = await engineOptions()
    const holder = createSocket('udp4')
    await new Promise<void>((resolve) => holder.bind(options.ng.port, LOCALHOST, resolve))
    try {
      await expect(startRtpengine(options)).rejects.toThrow(
        new RegExp(`^rtpengine exited \\(\\d+\\) before it answered on ng 127\\.0\\.0\\.1:${options.ng.port}: .+`, 's'),
      )
    } finally {
      holder.close()
    }
  })
})

describe('opening the bridge from the config', () => {
  it('mode start: the node runs rtpengine and the bridge answers', async () => {
    const min = await freePorts(8)
    const opened = await openMediaBridge(localMediaBridgeConfig(await freePorts(1), { min, max: min + 7 }))
    expect(opened.ok, opened.ok ? '' : opened.error).toBe(true)
    if (!opened.ok) return
    running.push(opened.value)
    expect(opened.value.started).toBe(true)
    expect((await opened.value.bridge.ping()).ok).toBe(true)
  })

  it('mode start without the package: the error names the package', async () => {
    const opened = await openMediaBridge(localMediaBridgeConfig(22_222, { min: 30_000, max: 30_009 }), {
      program: null,
    })
    expect(opened).toEqual({
      ok: false,
      error: 'media bridge: rtpengine is not installed; as root run: apt-get install -y rtpengine-daemon',
    })
  })

  it('mode external with nothing there: the error names the address and the config field', async () => {
    const port = await freePorts(1)
    const config = parseMediaBridgeConfig({ mode: 'external', ng: `127.0.0.1:${port}`, timeoutMs: 300 })
    expect(config.ok).toBe(true)
    if (!config.ok) return
    expect(await openMediaBridge(config.value)).toEqual({
      ok: false,
      error:
        `media bridge: ping failed: rtpengine at 127.0.0.1:${port} did not answer ping within 300 ms (3 tries); ` +
        'is it running? (mediaBridge.ng in the config names it; is rtpengine running there?)',
    })
  })
})

describe('the bridge when rtpengine goes away', () => {
  it('stopped mid-call: the next request fails fast with the cause, counted as unreachable', async () => {
    const engine = await startRtpengine(await engineOptions())
    running.push(engine)
    const requests = counter()
    const client = createNgClient({ address: engine.ng, timeoutMs: 500 })
    const bridge = createMediaBridge({ client, requests })
    try {
      const offered = await bridge.offer({
        callId: 'mid-call',
        fromTag: 'trunk',
        sdp: plainSdp({ address: LOCALHOST, port: 40_000 }),
        toward: 'browser',
      })
      expect(offered.ok).toBe(true)
      expect(bridge.sessions()).toEqual(['mid-call'])
      await engine.stop()
      const started = Date.now()
      const deleted = await bridge.delete('mid-call')
      expect(Date.now() - started).toBeLessThan(1_500)
      expect(deleted).toEqual({
        ok: false,
        error: {
          kind: 'unreachable',
          message: `media bridge: delete of call mid-call failed: rtpengine at 127.0.0.1:${engine.ng.port} did not answer delete within 500 ms (3 tries); is it running?`,
        },
      })
      // The session stays listed: the call agent can retry the delete when rtpengine is back.
      expect(bridge.sessions()).toEqual(['mid-call'])
      expect(requests.seen).toEqual(['offer:ok', 'delete:unreachable'])
    } finally {
      client.close()
    }
  })

  it('bad input never reaches rtpengine: the error says what is wrong', async () => {
    const requests = counter()
    const client = createNgClient({ address: { host: LOCALHOST, port: 9 } })
    const bridge = createMediaBridge({ client, requests })
    const sdp = plainSdp({ address: LOCALHOST, port: 40_000 })
    const cases: [Parameters<typeof bridge.offer>[0], string][] = [
      [{ callId: '', fromTag: 'a', sdp, toward: 'trunk' }, 'the Call-ID is empty'],
      [{ callId: 'c', fromTag: ' ', sdp, toward: 'trunk' }, 'the From tag is empty'],
      [{ callId: 'c', fromTag: 'a', sdp: 'hello', toward: 'trunk' }, 'the SDP does not start with v=0'],
      [{ callId: 'c', fromTag: 'a', sdp: 'v=0\r\ns=-\r\n', toward: 'trunk' }, 'the SDP has no audio stream (m=audio)'],
      [{ callId: 'c', fromTag: 'a', sdp, toward: 'pbx' as 'trunk' }, `toward must be 'trunk' or 'browser', not "pbx"`],
    ]
    for (const [request, why] of cases) {
      expect(await bridge.offer(request)).toEqual({
        ok: false,
        error: {
          kind: 'bad-request',
          message: `media bridge: offer toward the ${request.toward} for call ${request.callId} failed: ${why}`,
        },
      })
    }
    expect(requests.seen).toEqual(Array(cases.length).fill('offer:bad-request'))
    client.close()
  })
})
