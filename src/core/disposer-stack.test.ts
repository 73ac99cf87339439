import { describe, expect, it } from 'vitest'
import { DisposeError, DisposerStack } from './disposer-stack.js'

describe('DisposerStack', () => {
  it('runs the stop functions in reverse order, awaiting each', async () => {
    const stack = new DisposerStack()
    const ran: string[] = []
    stack.defer('a', () => void ran.push('a'))
    stack.defer('b', async () => {
      await new Promise((r) => setTimeout(r, 5))
      ran.push('b')
    })
    stack.defer('c', () => void ran.push('c'))
    expect(stack.size).toBe(3)
    await stack.dispose()
    expect(ran).toEqual(['c', 'b', 'a'])
    expect(stack.size).toBe(0)
  })

  it('runs every stop function when some fail, and reports all failures with their labels', async () => {
    const stack = new DisposerStack()
    const ran: string[] = []
    stack.defer('store', () => void ran.push('store'))
    stack.defer('peer', () => {
      ran.push('peer')
      throw new Error('libp2p would not stop')
    })
    stack.defer('sip', async () => {
      ran.push('sip')
      await Promise.reject(new Error('socket busy'))
    })
    const failure = await stack.dispose().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(ran).toEqual(['sip', 'peer', 'store'])
    expect(failure).toBeInstanceOf(DisposeError)
    const error = failure as DisposeError
    expect(error.failures.map((f) => f.label)).toEqual(['sip', 'peer'])
    expect(error.errors.map((e) => (e as Error).message)).toEqual(['socket busy', 'libp2p would not stop'])
    expect(error.message).toBe('stopping failed at "sip" (socket busy), "peer" (libp2p would not stop)')
  })

  it('is idempotent: a second dispose runs nothing again and shares the outcome', async () => {
    const stack = new DisposerStack()
    let runs = 0
    stack.defer('once', () => void runs++)
    const first = stack.dispose()
    const second = stack.dispose()
    await Promise.all([first, second])
    await stack.dispose()
    expect(runs).toBe(1)
    expect(stack.disposed).toBe(true)
  })

  it('refuses a stop function once disposed', async () => {
    const stack = new DisposerStack()
    await stack.dispose()
    expect(() => stack.defer('late', () => undefined)).toThrow(/already disposed/)
  })
})
