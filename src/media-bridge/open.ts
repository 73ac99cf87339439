/**
 * The media bridge as a node opens it from its config: start rtpengine (mode "start") or check that the operator's
 * answers (mode "external"), then the bridge over an ng client. `stop` closes the client and stops an rtpengine the
 * node started; it is safe to call twice.
 */
import { err, ok, type Result } from '../core/result.js'
import { createMediaBridge, type BridgeRequestCounter, type MediaBridge } from './bridge.js'
import type { MediaBridgeConfig } from './config.js'
import { createNgClient, type NgAddress } from './ng-client.js'
import { startRtpengine } from './rtpengine.js'

export interface OpenedMediaBridge {
  readonly bridge: MediaBridge
  readonly ng: NgAddress
  /** Whether this node runs the rtpengine (and stops it with itself). */
  readonly started: boolean
  stop(): Promise<void>
}

export interface OpenMediaBridgeDeps {
  readonly requests?: BridgeRequestCounter
  /** Told each line a started rtpengine writes. */
  readonly onLog?: (line: string) => void
  /** The rtpengine executable for mode "start" (default: found on PATH; null: not installed). */
  readonly program?: string | null
}

export async function openMediaBridge(
  config: MediaBridgeConfig,
  deps: OpenMediaBridgeDeps = {},
): Promise<Result<OpenedMediaBridge>> {
  if (config.mode === 'external') {
    const client = createNgClient({ address: config.ng, timeoutMs: config.timeoutMs })
    const bridge = createMediaBridge({ client, ...(deps.requests ? { requests: deps.requests } : {}) })
    const up = await bridge.ping()
    if (!up.ok) {
      client.close()
      return err(`${up.error.message} (mediaBridge.ng in the config names it; is rtpengine running there?)`)
    }
    return ok({ bridge, ng: config.ng, started: false, stop: async () => client.close() })
  }
  const ng = { host: config.mediaAddress.includes(':') ? '::1' : '127.0.0.1', port: config.ngPort }
  let engine
  try {
    engine = await startRtpengine(
      {
        ng,
        mediaAddress: config.mediaAddress,
        ...(config.advertisedAddress !== undefined ? { advertisedAddress: config.advertisedAddress } : {}),
        mediaPorts: config.mediaPorts,
        ...(deps.onLog ? { onLog: deps.onLog } : {}),
      },
      ...(deps.program !== undefined ? [deps.program] : []),
    )
  } catch (e) {
    return err(`media bridge: ${(e as Error).message}`)
  }
  const client = createNgClient({ address: ng, timeoutMs: config.timeoutMs })
  const bridge = createMediaBridge({ client, ...(deps.requests ? { requests: deps.requests } : {}) })
  return ok({
    bridge,
    ng,
    started: true,
    async stop() {
      client.close()
      await engine.stop()
    },
  })
}
