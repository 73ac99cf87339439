import { describe, expect, it } from 'vitest'
import { describeDevices } from './devices.js'
import { dtmfFrequencies, onIntervals, RINGBACK, RINGING } from './tones.js'

describe('tones and devices', () => {
  it('knows the DTMF pairs', () => {
    expect(dtmfFrequencies('1')).toEqual([697, 1209])
    expect(dtmfFrequencies('5')).toEqual([770, 1336])
    expect(dtmfFrequencies('9')).toEqual([852, 1477])
    expect(dtmfFrequencies('*')).toEqual([941, 1209])
    expect(dtmfFrequencies('0')).toEqual([941, 1336])
    expect(dtmfFrequencies('#')).toEqual([941, 1477])
    expect(dtmfFrequencies('A')).toBeUndefined()
  })

  it('schedules cadences', () => {
    expect(onIntervals(RINGBACK, 13_000)).toEqual([
      [0, 2000],
      [6000, 8000],
      [12000, 13000],
    ])
    expect(onIntervals(RINGING, 3100)).toEqual([
      [0, 400],
      [600, 1000],
      [3000, 3100],
    ])
  })

  it('names devices that have no label yet', () => {
    const d = describeDevices([
      { deviceId: 'default', kind: 'audioinput', label: '' },
      { deviceId: 'x', kind: 'audioinput', label: 'USB headset' },
      { deviceId: 's', kind: 'audiooutput', label: '' },
      { deviceId: '', kind: 'audiooutput', label: '' },
      { deviceId: 'v', kind: 'videoinput', label: 'Camera' },
    ])
    expect(d).toEqual({
      microphones: [
        { deviceId: 'default', label: 'Microphone 1' },
        { deviceId: 'x', label: 'USB headset' },
      ],
      speakers: [{ deviceId: 's', label: 'Speaker 1' }],
    })
  })
})
