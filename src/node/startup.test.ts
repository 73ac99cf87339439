import { describe, expect, it } from 'vitest'
import { DisposeError } from '../core/disposer-stack.js'
import { NodeStartError, Startup } from './startup.js'

describe('Startup', () => {
  it('stops the parts started so far, last first, when a step fails, and names the step', async () => {
    const stopped: string[] = []
    const startup = new Startup()
    await startup.step('store', () => ({ stop: () => void stopped.push('store') }))
    await startup.step('peer', async () => ({ stop: async () => void stopped.push('peer') }))
    const cause = new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080')
    const error = await startup
      .step('http', () => Promise.reject(cause))
      .then(
        () => undefined,
        (e: unknown) => e as NodeStartError,
      )
    expect(stopped).toEqual(['peer', 'store'])
    expect(error).toBeInstanceOf(NodeStartError)
    expect(error?.step).toBe('http')
    expect(error?.cause).toBe(cause)
    expect(String(error)).toBe(
      'NodeStartError: node start failed at step "http": listen EADDRINUSE: address already in use 127.0.0.1:8080',
    )
    expect(error?.cleanup).toBeUndefined()
  })

  it('reports a part that failed to stop after a failed step, besides the step', async () => {
    const startup = new Startup()
    await startup.step('peer', () => ({
      stop: () => {
        throw new Error('libp2p hung')
      },
    }))
    const error = (await startup
      .step('sip', () => Promise.reject(new Error('bad TLS key')))
      .catch((e: unknown) => e)) as NodeStartError
    expect(error.message).toBe(
      'node start failed at step "sip": bad TLS key; and then stopping failed at "peer" (libp2p hung)',
    )
    expect(error.cleanup).toBeInstanceOf(DisposeError)
    expect(error.cleanup?.failures.map((f) => f.label)).toEqual(['peer'])
  })

  it('stops every part once, however often stop is called', async () => {
    let stops = 0
    const startup = new Startup()
    await startup.step('a', () => ({ stop: () => void stops++ }))
    await startup.step('b', () => ({ stop: () => void stops++ }))
    await Promise.all([startup.stop(), startup.stop()])
    await startup.stop()
    expect(stops).toBe(2)
    await expect(startup.step('late', () => ({ stop: () => undefined }))).rejects.toThrow(
      'node start failed at step "late": the node was stopped',
    )
  })
})
