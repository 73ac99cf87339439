import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface NodeRef {
  id: Uint8Array<ArrayBuffer>
  peer: string
  addrs: string[]
}

export namespace NodeRef {
  let _codec: Codec<NodeRef>

  export const codec = (): Codec<NodeRef> => {
    if (_codec == null) {
      _codec = message<NodeRef>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(18)
          w.string(obj.peer)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          peer: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.peer = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
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
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.string()
              }

              obj.addrs++

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

  export interface NodeRefIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NodeRefPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface NodeRefAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<NodeRef>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NodeRef.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRef>): NodeRef {
    return decodeMessage(buf, NodeRef.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NodeRef>): Generator<NodeRefIdFieldEvent | NodeRefPeerFieldEvent | NodeRefAddrsFieldEvent> {
    return streamMessage(buf, NodeRef.codec(), opts)
  }
}

export interface ClaimRecord {
  key: Uint8Array<ArrayBuffer>
  owner: Uint8Array<ArrayBuffer>
  ownerPublicKey: Uint8Array<ArrayBuffer>
  seq: bigint
  expiresAt: bigint
  withdrawn: boolean
  signature: Uint8Array<ArrayBuffer>
}

export namespace ClaimRecord {
  let _codec: Codec<ClaimRecord>

  export const codec = (): Codec<ClaimRecord> => {
    if (_codec == null) {
      _codec = message<ClaimRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.owner != null && obj.owner.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.owner)
        }

        if ((obj.ownerPublicKey != null && obj.ownerPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ownerPublicKey)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.seq)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.expiresAt)
        }

        if ((obj.withdrawn != null && obj.withdrawn !== false)) {
          w.uint32(48)
          w.bool(obj.withdrawn)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          owner: uint8ArrayAlloc(0),
          ownerPublicKey: uint8ArrayAlloc(0),
          seq: 0n,
          expiresAt: 0n,
          withdrawn: false,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.owner = reader.bytes()
              break
            }
            case 3: {
              obj.ownerPublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.seq = reader.uint64()
              break
            }
            case 5: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 6: {
              obj.withdrawn = reader.bool()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.owner`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ownerPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.withdrawn`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
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

  export interface ClaimRecordKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClaimRecordOwnerFieldEvent {
    field: '$.owner'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClaimRecordOwnerPublicKeyFieldEvent {
    field: '$.ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ClaimRecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface ClaimRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface ClaimRecordWithdrawnFieldEvent {
    field: '$.withdrawn'
    value: boolean
  }

  export interface ClaimRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ClaimRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClaimRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClaimRecord>): ClaimRecord {
    return decodeMessage(buf, ClaimRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClaimRecord>): Generator<ClaimRecordKeyFieldEvent | ClaimRecordOwnerFieldEvent | ClaimRecordOwnerPublicKeyFieldEvent | ClaimRecordSeqFieldEvent | ClaimRecordExpiresAtFieldEvent | ClaimRecordWithdrawnFieldEvent | ClaimRecordSignatureFieldEvent> {
    return streamMessage(buf, ClaimRecord.codec(), opts)
  }
}

export interface Request {
  type: Request.Type
  candidate?: NodeRef
  key: Uint8Array<ArrayBuffer>
  records: ClaimRecord[]
  from: Uint8Array<ArrayBuffer>
  to: Uint8Array<ArrayBuffer>
  predecessor?: NodeRef
  successors: NodeRef[]
  nonce: Uint8Array<ArrayBuffer>
  forward: boolean
}

export namespace Request {
  export enum Type {
    PING = 'PING',
    GET_NEIGHBOURS = 'GET_NEIGHBOURS',
    NOTIFY = 'NOTIFY',
    FIND_NEXT = 'FIND_NEXT',
    STORE = 'STORE',
    FETCH = 'FETCH',
    TAKE_RANGE = 'TAKE_RANGE',
    LEAVING = 'LEAVING'
  }

  enum __TypeValues {
    PING = 0,
    GET_NEIGHBOURS = 1,
    NOTIFY = 2,
    FIND_NEXT = 3,
    STORE = 4,
    FETCH = 5,
    TAKE_RANGE = 6,
    LEAVING = 7
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          Request.Type.codec().encode(obj.type, w)
        }

        if (obj.candidate != null) {
          w.uint32(18)
          NodeRef.codec().encode(obj.candidate, w)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.key)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(34)
            ClaimRecord.codec().encode(value, w)
          }
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.from)
        }

        if ((obj.to != null && obj.to.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.to)
        }

        if (obj.predecessor != null) {
          w.uint32(58)
          NodeRef.codec().encode(obj.predecessor, w)
        }

        if (obj.successors != null && obj.successors.length > 0) {
          for (const value of obj.successors) {
            w.uint32(66)
            NodeRef.codec().encode(value, w)
          }
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.nonce)
        }

        if ((obj.forward != null && obj.forward !== false)) {
          w.uint32(80)
          w.bool(obj.forward)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.PING,
          key: uint8ArrayAlloc(0),
          records: [],
          from: uint8ArrayAlloc(0),
          to: uint8ArrayAlloc(0),
          successors: [],
          nonce: uint8ArrayAlloc(0),
          forward: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = Request.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.candidate = NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.candidate
              })
              break
            }
            case 3: {
              obj.key = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(ClaimRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 5: {
              obj.from = reader.bytes()
              break
            }
            case 6: {
              obj.to = reader.bytes()
              break
            }
            case 7: {
              obj.predecessor = NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.predecessor
              })
              break
            }
            case 8: {
              if (opts.limits?.successors != null && obj.successors.length === opts.limits.successors) {
                throw new MaxLengthError('Decode error - repeated field "successors" had too many elements')
              }

              obj.successors.push(NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.successors$
              }))
              break
            }
            case 9: {
              obj.nonce = reader.bytes()
              break
            }
            case 10: {
              obj.forward = reader.bool()
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
        const obj = {
          records: 0,
          successors: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: Request.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield * NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.candidate`, {
                limits: opts.limits?.candidate
              })

              break
            }
            case 3: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of ClaimRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.to`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield * NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.predecessor`, {
                limits: opts.limits?.predecessor
              })

              break
            }
            case 8: {
              if (opts.limits?.successors != null && obj.successors === opts.limits.successors) {
                throw new MaxLengthError('Streaming decode error - repeated field "successors" had too many elements')
              }

              for (const evt of NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.successors[]`, {
                limits: opts.limits?.successors$
              })) {
                yield {
                  ...evt,
                  index: obj.successors
                }
              }

              obj.successors++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.forward`,
                value: reader.bool()
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

  export interface RequestTypeFieldEvent {
    field: '$.type'
    value: Request.Type
  }

  export interface RequestCandidateIdFieldEvent {
    field: '$.candidate.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestCandidatePeerFieldEvent {
    field: '$.candidate.peer'
    value: string
  }

  export interface RequestCandidateAddrsFieldEvent {
    field: '$.candidate.addrs[]'
    index: number
    value: string
  }

  export interface RequestKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestRecordsOwnerFieldEvent {
    field: '$.records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestRecordsOwnerPublicKeyFieldEvent {
    field: '$.records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface RequestRecordsExpiresAtFieldEvent {
    field: '$.records[].expiresAt'
    value: bigint
    index: number
  }

  export interface RequestRecordsWithdrawnFieldEvent {
    field: '$.records[].withdrawn'
    value: boolean
    index: number
  }

  export interface RequestRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestToFieldEvent {
    field: '$.to'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestPredecessorIdFieldEvent {
    field: '$.predecessor.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestPredecessorPeerFieldEvent {
    field: '$.predecessor.peer'
    value: string
  }

  export interface RequestPredecessorAddrsFieldEvent {
    field: '$.predecessor.addrs[]'
    index: number
    value: string
  }

  export interface RequestSuccessorsIdFieldEvent {
    field: '$.successors[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestSuccessorsPeerFieldEvent {
    field: '$.successors[].peer'
    value: string
    index: number
  }

  export interface RequestSuccessorsAddrsFieldEvent {
    field: '$.successors[].addrs[]'
    index: number
    value: string
  }

  export interface RequestNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestForwardFieldEvent {
    field: '$.forward'
    value: boolean
  }

  export function encode (obj: Partial<Request>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestTypeFieldEvent | RequestCandidateIdFieldEvent | RequestCandidatePeerFieldEvent | RequestCandidateAddrsFieldEvent | RequestKeyFieldEvent | RequestRecordsKeyFieldEvent | RequestRecordsOwnerFieldEvent | RequestRecordsOwnerPublicKeyFieldEvent | RequestRecordsSeqFieldEvent | RequestRecordsExpiresAtFieldEvent | RequestRecordsWithdrawnFieldEvent | RequestRecordsSignatureFieldEvent | RequestFromFieldEvent | RequestToFieldEvent | RequestPredecessorIdFieldEvent | RequestPredecessorPeerFieldEvent | RequestPredecessorAddrsFieldEvent | RequestSuccessorsIdFieldEvent | RequestSuccessorsPeerFieldEvent | RequestSuccessorsAddrsFieldEvent | RequestNonceFieldEvent | RequestForwardFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export interface HolderAnswer {
  holder: Uint8Array<ArrayBuffer>
  records: ClaimRecord[]
  publicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace HolderAnswer {
  let _codec: Codec<HolderAnswer>

  export const codec = (): Codec<HolderAnswer> => {
    if (_codec == null) {
      _codec = message<HolderAnswer>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.holder != null && obj.holder.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.holder)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(18)
            ClaimRecord.codec().encode(value, w)
          }
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.publicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          holder: uint8ArrayAlloc(0),
          records: [],
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.holder = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(ClaimRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 3: {
              obj.publicKey = reader.bytes()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
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
        const obj = {
          records: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.holder`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of ClaimRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
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

  export interface HolderAnswerHolderFieldEvent {
    field: '$.holder'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HolderAnswerRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface HolderAnswerRecordsOwnerFieldEvent {
    field: '$.records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface HolderAnswerRecordsOwnerPublicKeyFieldEvent {
    field: '$.records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface HolderAnswerRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface HolderAnswerRecordsExpiresAtFieldEvent {
    field: '$.records[].expiresAt'
    value: bigint
    index: number
  }

  export interface HolderAnswerRecordsWithdrawnFieldEvent {
    field: '$.records[].withdrawn'
    value: boolean
    index: number
  }

  export interface HolderAnswerRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface HolderAnswerPublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HolderAnswerSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<HolderAnswer>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HolderAnswer.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HolderAnswer>): HolderAnswer {
    return decodeMessage(buf, HolderAnswer.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HolderAnswer>): Generator<HolderAnswerHolderFieldEvent | HolderAnswerRecordsKeyFieldEvent | HolderAnswerRecordsOwnerFieldEvent | HolderAnswerRecordsOwnerPublicKeyFieldEvent | HolderAnswerRecordsSeqFieldEvent | HolderAnswerRecordsExpiresAtFieldEvent | HolderAnswerRecordsWithdrawnFieldEvent | HolderAnswerRecordsSignatureFieldEvent | HolderAnswerPublicKeyFieldEvent | HolderAnswerSignatureFieldEvent> {
    return streamMessage(buf, HolderAnswer.codec(), opts)
  }
}

export interface Rejection {
  index: number
  reason: string
}

export namespace Rejection {
  let _codec: Codec<Rejection>

  export const codec = (): Codec<Rejection> => {
    if (_codec == null) {
      _codec = message<Rejection>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
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
          index: 0,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
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
                field: `${prefix}.index`,
                value: reader.uint32()
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

  export interface RejectionIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface RejectionReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Rejection>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Rejection.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rejection>): Rejection {
    return decodeMessage(buf, Rejection.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rejection>): Generator<RejectionIndexFieldEvent | RejectionReasonFieldEvent> {
    return streamMessage(buf, Rejection.codec(), opts)
  }
}

export interface Response {
  type: Response.Type
  predecessor?: NodeRef
  nodes: NodeRef[]
  accepted: number
  rejected: Rejection[]
  records: ClaimRecord[]
  reason: string
  publicKey: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  fetched: HolderAnswer[]
  forwarded?: Forwarded
}

export namespace Response {
  export enum Type {
    PONG = 'PONG',
    NEIGHBOURS = 'NEIGHBOURS',
    ACK = 'ACK',
    FOUND = 'FOUND',
    NEXT = 'NEXT',
    STORED = 'STORED',
    RECORDS = 'RECORDS',
    ERROR = 'ERROR'
  }

  enum __TypeValues {
    PONG = 0,
    NEIGHBOURS = 1,
    ACK = 2,
    FOUND = 3,
    NEXT = 4,
    STORED = 5,
    RECORDS = 6,
    ERROR = 7
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          Response.Type.codec().encode(obj.type, w)
        }

        if (obj.predecessor != null) {
          w.uint32(18)
          NodeRef.codec().encode(obj.predecessor, w)
        }

        if (obj.nodes != null && obj.nodes.length > 0) {
          for (const value of obj.nodes) {
            w.uint32(26)
            NodeRef.codec().encode(value, w)
          }
        }

        if ((obj.accepted != null && obj.accepted !== 0)) {
          w.uint32(32)
          w.uint32(obj.accepted)
        }

        if (obj.rejected != null && obj.rejected.length > 0) {
          for (const value of obj.rejected) {
            w.uint32(42)
            Rejection.codec().encode(value, w)
          }
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(50)
            ClaimRecord.codec().encode(value, w)
          }
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(58)
          w.string(obj.reason)
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.publicKey)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.signature)
        }

        if (obj.fetched != null && obj.fetched.length > 0) {
          for (const value of obj.fetched) {
            w.uint32(82)
            HolderAnswer.codec().encode(value, w)
          }
        }

        if (obj.forwarded != null) {
          w.uint32(90)
          Forwarded.codec().encode(obj.forwarded, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.PONG,
          nodes: [],
          accepted: 0,
          rejected: [],
          records: [],
          reason: '',
          publicKey: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          fetched: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = Response.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.predecessor = NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.predecessor
              })
              break
            }
            case 3: {
              if (opts.limits?.nodes != null && obj.nodes.length === opts.limits.nodes) {
                throw new MaxLengthError('Decode error - repeated field "nodes" had too many elements')
              }

              obj.nodes.push(NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.nodes$
              }))
              break
            }
            case 4: {
              obj.accepted = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.rejected != null && obj.rejected.length === opts.limits.rejected) {
                throw new MaxLengthError('Decode error - repeated field "rejected" had too many elements')
              }

              obj.rejected.push(Rejection.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rejected$
              }))
              break
            }
            case 6: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(ClaimRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.records$
              }))
              break
            }
            case 7: {
              obj.reason = reader.string()
              break
            }
            case 8: {
              obj.publicKey = reader.bytes()
              break
            }
            case 9: {
              obj.signature = reader.bytes()
              break
            }
            case 10: {
              if (opts.limits?.fetched != null && obj.fetched.length === opts.limits.fetched) {
                throw new MaxLengthError('Decode error - repeated field "fetched" had too many elements')
              }

              obj.fetched.push(HolderAnswer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetched$
              }))
              break
            }
            case 11: {
              obj.forwarded = Forwarded.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.forwarded
              })
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
        const obj = {
          nodes: 0,
          rejected: 0,
          records: 0,
          fetched: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: Response.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield * NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.predecessor`, {
                limits: opts.limits?.predecessor
              })

              break
            }
            case 3: {
              if (opts.limits?.nodes != null && obj.nodes === opts.limits.nodes) {
                throw new MaxLengthError('Streaming decode error - repeated field "nodes" had too many elements')
              }

              for (const evt of NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.nodes[]`, {
                limits: opts.limits?.nodes$
              })) {
                yield {
                  ...evt,
                  index: obj.nodes
                }
              }

              obj.nodes++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.rejected != null && obj.rejected === opts.limits.rejected) {
                throw new MaxLengthError('Streaming decode error - repeated field "rejected" had too many elements')
              }

              for (const evt of Rejection.codec().stream(reader, reader.uint32(), `${prefix}.rejected[]`, {
                limits: opts.limits?.rejected$
              })) {
                yield {
                  ...evt,
                  index: obj.rejected
                }
              }

              obj.rejected++

              break
            }
            case 6: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              for (const evt of ClaimRecord.codec().stream(reader, reader.uint32(), `${prefix}.records[]`, {
                limits: opts.limits?.records$
              })) {
                yield {
                  ...evt,
                  index: obj.records
                }
              }

              obj.records++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              if (opts.limits?.fetched != null && obj.fetched === opts.limits.fetched) {
                throw new MaxLengthError('Streaming decode error - repeated field "fetched" had too many elements')
              }

              for (const evt of HolderAnswer.codec().stream(reader, reader.uint32(), `${prefix}.fetched[]`, {
                limits: opts.limits?.fetched$
              })) {
                yield {
                  ...evt,
                  index: obj.fetched
                }
              }

              obj.fetched++

              break
            }
            case 11: {
              yield * Forwarded.codec().stream(reader, reader.uint32(), `${prefix}.forwarded`, {
                limits: opts.limits?.forwarded
              })

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

  export interface ResponseTypeFieldEvent {
    field: '$.type'
    value: Response.Type
  }

  export interface ResponsePredecessorIdFieldEvent {
    field: '$.predecessor.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponsePredecessorPeerFieldEvent {
    field: '$.predecessor.peer'
    value: string
  }

  export interface ResponsePredecessorAddrsFieldEvent {
    field: '$.predecessor.addrs[]'
    index: number
    value: string
  }

  export interface ResponseNodesIdFieldEvent {
    field: '$.nodes[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseNodesPeerFieldEvent {
    field: '$.nodes[].peer'
    value: string
    index: number
  }

  export interface ResponseNodesAddrsFieldEvent {
    field: '$.nodes[].addrs[]'
    index: number
    value: string
  }

  export interface ResponseAcceptedFieldEvent {
    field: '$.accepted'
    value: number
  }

  export interface ResponseRejectedIndexFieldEvent {
    field: '$.rejected[].index'
    value: number
    index: number
  }

  export interface ResponseRejectedReasonFieldEvent {
    field: '$.rejected[].reason'
    value: string
    index: number
  }

  export interface ResponseRecordsKeyFieldEvent {
    field: '$.records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseRecordsOwnerFieldEvent {
    field: '$.records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseRecordsOwnerPublicKeyFieldEvent {
    field: '$.records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseRecordsSeqFieldEvent {
    field: '$.records[].seq'
    value: bigint
    index: number
  }

  export interface ResponseRecordsExpiresAtFieldEvent {
    field: '$.records[].expiresAt'
    value: bigint
    index: number
  }

  export interface ResponseRecordsWithdrawnFieldEvent {
    field: '$.records[].withdrawn'
    value: boolean
    index: number
  }

  export interface ResponseRecordsSignatureFieldEvent {
    field: '$.records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface ResponsePublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponseFetchedHolderFieldEvent {
    field: '$.fetched[].holder'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedRecordsKeyFieldEvent {
    field: '$.fetched[].records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedRecordsOwnerFieldEvent {
    field: '$.fetched[].records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedRecordsOwnerPublicKeyFieldEvent {
    field: '$.fetched[].records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedRecordsSeqFieldEvent {
    field: '$.fetched[].records[].seq'
    value: bigint
    index: number
  }

  export interface ResponseFetchedRecordsExpiresAtFieldEvent {
    field: '$.fetched[].records[].expiresAt'
    value: bigint
    index: number
  }

  export interface ResponseFetchedRecordsWithdrawnFieldEvent {
    field: '$.fetched[].records[].withdrawn'
    value: boolean
    index: number
  }

  export interface ResponseFetchedRecordsSignatureFieldEvent {
    field: '$.fetched[].records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedPublicKeyFieldEvent {
    field: '$.fetched[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseFetchedSignatureFieldEvent {
    field: '$.fetched[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFromIdFieldEvent {
    field: '$.forwarded.from.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ResponseForwardedFromPeerFieldEvent {
    field: '$.forwarded.from.peer'
    value: string
  }

  export interface ResponseForwardedFromAddrsFieldEvent {
    field: '$.forwarded.from.addrs[]'
    index: number
    value: string
  }

  export interface ResponseForwardedFoundFieldEvent {
    field: '$.forwarded.found'
    value: boolean
  }

  export interface ResponseForwardedNodesIdFieldEvent {
    field: '$.forwarded.nodes[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedNodesPeerFieldEvent {
    field: '$.forwarded.nodes[].peer'
    value: string
    index: number
  }

  export interface ResponseForwardedNodesAddrsFieldEvent {
    field: '$.forwarded.nodes[].addrs[]'
    index: number
    value: string
  }

  export interface ResponseForwardedFetchedHolderFieldEvent {
    field: '$.forwarded.fetched[].holder'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedRecordsKeyFieldEvent {
    field: '$.forwarded.fetched[].records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedRecordsOwnerFieldEvent {
    field: '$.forwarded.fetched[].records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedRecordsOwnerPublicKeyFieldEvent {
    field: '$.forwarded.fetched[].records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedRecordsSeqFieldEvent {
    field: '$.forwarded.fetched[].records[].seq'
    value: bigint
    index: number
  }

  export interface ResponseForwardedFetchedRecordsExpiresAtFieldEvent {
    field: '$.forwarded.fetched[].records[].expiresAt'
    value: bigint
    index: number
  }

  export interface ResponseForwardedFetchedRecordsWithdrawnFieldEvent {
    field: '$.forwarded.fetched[].records[].withdrawn'
    value: boolean
    index: number
  }

  export interface ResponseForwardedFetchedRecordsSignatureFieldEvent {
    field: '$.forwarded.fetched[].records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedPublicKeyFieldEvent {
    field: '$.forwarded.fetched[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseForwardedFetchedSignatureFieldEvent {
    field: '$.forwarded.fetched[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Response>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseTypeFieldEvent | ResponsePredecessorIdFieldEvent | ResponsePredecessorPeerFieldEvent | ResponsePredecessorAddrsFieldEvent | ResponseNodesIdFieldEvent | ResponseNodesPeerFieldEvent | ResponseNodesAddrsFieldEvent | ResponseAcceptedFieldEvent | ResponseRejectedIndexFieldEvent | ResponseRejectedReasonFieldEvent | ResponseRecordsKeyFieldEvent | ResponseRecordsOwnerFieldEvent | ResponseRecordsOwnerPublicKeyFieldEvent | ResponseRecordsSeqFieldEvent | ResponseRecordsExpiresAtFieldEvent | ResponseRecordsWithdrawnFieldEvent | ResponseRecordsSignatureFieldEvent | ResponseReasonFieldEvent | ResponsePublicKeyFieldEvent | ResponseSignatureFieldEvent | ResponseFetchedHolderFieldEvent | ResponseFetchedRecordsKeyFieldEvent | ResponseFetchedRecordsOwnerFieldEvent | ResponseFetchedRecordsOwnerPublicKeyFieldEvent | ResponseFetchedRecordsSeqFieldEvent | ResponseFetchedRecordsExpiresAtFieldEvent | ResponseFetchedRecordsWithdrawnFieldEvent | ResponseFetchedRecordsSignatureFieldEvent | ResponseFetchedPublicKeyFieldEvent | ResponseFetchedSignatureFieldEvent | ResponseForwardedFromIdFieldEvent | ResponseForwardedFromPeerFieldEvent | ResponseForwardedFromAddrsFieldEvent | ResponseForwardedFoundFieldEvent | ResponseForwardedNodesIdFieldEvent | ResponseForwardedNodesPeerFieldEvent | ResponseForwardedNodesAddrsFieldEvent | ResponseForwardedFetchedHolderFieldEvent | ResponseForwardedFetchedRecordsKeyFieldEvent | ResponseForwardedFetchedRecordsOwnerFieldEvent | ResponseForwardedFetchedRecordsOwnerPublicKeyFieldEvent | ResponseForwardedFetchedRecordsSeqFieldEvent | ResponseForwardedFetchedRecordsExpiresAtFieldEvent | ResponseForwardedFetchedRecordsWithdrawnFieldEvent | ResponseForwardedFetchedRecordsSignatureFieldEvent | ResponseForwardedFetchedPublicKeyFieldEvent | ResponseForwardedFetchedSignatureFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}

export interface Forwarded {
  from?: NodeRef
  found: boolean
  nodes: NodeRef[]
  fetched: HolderAnswer[]
}

export namespace Forwarded {
  let _codec: Codec<Forwarded>

  export const codec = (): Codec<Forwarded> => {
    if (_codec == null) {
      _codec = message<Forwarded>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.from != null) {
          w.uint32(10)
          NodeRef.codec().encode(obj.from, w)
        }

        if ((obj.found != null && obj.found !== false)) {
          w.uint32(16)
          w.bool(obj.found)
        }

        if (obj.nodes != null && obj.nodes.length > 0) {
          for (const value of obj.nodes) {
            w.uint32(26)
            NodeRef.codec().encode(value, w)
          }
        }

        if (obj.fetched != null && obj.fetched.length > 0) {
          for (const value of obj.fetched) {
            w.uint32(34)
            HolderAnswer.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          found: false,
          nodes: [],
          fetched: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.from
              })
              break
            }
            case 2: {
              obj.found = reader.bool()
              break
            }
            case 3: {
              if (opts.limits?.nodes != null && obj.nodes.length === opts.limits.nodes) {
                throw new MaxLengthError('Decode error - repeated field "nodes" had too many elements')
              }

              obj.nodes.push(NodeRef.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.nodes$
              }))
              break
            }
            case 4: {
              if (opts.limits?.fetched != null && obj.fetched.length === opts.limits.fetched) {
                throw new MaxLengthError('Decode error - repeated field "fetched" had too many elements')
              }

              obj.fetched.push(HolderAnswer.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetched$
              }))
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
        const obj = {
          nodes: 0,
          fetched: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.from`, {
                limits: opts.limits?.from
              })

              break
            }
            case 2: {
              yield {
                field: `${prefix}.found`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              if (opts.limits?.nodes != null && obj.nodes === opts.limits.nodes) {
                throw new MaxLengthError('Streaming decode error - repeated field "nodes" had too many elements')
              }

              for (const evt of NodeRef.codec().stream(reader, reader.uint32(), `${prefix}.nodes[]`, {
                limits: opts.limits?.nodes$
              })) {
                yield {
                  ...evt,
                  index: obj.nodes
                }
              }

              obj.nodes++

              break
            }
            case 4: {
              if (opts.limits?.fetched != null && obj.fetched === opts.limits.fetched) {
                throw new MaxLengthError('Streaming decode error - repeated field "fetched" had too many elements')
              }

              for (const evt of HolderAnswer.codec().stream(reader, reader.uint32(), `${prefix}.fetched[]`, {
                limits: opts.limits?.fetched$
              })) {
                yield {
                  ...evt,
                  index: obj.fetched
                }
              }

              obj.fetched++

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

  export interface ForwardedFromIdFieldEvent {
    field: '$.from.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ForwardedFromPeerFieldEvent {
    field: '$.from.peer'
    value: string
  }

  export interface ForwardedFromAddrsFieldEvent {
    field: '$.from.addrs[]'
    index: number
    value: string
  }

  export interface ForwardedFoundFieldEvent {
    field: '$.found'
    value: boolean
  }

  export interface ForwardedNodesIdFieldEvent {
    field: '$.nodes[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedNodesPeerFieldEvent {
    field: '$.nodes[].peer'
    value: string
    index: number
  }

  export interface ForwardedNodesAddrsFieldEvent {
    field: '$.nodes[].addrs[]'
    index: number
    value: string
  }

  export interface ForwardedFetchedHolderFieldEvent {
    field: '$.fetched[].holder'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedRecordsKeyFieldEvent {
    field: '$.fetched[].records[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedRecordsOwnerFieldEvent {
    field: '$.fetched[].records[].owner'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedRecordsOwnerPublicKeyFieldEvent {
    field: '$.fetched[].records[].ownerPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedRecordsSeqFieldEvent {
    field: '$.fetched[].records[].seq'
    value: bigint
    index: number
  }

  export interface ForwardedFetchedRecordsExpiresAtFieldEvent {
    field: '$.fetched[].records[].expiresAt'
    value: bigint
    index: number
  }

  export interface ForwardedFetchedRecordsWithdrawnFieldEvent {
    field: '$.fetched[].records[].withdrawn'
    value: boolean
    index: number
  }

  export interface ForwardedFetchedRecordsSignatureFieldEvent {
    field: '$.fetched[].records[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedPublicKeyFieldEvent {
    field: '$.fetched[].publicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ForwardedFetchedSignatureFieldEvent {
    field: '$.fetched[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Forwarded>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Forwarded.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Forwarded>): Forwarded {
    return decodeMessage(buf, Forwarded.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Forwarded>): Generator<ForwardedFromIdFieldEvent | ForwardedFromPeerFieldEvent | ForwardedFromAddrsFieldEvent | ForwardedFoundFieldEvent | ForwardedNodesIdFieldEvent | ForwardedNodesPeerFieldEvent | ForwardedNodesAddrsFieldEvent | ForwardedFetchedHolderFieldEvent | ForwardedFetchedRecordsKeyFieldEvent | ForwardedFetchedRecordsOwnerFieldEvent | ForwardedFetchedRecordsOwnerPublicKeyFieldEvent | ForwardedFetchedRecordsSeqFieldEvent | ForwardedFetchedRecordsExpiresAtFieldEvent | ForwardedFetchedRecordsWithdrawnFieldEvent | ForwardedFetchedRecordsSignatureFieldEvent | ForwardedFetchedPublicKeyFieldEvent | ForwardedFetchedSignatureFieldEvent> {
    return streamMessage(buf, Forwarded.codec(), opts)
  }
}
