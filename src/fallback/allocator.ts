/**
 * Fallback DIDs and correlation digits, one pair per IME call this node accepts (Cisco IME's rule: enough
 * digits that guessing a live call is unlikely; none free -> that call has no mid-call fallback). A DID is shared
 * by several calls only when there are more callees than DIDs: the allocator prefers a DID no other user holds,
 * so that a call to the DID can be handed to the one softphone whose call it continues. An allocation ends with
 * its call's BYE, or at the latest `maxCallMs` after it was made: a call whose BYE the node never sees (the node
 * was down, a browser vanished) does not hold its digits for ever. Pure: the random source and clock are injected.
 */
import type { E164 } from '../core/e164.js'
import type { MidcallFallbackSettings } from './settings.js'

export interface Allocation {
  /** The SIP Call-ID of the IME call. */
  readonly callId: string
  readonly did: E164
  readonly digits: string
  /** The local user the IME call rings. */
  readonly user: string
  /** Who calls, as the caller's node asserted it (the PSTN leg should come from the same number). */
  readonly caller: E164 | undefined
  /** When the allocation lapses if no BYE has released it (ms since the epoch, the node's clock). */
  readonly expiresAt: number
}

export class FallbackAllocator {
  private readonly byCall = new Map<string, Allocation>()

  /**
   * `randomInt(n)`: a uniform whole number in [0, n) (crypto's randomInt in production); `restored`: the live
   * allocations of an earlier run of the node (its stored offers), kept until their calls end or they lapse.
   */
  constructor(
    private readonly settings: Pick<MidcallFallbackSettings, 'dids' | 'digits' | 'maxConcurrent' | 'maxCallMs'>,
    private readonly randomInt: (n: number) => number,
    private readonly now: () => number,
    restored: readonly Allocation[] = [],
  ) {
    for (const a of restored) this.byCall.set(a.callId, a)
  }

  get live(): number {
    return this.byCall.size
  }

  /** Drops the allocations past their expiry; returns them. */
  sweep(): Allocation[] {
    const now = this.now()
    const lapsed = [...this.byCall.values()].filter((a) => a.expiresAt <= now)
    for (const a of lapsed) this.byCall.delete(a.callId)
    return lapsed
  }

  isDid(number: E164): boolean {
    return this.settings.dids.includes(number)
  }

  /**
   * A DID and digits for a new IME call; undefined when the node has as many as it allows (or the call has one).
   * The caller sweeps lapsed allocations first (sweep()).
   */
  allocate(callId: string, user: string, caller: E164 | undefined): Allocation | undefined {
    if (this.byCall.has(callId) || this.byCall.size >= this.settings.maxConcurrent) return undefined
    const did = this.pickDid(user)
    const taken = new Set([...this.byCall.values()].filter((a) => a.did === did).map((a) => a.digits))
    // At most maxConcurrent of >= 10 x maxConcurrent sequences are taken: a free one comes within a few draws.
    for (let attempt = 0; attempt < 64; attempt++) {
      const digits = this.sequence()
      if (taken.has(digits)) continue
      const a: Allocation = { callId, did, digits, user, caller, expiresAt: this.now() + this.settings.maxCallMs }
      this.byCall.set(callId, a)
      return a
    }
    return undefined
  }

  release(callId: string): Allocation | undefined {
    const a = this.byCall.get(callId)
    this.byCall.delete(callId)
    return a
  }

  get(callId: string): Allocation | undefined {
    return this.byCall.get(callId)
  }

  /**
   * The live calls a call to `did` from `callerId` may continue: those whose caller it is when any is (a carrier
   * normally passes the caller's number), else all on that DID. Empty: nothing to move, the call is refused.
   */
  candidates(did: E164, callerId: E164 | undefined): Allocation[] {
    const onDid = [...this.byCall.values()].filter((a) => a.did === did)
    const same = onDid.filter((a) => callerId !== undefined && a.caller === callerId)
    return same.length > 0 ? same : onDid
  }

  private pickDid(user: string): E164 {
    const { dids } = this.settings
    const others = new Set([...this.byCall.values()].filter((a) => a.user !== user).map((a) => a.did))
    const free = dids.filter((d) => !others.has(d))
    const pool = free.length > 0 ? free : dids
    return pool[this.randomInt(pool.length)]!
  }

  private sequence(): string {
    let s = ''
    for (let i = 0; i < this.settings.digits; i++) s += String(this.randomInt(10))
    return s
  }
}
