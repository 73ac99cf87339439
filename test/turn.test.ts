/**
 * coturn as the node starts it, checking the credentials the node mints: coturn's own TURN client
 * (turnutils_uclient) allocates a relay and sends through it with a fresh credential, and is refused with an
 * expired one or one minted with another secret.
 */
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { turnCredential } from '../src/http/ice-servers.js'
import { freePorts, LOCALHOST } from '../src/testing/interop/ports.js'
import { findTool } from '../src/testing/interop/tools.js'
import { startCoturn, stunAnswers, type Coturn } from '../src/turn/coturn.js'

const SECRET = 'a-test-secret-of-some-length'
let turn: Coturn
let port: number

/** Runs coturn's client against the server: did the allocation and the transmission work? */
function allocate(username: string, credential: string): Promise<{ ok: boolean; output: string }> {
  const uclient = findTool('turnutils_uclient')
  return new Promise((resolve) =>
    execFile(
      uclient,
      ['-y', '-n', '1', '-m', '1', '-u', username, '-w', credential, '-p', String(port), LOCALHOST],
      { timeout: 20_000 },
      (_e, stdout, stderr) => {
        const output = `${stdout}${stderr}`
        resolve({ ok: /Total lost packets 0 /.test(output) && !/ERROR/.test(output), output })
      },
    ),
  )
}

describe('coturn with the node-minted credentials', () => {
  beforeAll(async () => {
    port = await freePorts(1)
    const relay = await freePorts(20)
    turn = await startCoturn({
      listeningIp: LOCALHOST,
      port,
      relayPorts: { min: relay, max: relay + 19 },
      realm: 'test.ime',
      secret: SECRET,
      allowLoopbackPeers: true,
    })
  }, 30_000)
  afterAll(async () => turn?.stop())

  it('answers STUN and names its TURN URLs', async () => {
    expect(await stunAnswers(LOCALHOST, port)).toBe(true)
    expect(turn.urls).toEqual([`turn:${LOCALHOST}:${port}?transport=udp`, `turn:${LOCALHOST}:${port}?transport=tcp`])
  })

  it('relays for a fresh credential, refuses an expired one and one from another secret', async () => {
    const now = Math.floor(Date.now() / 1000)
    const fresh = turnCredential(SECRET, 'alice', now + 600)
    const good = await allocate(fresh.username, fresh.credential)
    expect(good.ok, good.output).toBe(true)
    const expired = turnCredential(SECRET, 'alice', now - 60)
    expect((await allocate(expired.username, expired.credential)).output).toMatch(/Cannot complete Allocation/)
    const forged = turnCredential('another-secret-entirely', 'alice', now + 600)
    expect((await allocate(forged.username, forged.credential)).output).toMatch(/Cannot complete Allocation/)
  }, 60_000)

  it('says what is wrong when it cannot start', async () => {
    const free = await freePorts(1)
    const options = { listeningIp: LOCALHOST, relayPorts: { min: 1, max: 2 }, realm: 'x', secret: SECRET }
    await expect(startCoturn({ ...options, port }, '/usr/bin/turnserver')).rejects.toThrow(
      `a STUN/TURN server already answers on ${LOCALHOST}:${port}; choose another port`,
    )
    await expect(startCoturn({ ...options, port: free }, '/nope/turnserver')).rejects.toThrow(
      /^coturn exited \(spawn \/nope\/turnserver ENOENT\)/,
    )
    await expect(startCoturn({ ...options, port: free }, null)).rejects.toThrow(
      'coturn is not installed (no turnserver); as root run: apt-get install -y coturn',
    )
  })
})
