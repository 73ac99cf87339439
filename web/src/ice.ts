/**
 * The ICE servers a softphone uses for its calls, from its node (GET /api/ice-servers): kept until a minute
 * before the TURN credentials in them expire, then asked for again; without an answer, the last ones (or none:
 * host candidates only, enough on one machine or one LAN).
 */
import type { IceServersDto } from './api.js'

/** TURN credentials are asked for again this long before they expire (ms). */
export const ICE_RENEW_MARGIN_MS = 60_000
const NONE: RTCConfiguration = { iceServers: [] }

export class IceServers {
  private held: IceServersDto | undefined

  constructor(
    private readonly fetch: () => Promise<IceServersDto>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The configuration for the next call. */
  async current(): Promise<RTCConfiguration> {
    if (this.held !== undefined && this.now() < this.held.expiresAt - ICE_RENEW_MARGIN_MS) return this.held.config
    try {
      this.held = await this.fetch()
      return this.held.config
    } catch {
      return this.held?.config ?? NONE
    }
  }
}
