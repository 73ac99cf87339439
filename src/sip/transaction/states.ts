/**
 * The four transaction state machines of RFC 3261 section 17 (figures 5-8), with the Accepted state RFC 6026
 * adds to both INVITE machines. Each is a state enum and a table of the transitions the RFC draws; a transition
 * it does not draw is a bug in this code, not in the peer's messages, and throws.
 */

export const InviteClientState = {
  Calling: 'Calling',
  Proceeding: 'Proceeding',
  Completed: 'Completed',
  Accepted: 'Accepted',
  Terminated: 'Terminated',
} as const
export type InviteClientState = (typeof InviteClientState)[keyof typeof InviteClientState]

export const NonInviteClientState = {
  Trying: 'Trying',
  Proceeding: 'Proceeding',
  Completed: 'Completed',
  Terminated: 'Terminated',
} as const
export type NonInviteClientState = (typeof NonInviteClientState)[keyof typeof NonInviteClientState]

export const InviteServerState = {
  Proceeding: 'Proceeding',
  Completed: 'Completed',
  Confirmed: 'Confirmed',
  Accepted: 'Accepted',
  Terminated: 'Terminated',
} as const
export type InviteServerState = (typeof InviteServerState)[keyof typeof InviteServerState]

export const NonInviteServerState = {
  Trying: 'Trying',
  Proceeding: 'Proceeding',
  Completed: 'Completed',
  Terminated: 'Terminated',
} as const
export type NonInviteServerState = (typeof NonInviteServerState)[keyof typeof NonInviteServerState]

export type TransactionState = InviteClientState | NonInviteClientState | InviteServerState | NonInviteServerState

type Table<S extends string> = Readonly<Record<S, readonly S[]>>

/** RFC 3261 figure 5 with RFC 6026 figure 3: 2xx moves to Accepted (Timer M) instead of Terminated. */
export const INVITE_CLIENT_TRANSITIONS: Table<InviteClientState> = {
  Calling: ['Proceeding', 'Completed', 'Accepted', 'Terminated'],
  Proceeding: ['Completed', 'Accepted', 'Terminated'],
  Completed: ['Terminated'],
  Accepted: ['Terminated'],
  Terminated: [],
}

/** RFC 3261 figure 6. */
export const NON_INVITE_CLIENT_TRANSITIONS: Table<NonInviteClientState> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
}

/** RFC 3261 figure 7 with RFC 6026 figure 5: a 2xx moves to Accepted (Timer L). */
export const INVITE_SERVER_TRANSITIONS: Table<InviteServerState> = {
  Proceeding: ['Completed', 'Accepted', 'Terminated'],
  Completed: ['Confirmed', 'Terminated'],
  Confirmed: ['Terminated'],
  Accepted: ['Terminated'],
  Terminated: [],
}

/** RFC 3261 figure 8. */
export const NON_INVITE_SERVER_TRANSITIONS: Table<NonInviteServerState> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
}

/** A transition the machine's table does not have: a bug in the caller. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly machine: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`${machine}: no transition from ${from} to ${to} (RFC 3261 section 17)`)
    this.name = 'IllegalTransitionError'
  }
}

/** A state and the one function that changes it, checked against the table. */
export class StateMachine<S extends string> {
  private current: S

  constructor(
    readonly name: string,
    private readonly table: Readonly<Partial<Record<S, readonly S[]>>>,
    initial: S,
  ) {
    this.current = initial
  }

  get state(): S {
    return this.current
  }

  /** Moves to `next`; throws IllegalTransitionError when the table has no such transition. */
  to(next: S): void {
    if (!(this.table[this.current] ?? []).includes(next))
      throw new IllegalTransitionError(this.name, this.current, next)
    this.current = next
  }
}
