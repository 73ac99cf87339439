/** An HTTP API over real SQLite stores in memory, a hand-driven clock and a fake validation run: for tests. */
import { ManualClock } from '../core/clock.js'
import type { E164 } from '../core/e164.js'
import { err, ok } from '../core/result.js'
import { SqliteCallRecordStore } from '../store/call-record-store.js'
import { openDatabase } from '../store/database.js'
import { SqliteLearnedRouteStore } from '../store/learned-route-store.js'
import { SqliteUserStore } from '../store/user-store.js'
import type { ValidationOutcome } from '../validation/scheduler.js'
import { createHttpApi, type HttpApi, type HttpApiDeps, type OperatorActs } from '../http/api.js'
import { EventHub } from '../http/events.js'

export const START = Date.parse('2026-11-25T10:00:00Z')
export const OPERATOR_TOKEN = 'operator-token-of-a-0123456789'

export interface TestNode {
  api: HttpApi
  url: string
  clock: ManualClock
  users: SqliteUserStore
  calls: SqliteCallRecordStore
  routes: SqliteLearnedRouteStore
  events: EventHub
  validationRuns: number
  /** A fresh session token for a user. */
  session(user: string): string
  close(): Promise<void>
}

export async function startTestNode(options: Partial<HttpApiDeps> & { realm?: string } = {}): Promise<TestNode> {
  const db = openDatabase(':memory:')
  const clock = new ManualClock(START)
  const users = new SqliteUserStore(db, { realm: options.realm ?? 'a.example', cost: { N: 1024, r: 8, p: 1 } })
  await users.put({ name: 'alice', password: 'alice password', number: '+12015550100' }, START)
  await users.put({ name: 'bob', password: 'bob password', number: '+12015550101' }, START)
  await users.put({ name: 'olga', password: 'olga password', role: 'operator' }, START)
  const calls = new SqliteCallRecordStore(db)
  const routes = new SqliteLearnedRouteStore(db)
  const events = new EventHub(clock)
  const outcome: ValidationOutcome = {
    callId: 'c1',
    number: '+12025550102' as E164,
    outcome: 'no-claim',
    kind: 'first',
    dropped: false,
  }
  const node = {
    clock,
    users,
    calls,
    routes,
    events,
    validationRuns: 0,
  }
  const api = createHttpApi({
    routes,
    calls,
    users,
    events,
    clock,
    operatorToken: OPERATOR_TOKEN,
    status: () => ({ nodeId: '00'.repeat(16), ring: { predecessor: null, successors: [], fingers: [] } }),
    async runValidations() {
      node.validationRuns++
      return [outcome]
    },
    operator: memoryOperatorActs(),
    metrics: async () => ({ text: 'ime_test_metric 1\n', contentType: 'text/plain; version=0.0.4' }),
    ...options,
  })
  const { url } = await api.listen(0)
  return Object.assign(node, {
    api,
    url,
    session(user: string) {
      const issued = users.issueToken(user, 'session', clock.now() + 3600_000)
      if (!issued.ok) throw new Error(issued.error)
      return issued.value.token
    },
    async close() {
      await api.close()
      db.close()
    },
  })
}

/** Operator acts on an in-memory stand-in for a node (the real ones are wired in src/node.ts). */
export function memoryOperatorActs(): OperatorActs {
  let up = true
  let epoch = 1
  const numbers = new Set<string>(['+12015550100'])
  return {
    edge: () => ({ up }),
    setEdge: async (v) => ({ up: (up = v) }),
    rotateTicketKey: () => ok({ epoch: ++epoch }),
    numbers: () => [...numbers],
    publish: async (n) => (numbers.add(n), ok({ number: n, published: true })),
    withdraw: async (n) =>
      numbers.delete(n) ? ok({ number: n, withdrawn: true }) : err(`${n} is not published by this node`),
  }
}
