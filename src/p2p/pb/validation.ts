import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ProofStart {
  numberKey: Uint8Array<ArrayBuffer>
  hourHint: bigint
  phaseStart: number
  phaseEnd: number
  sid: Uint8Array<ArrayBuffer>
  cpace: Uint8Array<ArrayBuffer>
  callerHint: number
  sentAt: bigint
}

export namespace ProofStart {
  let _codec: Codec<ProofStart>

  export const codec = (): Codec<ProofStart> => {
    if (_codec == null) {
      _codec = message<ProofStart>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.numberKey != null && obj.numberKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.numberKey)
        }

        if ((obj.hourHint != null && obj.hourHint !== 0n)) {
          w.uint32(16)
          w.uint64(obj.hourHint)
        }

        if ((obj.phaseStart != null && obj.phaseStart !== 0)) {
          w.uint32(24)
          w.uint32(obj.phaseStart)
        }

        if ((obj.phaseEnd != null && obj.phaseEnd !== 0)) {
          w.uint32(32)
          w.uint32(obj.phaseEnd)
        }

        if ((obj.sid != null && obj.sid.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.sid)
        }

        if ((obj.cpace != null && obj.cpace.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.cpace)
        }

        if ((obj.callerHint != null && obj.callerHint !== 0)) {
          w.uint32(56)
          w.uint32(obj.callerHint)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(64)
          w.uint64(obj.sentAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          numberKey: uint8ArrayAlloc(0),
          hourHint: 0n,
          phaseStart: 0,
          phaseEnd: 0,
          sid: uint8ArrayAlloc(0),
          cpace: uint8ArrayAlloc(0),
          callerHint: 0,
          sentAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.numberKey = reader.bytes()
              break
            }
            case 2: {
              obj.hourHint = reader.uint64()
              break
            }
            case 3: {
              obj.phaseStart = reader.uint32()
              break
            }
            case 4: {
              obj.phaseEnd = reader.uint32()
              break
            }
            case 5: {
              obj.sid = reader.bytes()
              break
            }
            case 6: {
              obj.cpace = reader.bytes()
              break
            }
            case 7: {
              obj.callerHint = reader.uint32()
              break
            }
            case 8: {
              obj.sentAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.numberKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.hourHint`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.phaseStart`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.phaseEnd`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.sid`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.cpace`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.callerHint`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofStartNumberKeyFieldEvent {
    field: '$.numberKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofStartHourHintFieldEvent {
    field: '$.hourHint'
    value: bigint
  }

  export interface ProofStartPhaseStartFieldEvent {
    field: '$.phaseStart'
    value: number
  }

  export interface ProofStartPhaseEndFieldEvent {
    field: '$.phaseEnd'
    value: number
  }

  export interface ProofStartSidFieldEvent {
    field: '$.sid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofStartCpaceFieldEvent {
    field: '$.cpace'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofStartCallerHintFieldEvent {
    field: '$.callerHint'
    value: number
  }

  export interface ProofStartSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export function encode (obj: Partial<ProofStart>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofStart.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofStart>): ProofStart {
    return decodeMessage(buf, ProofStart.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofStart>): Generator<ProofStartNumberKeyFieldEvent | ProofStartHourHintFieldEvent | ProofStartPhaseStartFieldEvent | ProofStartPhaseEndFieldEvent | ProofStartSidFieldEvent | ProofStartCpaceFieldEvent | ProofStartCallerHintFieldEvent | ProofStartSentAtFieldEvent> {
    return streamMessage(buf, ProofStart.codec(), opts)
  }
}

export interface ProofReply {
  cpace: Uint8Array<ArrayBuffer>
  tag: Uint8Array<ArrayBuffer>
  refused: string
}

export namespace ProofReply {
  let _codec: Codec<ProofReply>

  export const codec = (): Codec<ProofReply> => {
    if (_codec == null) {
      _codec = message<ProofReply>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cpace != null && obj.cpace.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.cpace)
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.tag)
        }

        if ((obj.refused != null && obj.refused !== '')) {
          w.uint32(26)
          w.string(obj.refused)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cpace: uint8ArrayAlloc(0),
          tag: uint8ArrayAlloc(0),
          refused: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cpace = reader.bytes()
              break
            }
            case 2: {
              obj.tag = reader.bytes()
              break
            }
            case 3: {
              obj.refused = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.cpace`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.refused`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofReplyCpaceFieldEvent {
    field: '$.cpace'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofReplyTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ProofReplyRefusedFieldEvent {
    field: '$.refused'
    value: string
  }

  export function encode (obj: Partial<ProofReply>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofReply.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofReply>): ProofReply {
    return decodeMessage(buf, ProofReply.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofReply>): Generator<ProofReplyCpaceFieldEvent | ProofReplyTagFieldEvent | ProofReplyRefusedFieldEvent> {
    return streamMessage(buf, ProofReply.codec(), opts)
  }
}

export interface ProofConfirm {
  tag: Uint8Array<ArrayBuffer>
}

export namespace ProofConfirm {
  let _codec: Codec<ProofConfirm>

  export const codec = (): Codec<ProofConfirm> => {
    if (_codec == null) {
      _codec = message<ProofConfirm>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.tag)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          tag: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.tag = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofConfirmTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ProofConfirm>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofConfirm.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofConfirm>): ProofConfirm {
    return decodeMessage(buf, ProofConfirm.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofConfirm>): Generator<ProofConfirmTagFieldEvent> {
    return streamMessage(buf, ProofConfirm.codec(), opts)
  }
}

export interface ProofVerdict {
  confirmed: boolean
  reason: string
}

export namespace ProofVerdict {
  let _codec: Codec<ProofVerdict>

  export const codec = (): Codec<ProofVerdict> => {
    if (_codec == null) {
      _codec = message<ProofVerdict>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.confirmed != null && obj.confirmed !== false)) {
          w.uint32(8)
          w.bool(obj.confirmed)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          confirmed: false,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.confirmed = reader.bool()
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.confirmed`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ProofVerdictConfirmedFieldEvent {
    field: '$.confirmed'
    value: boolean
  }

  export interface ProofVerdictReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<ProofVerdict>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ProofVerdict.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofVerdict>): ProofVerdict {
    return decodeMessage(buf, ProofVerdict.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ProofVerdict>): Generator<ProofVerdictConfirmedFieldEvent | ProofVerdictReasonFieldEvent> {
    return streamMessage(buf, ProofVerdict.codec(), opts)
  }
}

export interface RouteRequest {
  sealedDomain: Uint8Array<ArrayBuffer>
}

export namespace RouteRequest {
  let _codec: Codec<RouteRequest>

  export const codec = (): Codec<RouteRequest> => {
    if (_codec == null) {
      _codec = message<RouteRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sealedDomain != null && obj.sealedDomain.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sealedDomain)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sealedDomain: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sealedDomain = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sealedDomain`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RouteRequestSealedDomainFieldEvent {
    field: '$.sealedDomain'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RouteRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RouteRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteRequest>): RouteRequest {
    return decodeMessage(buf, RouteRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteRequest>): Generator<RouteRequestSealedDomainFieldEvent> {
    return streamMessage(buf, RouteRequest.codec(), opts)
  }
}

export interface RouteGrant {
  sealed: Uint8Array<ArrayBuffer>
  refused: string
}

export namespace RouteGrant {
  let _codec: Codec<RouteGrant>

  export const codec = (): Codec<RouteGrant> => {
    if (_codec == null) {
      _codec = message<RouteGrant>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sealed)
        }

        if ((obj.refused != null && obj.refused !== '')) {
          w.uint32(18)
          w.string(obj.refused)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sealed: uint8ArrayAlloc(0),
          refused: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sealed = reader.bytes()
              break
            }
            case 2: {
              obj.refused = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sealed`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.refused`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RouteGrantSealedFieldEvent {
    field: '$.sealed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RouteGrantRefusedFieldEvent {
    field: '$.refused'
    value: string
  }

  export function encode (obj: Partial<RouteGrant>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RouteGrant.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteGrant>): RouteGrant {
    return decodeMessage(buf, RouteGrant.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteGrant>): Generator<RouteGrantSealedFieldEvent | RouteGrantRefusedFieldEvent> {
    return streamMessage(buf, RouteGrant.codec(), opts)
  }
}

export interface RouteOffer {
  sipUri: string
  ticket: string
  expiresAt: bigint
  domain: string
  callKey: Uint8Array<ArrayBuffer>
}

export namespace RouteOffer {
  let _codec: Codec<RouteOffer>

  export const codec = (): Codec<RouteOffer> => {
    if (_codec == null) {
      _codec = message<RouteOffer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sipUri != null && obj.sipUri !== '')) {
          w.uint32(10)
          w.string(obj.sipUri)
        }

        if ((obj.ticket != null && obj.ticket !== '')) {
          w.uint32(18)
          w.string(obj.ticket)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if ((obj.domain != null && obj.domain !== '')) {
          w.uint32(34)
          w.string(obj.domain)
        }

        if ((obj.callKey != null && obj.callKey.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.callKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sipUri: '',
          ticket: '',
          expiresAt: 0n,
          domain: '',
          callKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sipUri = reader.string()
              break
            }
            case 2: {
              obj.ticket = reader.string()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 4: {
              obj.domain = reader.string()
              break
            }
            case 5: {
              obj.callKey = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.sipUri`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ticket`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.domain`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.callKey`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RouteOfferSipUriFieldEvent {
    field: '$.sipUri'
    value: string
  }

  export interface RouteOfferTicketFieldEvent {
    field: '$.ticket'
    value: string
  }

  export interface RouteOfferExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface RouteOfferDomainFieldEvent {
    field: '$.domain'
    value: string
  }

  export interface RouteOfferCallKeyFieldEvent {
    field: '$.callKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RouteOffer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RouteOffer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteOffer>): RouteOffer {
    return decodeMessage(buf, RouteOffer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RouteOffer>): Generator<RouteOfferSipUriFieldEvent | RouteOfferTicketFieldEvent | RouteOfferExpiresAtFieldEvent | RouteOfferDomainFieldEvent | RouteOfferCallKeyFieldEvent> {
    return streamMessage(buf, RouteOffer.codec(), opts)
  }
}
