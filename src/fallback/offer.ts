/**
 * The fallback offer of one IME call, as the accepting node writes it into the call's answer (and into the INVITE
 * its own softphone gets): X-IME-PSTN-Fallback: <did>;digits=<seq>;window=..;sample=..;hold=..;loss=..;jitter=..;rtt=..;
 * silence=.. (the quality watch in ms and percent). web/src/fallback/offer.ts reads it.
 */
import type { E164 } from '../core/e164.js'
import type { QualityWatch } from './settings.js'

export const OFFER_HEADER = 'X-IME-PSTN-Fallback'
/** On the INVITE of a call to a fallback DID that the node hands to a softphone: the moved leg of its IME call. */
export const LEG_HEADER = 'X-IME-Fallback-Leg'
/** On the BYE that releases the IP leg once the call moved: the node counts the move and keeps the record going. */
export const MOVED_HEADER = 'X-IME-Moved'

export function offerHeaderValue(did: E164, digits: string, windowMs: number, watch: QualityWatch): string {
  return [
    did,
    `digits=${digits}`,
    `window=${windowMs}`,
    `sample=${watch.sampleMs}`,
    `hold=${watch.holdDownMs}`,
    `loss=${watch.lossPercent}`,
    `jitter=${watch.jitterMs}`,
    `rtt=${watch.rttMs}`,
    `silence=${watch.silenceMs}`,
  ].join(';')
}
