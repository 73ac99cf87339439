import { describe, expect, it } from 'vitest'
import { parseHostPort, parseMediaBridgeConfig } from './config.js'

describe('media bridge config', () => {
  it('mode start: fills the defaults', () => {
    expect(
      parseMediaBridgeConfig({ mode: 'start', mediaAddress: '10.0.0.5', mediaPorts: { min: 30000, max: 30999 } }),
    ).toEqual({
      ok: true,
      value: {
        mode: 'start',
        mediaAddress: '10.0.0.5',
        mediaPorts: { min: 30000, max: 30999 },
        ngPort: 22222,
        timeoutMs: 2000,
      },
    })
    const natted = parseMediaBridgeConfig({
      mode: 'start',
      mediaAddress: '10.0.0.5',
      advertisedAddress: '203.0.113.9',
      mediaPorts: { min: 30000, max: 30003 },
      ngPort: 2223,
      timeoutMs: 500,
    })
    expect(natted.ok && natted.value).toMatchObject({ advertisedAddress: '203.0.113.9', ngPort: 2223, timeoutMs: 500 })
  })

  it('mode external: an IPv4 or bracketed IPv6 ng address', () => {
    expect(parseMediaBridgeConfig({ mode: 'external', ng: '192.0.2.7:22222' })).toEqual({
      ok: true,
      value: { mode: 'external', ng: { host: '192.0.2.7', port: 22222 }, timeoutMs: 2000 },
    })
    expect(parseHostPort('[::1]:2223')).toEqual({ ok: true, value: { host: '::1', port: 2223 } })
  })

  it('says what is wrong, naming the field', () => {
    const bad: [unknown, string][] = [
      [undefined, 'mediaBridge must be an object with "mode": "start" or "external"'],
      [
        { mode: 'auto' },
        'mediaBridge.mode must be "start" (the node runs rtpengine) or "external" (give "ng": "IP:PORT"), not "auto"',
      ],
      [{ mode: 'external' }, 'mediaBridge.ng must be the rtpengine\'s ng address as "IP:PORT", e.g. "127.0.0.1:22222"'],
      [
        { mode: 'external', ng: 'rtpengine.local:22222' },
        'mediaBridge.ng: rtpengine ng address host must be an IP address, not "rtpengine.local"',
      ],
      [
        { mode: 'external', ng: '127.0.0.1' },
        'mediaBridge.ng: "127.0.0.1" is not IP:PORT (IPv6 in brackets: [::1]:22222)',
      ],
      [
        { mode: 'external', ng: '127.0.0.1:70000' },
        'mediaBridge.ng: rtpengine ng port must be an integer in 1-65535, not 70000',
      ],
      [
        { mode: 'external', ng: '127.0.0.1:1', timeoutMs: 5 },
        'mediaBridge.timeoutMs must be an integer number of milliseconds in 100-30000, not 5',
      ],
      [
        { mode: 'external', ng: '127.0.0.1:1', mediaPorts: {} },
        'mediaBridge has unknown field(s) mediaPorts for mode "external"; known: mode, ng, timeoutMs',
      ],
      [
        { mode: 'start', mediaAddress: 'eth0', mediaPorts: { min: 1, max: 9 } },
        'mediaBridge.mediaAddress must be an IP address of this machine, not "eth0"',
      ],
      [
        { mode: 'start', mediaAddress: '10.0.0.5' },
        'mediaBridge.mediaPorts must be {"min": PORT, "max": PORT}, e.g. {"min": 30000, "max": 30999}',
      ],
      [
        { mode: 'start', mediaAddress: '10.0.0.5', mediaPorts: { min: 30000, max: 30002 } },
        'mediaBridge.mediaPorts 30000-30002 holds fewer than the 4 ports one bridged call needs',
      ],
      [
        { mode: 'start', mediaAddress: '10.0.0.5', mediaPorts: { min: 30000, max: 30999 }, ngPort: 30500 },
        'mediaBridge.ngPort 30500 lies inside mediaPorts 30000-30999',
      ],
      [
        {
          mode: 'start',
          mediaAddress: '10.0.0.5',
          advertisedAddress: 'example.com',
          mediaPorts: { min: 30000, max: 30999 },
        },
        'mediaBridge.advertisedAddress must be an IP address (the public one), not "example.com"',
      ],
    ]
    for (const [raw, error] of bad)
      expect(parseMediaBridgeConfig(raw), JSON.stringify(raw)).toEqual({ ok: false, error })
  })
})
