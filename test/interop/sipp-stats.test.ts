/** The parsers of SIPp's output used by the interop tests and `ime bench sip`. */
import { describe, expect, it } from 'vitest'
import { countsOf, durationMs, epochSeconds, lastStatRow, responseTimes } from '../../src/testing/interop/sipp-stats.js'
import { renderTemplate } from '../../src/testing/interop/kamailio.js'
import { rttFreqFor } from '../../src/testing/interop/sipp.js'

describe('SIPp output parsers', () => {
  const csv = [
    'StartTime;CurrentTime;OutgoingCall(C);SuccessfulCall(C);FailedCall(C);ResponseTime1(C);',
    '2026-11-25\t06:24:50.9\t1795587890.500000;2026-11-25\t06:24:51.4\t1795587891.000000;1;1;0;00:00:00:000000;',
    '2026-11-25\t06:24:50.9\t1795587890.500000;2026-11-25\t06:24:52.4\t1795587892.500000;5;4;1;00:00:00:002500;',
  ].join('\n')

  it('reads the last statistics row and its counters', () => {
    const row = lastStatRow(csv)
    expect(countsOf(row)).toEqual({ created: 5, successful: 4, failed: 1, elapsedS: 2, responseTime1MeanMs: 2.5 })
  })

  it('parses SIPp times and durations', () => {
    expect(epochSeconds('2026-11-25\t06:24:50.9\t1795587890.25')).toBe(1795587890.25)
    expect(epochSeconds(undefined)).toBeNaN()
    expect(durationMs('00:01:02:003000')).toBe(62_003)
    expect(durationMs('00:00:03')).toBe(3000)
    expect(durationMs('junk')).toBeNaN()
  })

  it('reads response times of one timer from -trace_rtt', () => {
    expect(responseTimes('Date_ms;response_time_ms;rtd_no\n108.0;4;1\n204.0;0;1\n300.0;7;2\n')).toEqual([4, 0])
  })

  it('picks an -rtt_freq that divides the call count, so that SIPp writes every response time', () => {
    expect(rttFreqFor(10_000)).toBe(1000)
    expect(rttFreqFor(2500)).toBe(625)
    expect(rttFreqFor(997)).toBe(997)
    expect(rttFreqFor(1999)).toBe(1)
  })

  it('renders Kamailio templates and refuses a parameter left without a value', () => {
    expect(renderTemplate('listen=tcp:{{LISTEN}}', { LISTEN: '127.0.0.1:5060' })).toBe('listen=tcp:127.0.0.1:5060')
    expect(() => renderTemplate('{{A}} {{B}}', { A: 1 })).toThrow('{{B}}')
  })
})
