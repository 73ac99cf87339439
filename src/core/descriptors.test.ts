import { describe, expect, it } from 'vitest'
import { descriptorUse, parseDescriptorLimit, raiseDescriptorLimit } from './descriptors.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63704                63704                processes
Max open files            1024                 524288               files
`

describe('descriptor limits', () => {
  it('reads the soft and hard limit from /proc/PID/limits', () => {
    expect(parseDescriptorLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 })
    expect(parseDescriptorLimit(LIMITS.replace('524288', 'unlimited'))).toEqual({ soft: 1024, hard: Infinity })
    expect(parseDescriptorLimit('nothing here')).toBeUndefined()
  })

  it('raises the soft limit to the hard one with prlimit, or says what to do', () => {
    let soft = 1024
    const calls: string[][] = []
    const read = () => ({ soft, hard: 4096 })
    const raised = raiseDescriptorLimit(
      (cmd, args) => {
        calls.push([cmd, ...args])
        soft = 4096
        return { status: 0, stderr: '' }
      },
      read,
      42,
    )
    expect(calls).toEqual([['prlimit', '--pid', '42', '--nofile=4096:4096']])
    expect(raised).toEqual({
      ok: true,
      value: { before: { soft: 1024, hard: 4096 }, after: { soft: 4096, hard: 4096 } },
    })
    // Already at the hard limit (Node raises it itself at start-up): nothing to run.
    expect(raiseDescriptorLimit(() => ({ status: 1, stderr: 'not called' }), read).ok).toBe(true)
    soft = 1024
    const missing = raiseDescriptorLimit(
      () => ({ status: null, stderr: '', error: new Error('spawn prlimit ENOENT') }),
      read,
    )
    expect(missing).toMatchObject({ ok: false })
    expect(!missing.ok && missing.error).toMatch(/prlimit \(spawn prlimit ENOENT\); install util-linux.*ulimit -n 4096/)
  })

  it('counts this process’s descriptors (Linux)', () => {
    const use = descriptorUse()
    expect(use?.open).toBeGreaterThan(3)
    expect(use!.limit).toBeGreaterThanOrEqual(use!.open)
  })
})
