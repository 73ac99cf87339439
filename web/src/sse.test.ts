import { describe, expect, it } from 'vitest'
import { SseParser } from './sse.js'

describe('server-sent events parser', () => {
  it('parses events split across chunks, with ids, names, comments and multi-line data', () => {
    const p = new SseParser()
    expect(p.push(': hello\n\nevent: call\nid: 7\nda')).toEqual([])
    expect(p.push('ta: {"a":1}\ndata: x\n\n')).toEqual([{ event: 'call', id: '7', data: '{"a":1}\nx' }])
    expect(p.push('data:plain\r\n\r\n')).toEqual([{ event: 'message', id: '7', data: 'plain' }])
  })

  it('waits for the \\n after a trailing \\r', () => {
    const p = new SseParser()
    expect(p.push('data: a\r')).toEqual([])
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a' }])
  })
})
