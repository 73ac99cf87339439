/**
 * `ime pstn`: runs the PSTN gateway alone (what the demo starts in-process), for a world of `ime node`s on one
 * machine or a lab: subscribers (each enterprise's trunk account and its numbers) come from a YAML or JSON file.
 */
import { z } from 'zod'
import { systemClock } from '../core/clock.js'
import { isE164, type E164 } from '../core/e164.js'
import { describeIssues, readConfigFile } from '../config/node-config.js'
import { PstnGateway } from '../pstn/gateway.js'
import { shutdownSignal, stringOption, UsageError, type Command } from './command.js'

const port = z.number().int().min(0).max(65535)
const schema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  tcp: port.default(7060),
  ws: port.optional(),
  setupDelayMs: z.strictObject({ min: z.number().min(0), max: z.number().min(0) }).optional(),
  subscribers: z
    .array(
      z.strictObject({
        account: z.string().min(1),
        password: z.string().min(1),
        numbers: z.array(z.string().refine(isE164, { error: 'must be an E.164 number such as +14085550100' })).min(1),
      }),
    )
    .min(1, { error: 'must list at least one subscriber' }),
})

export const pstnCommand: Command = {
  name: 'pstn',
  summary: 'run the PSTN gateway: routes calls by number to the enterprise that owns it',
  help: `Usage: ime pstn --config FILE

  --config FILE  YAML or JSON: host (127.0.0.1), tcp (7060), ws, setupDelayMs {min, max} (default 150-400),
                 subscribers: [{account, password, numbers: [E164...]}]: each enterprise's trunk account

An enterprise node reaches it with sip.pstn {uri: sip:HOST:TCP;transport=tcp, user: ACCOUNT, password} in its
configuration. When up, prints: ready {"sipTcp", "sipWs"}. Ctrl-C stops it.`,
  options: { config: { type: 'string' } },
  async run(args) {
    const signal = shutdownSignal()
    const file = stringOption(args, 'config')
    if (file === undefined) throw new UsageError('ime pstn needs --config FILE (see ime pstn --help)')
    const raw = readConfigFile(file)
    if (!raw.ok) throw new UsageError(raw.error)
    const parsed = schema.safeParse(raw.value)
    if (!parsed.success) {
      throw new UsageError(`${file}:\n  ${describeIssues(parsed.error, raw.value).split('\n').join('\n  ')}`)
    }
    const c = parsed.data
    const gateway = await PstnGateway.start({
      host: c.host,
      tcpPort: c.tcp,
      ...(c.ws !== undefined && { wsPort: c.ws }),
      ...(c.setupDelayMs !== undefined && { setupDelayMs: c.setupDelayMs }),
      clock: systemClock,
      subscribers: c.subscribers.map((s) => ({ ...s, numbers: s.numbers as E164[] })),
    })
    process.stdout.write(
      `ready ${JSON.stringify({
        sipTcp: `sip:${c.host}:${gateway.tcpPort};transport=tcp`,
        sipWs: gateway.wsPort === undefined ? undefined : `ws://${c.host}:${gateway.wsPort}`,
      })}\n`,
    )
    process.stderr.write(`${await signal}: stopping the PSTN gateway\n`)
    await gateway.stop()
    return 0
  },
}
