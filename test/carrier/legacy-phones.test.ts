/**
 * The demo's legacy phones (a real baresip) when the port after theirs is taken: baresip binds SIP over TLS on
 * port + 1, and stops. The error names the clash in baresip's words, which is what `ime demo --carrier` looks for
 * before it starts the phones again on fresh ports; once the port is free, the phones start and take calls on TCP.
 */
import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import type { E164 } from '../../src/core/e164.js'
import { findExecutable } from '../../src/core/daemon.js'
import { freePorts } from '../../src/core/free-ports.js'
import { startLegacyPhones } from '../../src/demo/legacy-phones.js'

const HOST = '127.0.0.1'
const phones = [{ number: '+13125550199' as E164, toneHz: 1_150 }]

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(server))
  })

describe.skipIf(findExecutable('baresip') === undefined)('legacy phones (baresip) and their ports', () => {
  const servers: Server[] = []
  afterAll(() => servers.forEach((s) => s.close()))

  it('says "Address already in use" when the TLS port after theirs is taken, and starts once it is free', async () => {
    const port = await freePorts(HOST, 2)
    const squatter = await listen(port + 1)
    servers.push(squatter)
    await expect(startLegacyPhones({ host: HOST, port, domain: 'carrier.test', phones })).rejects.toThrow(
      /Address already in use/,
    )
    await new Promise<void>((resolve) => squatter.close(() => resolve()))
    const started = await startLegacyPhones({ host: HOST, port, domain: 'carrier.test', phones })
    try {
      expect(started.address).toBe(`${HOST}:${port}`)
    } finally {
      await started.stop()
    }
  }, 60_000)
})
