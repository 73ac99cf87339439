import { describe, expect, it } from 'vitest'
import type { E164 } from '../core/e164.js'
import { carrierConfig, type CarrierLayout } from './carrier-config.js'
import { baresipAccounts } from './legacy-phones.js'

const layout: CarrierLayout = {
  listen: '127.0.0.1:5060',
  realm: 'carrier.example',
  customers: [
    { kind: 'register', user: 'alpha', password: 's3cret', numbers: ['+12015550100' as E164] },
    { kind: 'ip', numbers: ['+12025550102' as E164], address: '127.0.0.1:7115', sourceIp: '127.0.0.1' },
  ],
  phones: [{ number: '+13125550199' as E164, address: '127.0.0.1:7062' }],
}

describe('the demo carrier config', () => {
  it('routes each kind of customer and the phones by number', () => {
    const cfg = carrierConfig(layout)
    expect(cfg).toContain('listen=tcp:127.0.0.1:5060')
    expect(cfg).toContain('listen=udp:127.0.0.1:5060')
    // The registering customer: reached down its registration, challenged on REGISTER and on calls out.
    expect(cfg).toMatch(/if \(\$rU == "\+12015550100"\) \{[^}]*lookup\("location"\)/)
    expect(cfg).toContain('pv_www_authenticate("carrier.example", "s3cret", "0")')
    expect(cfg).toContain('pv_proxy_authenticate("carrier.example", "s3cret", "0")')
    // The IP-authenticated one: to its address; its calls out taken by source address and caller number.
    expect(cfg).toContain('$du = "sip:127.0.0.1:7115;transport=tcp"')
    expect(cfg).toContain('if ($si == "127.0.0.1" && ($fU == "+12025550102")) $var(caller) = "ip";')
    expect(cfg).toContain('$du = "sip:127.0.0.1:7062;transport=tcp"')
  })

  it('refuses what could break out of its string literals', () => {
    const bad = { ...layout, phones: [{ number: '+1312"' as E164, address: '127.0.0.1:1' }] }
    expect(() => carrierConfig(bad)).toThrow('+1312" is not an E.164 number')
    const quote = { ...layout, customers: [{ kind: 'register' as const, user: 'a', password: 'x"y', numbers: [] }] }
    expect(() => carrierConfig(quote)).toThrow('account a: user and password must be letters, digits')
  })

  it('gives each legacy phone an account that answers by itself with its own tone', () => {
    expect(baresipAccounts('carrier.example', [{ number: '+13125550199' as E164, toneHz: 600 }])).toBe(
      '<sip:+13125550199@carrier.example;transport=tcp>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA;' +
        'audio_source=ausine,600\n',
    )
  })
})
