/**
 * The conference mixer's wiring with a fake WebAudio graph: each leg sends the microphone and the other legs'
 * far ends (never its own), the local mix has every far end, and stop() gives each leg its microphone back.
 * The sound itself is checked in the browsers (test/e2e/lines.e2e.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { ConferenceMixer } from './conference-mixer.js'

class Node {
  readonly into: Node[] = []
  gain = { value: 1 }
  constructor(readonly name: string) {}
  connect(n: Node): Node {
    this.into.push(n)
    return n
  }
}

function fakeContext() {
  const outs: Node[] = []
  let closed = false
  const ctx = {
    state: 'running',
    createGain: () => new Node('gain'),
    createMediaStreamSource: (s: { id: string }) => new Node(`source:${s.id}`),
    createMediaStreamDestination: () => {
      const n = new Node(`out${outs.length}`) as Node & { stream: unknown }
      n.stream = { getAudioTracks: () => [{ id: `mixed:${n.name}` }] }
      outs.push(n)
      return n
    },
    close: async () => {
      closed = true
    },
  }
  return { ctx: ctx as unknown as AudioContext, outs, closed: () => closed }
}

const stream = (id: string) => ({ id, getAudioTracks: () => [{ id }] }) as unknown as MediaStream
const element = () => ({ play: async () => undefined }) as unknown as HTMLAudioElement

function leg(name: string) {
  const sender = {
    track: { kind: 'audio', id: `mic-${name}` } as unknown as MediaStreamTrack | null,
    async replaceTrack(t: MediaStreamTrack | null) {
      this.track = t
    },
  }
  return { pc: { getSenders: () => [sender] } as unknown as RTCPeerConnection, remote: stream(name), sender }
}

/** The sources that feed a destination, by name. */
const feeding = (all: Node[], out: Node) => all.filter((n) => n.into.includes(out)).map((n) => n.name)

describe('ConferenceMixer', () => {
  it('sends each leg the microphone and the other far end; plays both far ends; restores on stop', async () => {
    const { ctx, outs, closed } = fakeContext()
    const sources: Node[] = []
    const wrapped = {
      ...ctx,
      createMediaStreamSource: (s: MediaStream) => {
        const n = (ctx.createMediaStreamSource as unknown as (s: MediaStream) => Node)(s)
        sources.push(n)
        return n
      },
    } as unknown as AudioContext
    const bob = leg('bob')
    const bert = leg('bert')
    const r = await ConferenceMixer.start(stream('mic'), [bob, bert], {
      createContext: () => wrapped,
      createElement: element,
    })
    if (!r.ok) throw new Error(r.error)
    const [local, toBob, toBert] = outs as [Node, Node, Node]
    const micGain = sources.find((s) => s.name === 'source:mic')!.into[0]!
    const all = [...sources, micGain]
    expect(feeding(all, local).sort()).toEqual(['source:bert', 'source:bob'])
    expect(feeding(all, toBob).sort()).toEqual(['gain', 'source:bert'])
    expect(feeding(all, toBert).sort()).toEqual(['gain', 'source:bob'])
    expect([bob.sender.track?.id, bert.sender.track?.id]).toEqual(['mixed:out1', 'mixed:out2'])

    r.mixer.setMicMuted(true)
    expect(micGain.gain.value).toBe(0)
    await r.mixer.stop()
    expect([bob.sender.track?.id, bert.sender.track?.id]).toEqual(['mic-bob', 'mic-bert'])
    expect(closed()).toBe(true)
  })

  it('refuses, as a value, a leg without an audio sender or a stream without a microphone track', async () => {
    const { ctx } = fakeContext()
    const deps = { createContext: () => ctx, createElement: element }
    const noSender = { pc: { getSenders: () => [] } as unknown as RTCPeerConnection, remote: stream('x') }
    expect(await ConferenceMixer.start(stream('mic'), [leg('bob'), noSender], deps)).toEqual({
      ok: false,
      error: 'a call has no audio sender to mix into',
    })
    const silent = { id: 'none', getAudioTracks: () => [] } as unknown as MediaStream
    expect(await ConferenceMixer.start(silent, [leg('bob'), leg('bert')], deps)).toEqual({
      ok: false,
      error: 'no microphone track',
    })
  })
})
