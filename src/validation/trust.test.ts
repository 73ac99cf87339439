import { describe, expect, it } from 'vitest'
import { PROOFS_TO_TRUST } from './constants.js'
import { isTrusted, proofsNeeded } from './trust.js'

describe('evidence before trust', () => {
  it('a new claimer needs PROOFS_TO_TRUST distinct calls; one trusted before needs one', () => {
    expect(PROOFS_TO_TRUST).toBe(2)
    expect(proofsNeeded({ provenCalls: 1, wasTrusted: false, incumbents: [] })).toBe(2)
    expect(isTrusted({ provenCalls: 1, wasTrusted: false, incumbents: [] })).toBe(false)
    expect(isTrusted({ provenCalls: 2, wasTrusted: false, incumbents: [] })).toBe(true)
    expect(isTrusted({ provenCalls: 1, wasTrusted: true, incumbents: [] })).toBe(true)
    expect(isTrusted({ provenCalls: 1, wasTrusted: false, incumbents: [] }, 1)).toBe(true)
  })

  it('in a conflict the newcomer needs more proved calls than the established claimer has', () => {
    expect(proofsNeeded({ provenCalls: 1, wasTrusted: false, incumbents: [5, 2] })).toBe(6)
    expect(isTrusted({ provenCalls: 5, wasTrusted: false, incumbents: [5] })).toBe(false)
    expect(isTrusted({ provenCalls: 6, wasTrusted: false, incumbents: [5] })).toBe(true)
    // An incumbent with one proof (a demo's, or grandfathered) still costs the newcomer PROOFS_TO_TRUST.
    expect(proofsNeeded({ provenCalls: 1, wasTrusted: false, incumbents: [1] })).toBe(2)
    // Two claimers both trusted before (both established) stay trusted: the conflict is reported, not decided.
    expect(isTrusted({ provenCalls: 1, wasTrusted: true, incumbents: [9] })).toBe(true)
  })
})
