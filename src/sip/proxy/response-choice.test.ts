import { describe, expect, it } from 'vitest'
import { isBetterResponse, type Candidate } from './response-choice.js'

const real = (status: number): Candidate => ({ status, local: false })
const local = (status: number): Candidate => ({ status, local: true })

/** The response passed upstream from these branch answers, in arrival order. */
function choose(answers: readonly Candidate[]): Candidate | undefined {
  let best: Candidate | undefined
  for (const a of answers) if (isBetterResponse(a, best)) best = a
  return best
}

describe('the response a forking proxy passes upstream (RFC 3261 section 16.7)', () => {
  it.each([
    ['a 6xx beats everything else', [real(486), real(603), real(500)], 603],
    ['a 6xx beats a 3xx', [real(302), real(600)], 600],
    ['then the lowest class: 3xx over 4xx over 5xx', [real(500), real(404), real(302)], 302],
    ['4xx over 5xx', [real(503), real(486)], 486],
    ['busy over not available', [real(480), real(486), real(408)], 486],
    ['a real 486 over a local 503 (a dead stale binding)', [local(503), real(486)], 486],
    ['a real 603 over a local 503, whatever the order', [real(603), local(503)], 603],
    ['a real 500 over a local 408', [local(408), real(500)], 500],
    ['only local answers: the lowest class', [local(503), local(408)], 408],
    ['ties keep the first', [real(403), real(488)], 403],
  ] as const)('%s', (_, answers, want) => {
    expect(choose(answers)?.status).toBe(want)
  })
})
