import { describe, expect, it } from 'vitest'
import { LATE, settleWithGrace } from './stragglers.js'

const after = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms))

describe('settleWithGrace', () => {
  it('waits for every task that settles within the grace after the quorum', async () => {
    const got = await settleWithGrace([after(5, 'a'), after(10, 'b'), after(30, 'c')], 2, () => 200)
    expect(got).toEqual(['a', 'b', 'c'])
  })

  it('drops a task still running once the quorum and its grace have passed', async () => {
    const t0 = performance.now()
    const got = await settleWithGrace([after(5, 'a'), after(10, 'b'), after(1_000, 'c')], 2, (ms) => {
      expect(ms).toBeGreaterThanOrEqual(9)
      return 40
    })
    expect(got).toEqual(['a', 'b', LATE])
    expect(performance.now() - t0).toBeLessThan(500)
  })

  it('is Promise.all when the quorum is every task, and rejects with the first failure', async () => {
    expect(await settleWithGrace([after(5, 1), after(20, 2)], 2, () => 0)).toEqual([1, 2])
    await expect(settleWithGrace([after(5, 1), Promise.reject(new Error('boom'))], 1, () => 0)).rejects.toThrow('boom')
  })
})
