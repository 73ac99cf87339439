import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { applyEnvironment, checkNodeConfig } from './node-config.js'

describe('node configuration', () => {
  it('accepts the documented example, with the password from the environment', () => {
    const example = parse(readFileSync('docs/node.example.yaml', 'utf8')) as Record<string, unknown>
    const checked = checkNodeConfig(example, { IME_BOB_PASSWORD: 'secret' })
    expect(checked.ok).toBe(true)
    if (!checked.ok) return
    expect(checked.value.users[0]).toMatchObject({ name: 'bob', password: 'secret', role: 'user' })
    expect(checked.value.sip?.edge).toEqual({ tcp: 5070, ws: 5072 })
  })

  it('takes the digest algorithms a face offers, as one list or per listener', () => {
    const sip = (digest: unknown) => ({
      domain: 'b.example',
      sip: { edge: { tcp: 0 }, internal: { tcp: 0, ws: 0, digest } },
    })
    const per = checkNodeConfig(sip({ tcp: ['SHA-256', 'MD5'], ws: ['MD5'] }))
    expect(per.ok && per.value.sip?.internal.digest).toEqual({ tcp: ['SHA-256', 'MD5'], ws: ['MD5'] })
    expect(checkNodeConfig(sip(['SHA-256'])).ok).toBe(true)
    for (const bad of [[], ['MD5', 'MD5'], ['SHA-512'], { udp: ['MD5'] }])
      expect(checkNodeConfig(sip(bad)).ok).toBe(false)
  })

  it('takes limits on inbound connections for SIP and HTTP, each optional', () => {
    const config = (inbound: unknown) => ({
      domain: 'b.example',
      sip: { edge: { tcp: 0 }, internal: { tcp: 0 }, inbound },
      http: { port: 0, inbound },
    })
    const checked = checkNodeConfig(config({ perSource: 1000, firstMessageMs: 3000 }))
    expect(checked.ok && checked.value.sip?.inbound).toEqual({ perSource: 1000, firstMessageMs: 3000 })
    expect(checked.ok && checked.value.http?.inbound).toEqual({ perSource: 1000, firstMessageMs: 3000 })
    const bad = checkNodeConfig(config({ perSource: 0, firstMessage: 1 }))
    expect(!bad.ok && bad.error).toMatch(/sip\.inbound/)
  })

  it('takes a provider trunk with the media bridge, and says what a trunk lacks', () => {
    const sip = (pstn: unknown, mediaBridge?: unknown) => ({
      domain: 'b.example',
      sip: { edge: { tcp: 0 }, internal: { tcp: 0 }, pstn, ...(mediaBridge !== undefined && { mediaBridge }) },
    })
    const trunk = {
      uri: 'sip:sip.carrier.example:5061;transport=tls',
      failover: ['sip:sip2.carrier.example:5061;transport=tls'],
      user: 'acct',
      password: 'secret',
      register: false,
      allowFrom: ['198.51.100.10'],
      listen: { udp: 5080 },
      media: 'bridge',
      numberForm: 'digits',
      keepaliveS: 30,
    }
    const bridge = { mode: 'start', mediaAddress: '192.0.2.10', mediaPorts: { min: 30000, max: 30999 } }
    const checked = checkNodeConfig(sip(trunk, bridge))
    expect(checked.ok && checked.value.sip?.mediaBridge).toMatchObject({ mode: 'start', ngPort: 22222 })
    const errors = (c: ReturnType<typeof checkNodeConfig>) => (c.ok ? '' : c.error)
    expect(errors(checkNodeConfig(sip(trunk)))).toMatch(/sip.pstn.media is bridge but sip.mediaBridge is not/)
    expect(errors(checkNodeConfig(sip({ ...trunk, allowFrom: undefined }, bridge)))).toMatch(/needs allowFrom/)
    expect(errors(checkNodeConfig(sip(trunk, { mode: 'start' })))).toMatch(/mediaBridge.mediaAddress must be/)
  })

  it('takes several trunks in order of preference; each error names the trunk by its index', () => {
    const sip = (pstn: unknown, mediaBridge?: unknown) => ({
      domain: 'b.example',
      sip: { edge: { tcp: 0 }, internal: { tcp: 0 }, pstn, ...(mediaBridge !== undefined && { mediaBridge }) },
    })
    const main = { name: 'main', uri: 'sip:sip.main.example;transport=tcp', user: 'acct', password: 'secret' }
    const backup = { uri: 'sip:198.51.100.10:5060;transport=udp', user: '99', password: 'other', numberForm: 'digits' }
    const checked = checkNodeConfig(sip([main, backup]))
    expect(checked.ok && checked.value.sip?.pstn).toEqual([main, backup])
    const errors = (c: ReturnType<typeof checkNodeConfig>) => (c.ok ? '' : c.error)
    expect(errors(checkNodeConfig(sip([main, { ...backup, uri: 'http://x' }])))).toMatch(
      /^sip\.pstn\.1\.uri: must be a sip: or sips: URI; got "http:\/\/x"$/,
    )
    expect(errors(checkNodeConfig(sip([main, { ...backup, register: false }])))).toMatch(
      /^sip\.pstn\.1: a trunk that does not register \(register: false\) needs allowFrom/,
    )
    expect(errors(checkNodeConfig(sip([main, { ...backup, passwd: 'x' }])))).toBe('sip.pstn.1: unknown field passwd')
    expect(errors(checkNodeConfig(sip([main, { ...backup, media: 'bridge' }])))).toMatch(
      /sip\.pstn\.1\.media is bridge but sip\.mediaBridge is not configured/,
    )
    const face = { listen: { tcp: 5080 }, register: false, allowFrom: ['198.51.100.10'] }
    expect(
      errors(
        checkNodeConfig(
          sip([
            { ...main, ...face },
            { ...backup, ...face },
          ]),
        ),
      ),
    ).toMatch(/^sip\.pstn: the trunk face is shared: give listen on one trunk only/)
    expect(errors(checkNodeConfig(sip([])))).toMatch(/^sip\.pstn: must list at least one trunk/)
    expect(errors(checkNodeConfig(sip([main, { ...backup, name: 'main' }])))).toMatch(
      /^sip\.pstn\.1\.name: main names an earlier trunk too/,
    )
    // A single trunk's errors keep their names.
    expect(errors(checkNodeConfig(sip({ ...main, uri: 'http://x' })))).toMatch(/^sip\.pstn\.uri: must be a sip:/)
  })

  it('takes mid-call fallback settings (sip.midcallFallback), unknown fields refused', () => {
    const sip = (midcallFallback: unknown) => ({
      domain: 'b.example',
      sip: { edge: { tcp: 0 }, internal: { tcp: 0 }, midcallFallback },
    })
    const ok = checkNodeConfig(sip({ dids: ['+12025550190'], maxConcurrent: 50, watch: { holdDownMs: 6000 } }))
    expect(ok.ok && ok.value.sip?.midcallFallback).toEqual({
      dids: ['+12025550190'],
      maxConcurrent: 50,
      watch: { holdDownMs: 6000 },
    })
    expect(checkNodeConfig(sip({ dids: [] })).ok).toBe(false)
    expect(checkNodeConfig(sip({ dids: ['+12025550190'], watch: { holdMs: 1 } })).ok).toBe(false)
  })

  it('names each wrong field and what was wrong, and refuses unknown fields', () => {
    const checked = checkNodeConfig({
      domain: 'B.example',
      sip: { edge: { tcp: 70000 }, internal: { ws: 'x' } },
      users: [{ name: 'bob', password: 'p', extra: 1 }],
      vaildation: {},
    })
    expect(checked.ok).toBe(false)
    if (checked.ok) return
    expect(checked.error.split('\n')).toEqual([
      'domain: must be a lowercase domain name, e.g. b.example; got "B.example"',
      'sip.edge.tcp: must be a port number, 0 to 65535; got 70000',
      'sip.internal.ws: must be a port number, 0 to 65535; got "x"',
      'users.0: unknown field extra',
      'unknown field vaildation',
    ])
  })

  it('checks what a schema cannot: passwords, duplicates, listeners, delays', () => {
    const base = { domain: 'b.example' }
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, users: [{ name: 'bob' }] }, /users.0.password: give either password or passwordEnv/],
      [{ ...base, users: [{ name: 'bob', passwordEnv: 'NOPE' }] }, /environment variable NOPE is not set/],
      [
        {
          ...base,
          users: [
            { name: 'bob', password: 'a' },
            { name: 'bob', password: 'b' },
          ],
        },
        /bob appears twice/,
      ],
      [{ ...base, sip: { edge: {}, internal: { tcp: 0 } } }, /sip.edge: give a tcp or ws port/],
      [{ ...base, validation: { delayMinMs: 10, delayMaxMs: 5 } }, /delayMaxMs: must not be less/],
      [{ ...base, http: { port: 80, operatorToken: 'short' } }, /http.operatorToken: must be at least 16 characters/],
    ]
    for (const [input, message] of cases) {
      const checked = checkNodeConfig(input)
      expect(checked.ok ? 'accepted' : checked.error).toMatch(message)
    }
  })

  it('reads STUN and TURN servers, with the TURN secret from the environment, and refuses what cannot work', () => {
    const turn = { urls: ['turn:turn.b.example:3478?transport=udp'], secretEnv: 'TURN_SECRET' }
    const ok = checkNodeConfig(
      { domain: 'b.example', ice: { stun: ['stun:turn.b.example'], turn } },
      {
        TURN_SECRET: 'a-long-enough-secret',
      },
    )
    expect(ok.ok && ok.value.ice).toEqual({
      stun: ['stun:turn.b.example'],
      turn: { ...turn, secret: 'a-long-enough-secret', ttlSeconds: 3600 },
      policy: 'all',
    })
    const refused = (ice: unknown, env = {}) => {
      const r = checkNodeConfig({ domain: 'b.example', ice }, env)
      return r.ok ? 'accepted' : r.error
    }
    expect(refused({ turn })).toBe(
      'ice.turn.secretEnv: environment variable TURN_SECRET is not set to 16 or more characters',
    )
    expect(refused({ turn: { urls: turn.urls } })).toBe('ice.turn: give either secret or secretEnv')
    expect(refused({ policy: 'relay' })).toBe(
      'ice.policy: relay needs ice.turn (without a TURN server no call could connect)',
    )
    expect(refused({ stun: ['turn:x'] })).toBe('ice.stun.0: must be a stun: URL; got "turn:x"')
    expect(refused({ turn: { urls: turn.urls, secret: 'short' } })).toBe(
      'ice.turn.secret: must be at least 16 characters; got "short"',
    )
  })

  it('lets the environment override the file', () => {
    const raw = applyEnvironment(
      { domain: 'a.example', http: { port: 1 } },
      {
        IME_DOMAIN: 'c.example',
        IME_HTTP_PORT: '8081',
        IME_BOOTSTRAP: '/ip4/1.2.3.4/tcp/1/p2p/x, /ip4/5.6.7.8/tcp/2/p2p/y',
      },
    )
    expect(raw).toMatchObject({
      domain: 'c.example',
      http: { port: 8081 },
      p2p: { bootstrap: ['/ip4/1.2.3.4/tcp/1/p2p/x', '/ip4/5.6.7.8/tcp/2/p2p/y'] },
    })
  })
})
