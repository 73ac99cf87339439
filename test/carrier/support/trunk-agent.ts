/**
 * A call agent whose only way out is its trunk(s), as the carrier tests need it: one user (alice) on the internal
 * face, no IME routes, no edge checks, events collected.
 */
import { systemClock } from '../../../src/core/clock.js'
import type { E164 } from '../../../src/core/e164.js'
import type { MediaBridge } from '../../../src/media-bridge/bridge.js'
import { CallAgent, type CallAgentConfig, type CallAgentEvent } from '../../../src/sip/agent/index.js'
import { LOCALHOST } from '../../../src/testing/interop/ports.js'
import { SipPhone } from '../../../src/testing/scripted-phone.js'
import { StaticSipDirectory } from '../../../src/testing/static-sip-directory.js'

export const DOMAIN = 'alpha.example'
export const ALICE = { name: 'alice', password: 'alice-secret-1', number: '+12025550101' as E164 }

export interface TrunkAgentOptions {
  readonly pstn: CallAgentConfig['pstn']
  /** Every event the agent emits is pushed here. */
  readonly events?: CallAgentEvent[]
  readonly mediaBridge?: MediaBridge
  /** The internal face's listeners (TCP on a free port by default). */
  readonly internal?: CallAgentConfig['internal']
}

export function startTrunkAgent(o: TrunkAgentOptions): Promise<CallAgent> {
  return CallAgent.start({
    domain: DOMAIN,
    host: LOCALHOST,
    edge: { tcpPort: 0 },
    internal: o.internal ?? { tcpPort: 0 },
    pstn: o.pstn,
    ...(o.mediaBridge !== undefined && { mediaBridge: o.mediaBridge }),
    directory: new StaticSipDirectory(DOMAIN, [ALICE]),
    routeTo: () => undefined,
    checkCaller: () => ({ ok: false, error: { code: 'no-edge', reason: 'not in this test' } }),
    vouchFor: () => ({ ok: false, error: 'not in this test' }),
    clock: systemClock,
    onEvent: (e) => void o.events?.push(e),
  })
}

/** alice's phone on the agent's internal face (TCP), closed by `cleanup` (not registered yet). */
export async function connectAlice(agent: CallAgent, cleanup: (() => Promise<void>)[]): Promise<SipPhone> {
  const phone = await SipPhone.connect({
    transport: 'TCP',
    port: agent.addresses.internal.tcp!,
    user: ALICE.name,
    password: ALICE.password,
    domain: DOMAIN,
  })
  cleanup.push(() => phone.close())
  return phone
}
