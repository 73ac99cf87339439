/** Free local ports for the tools under test. All traffic stays on 127.0.0.1. */
import { freePorts as freePortsAt } from '../../core/free-ports.js'

export const LOCALHOST = '127.0.0.1'

/**
 * A base port such that base .. base+span-1 are all free on TCP and UDP at 127.0.0.1. SIPp binds its RTP echo port
 * and the two after it (audio, video), so a SIPp instance asks for span 4; baresip binds SIP over TLS on port+1, so
 * it asks for span 2.
 */
export const freePorts = (span = 1): Promise<number> => freePortsAt(LOCALHOST, span)
