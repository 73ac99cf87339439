/**
 * `ime demo` (what `npm start` runs): the demo world on loopback: a PSTN gateway and three enterprises (each an
 * enterprise node with its call agent and users), joined in one Chord ring. Prints the ready line and a summary
 * with each user's SIP address and password; Ctrl-C stops everything cleanly.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { ringIdToHex } from '../core/ring.js'
import { registers } from '../demo/carrier.js'
import { ensureWebBuilt } from '../demo/web-build.js'
import { startWorld, type World } from '../demo/world.js'
import { intOption, shutdownSignal, stringOption, type Command } from './command.js'

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start the demo world on loopback: a PSTN gateway and enterprises in one ring',
  help: `Usage: ime demo [--carrier] [--enterprises N] [--data DIR] [--fresh] [--base-port P] [--no-web]

  --carrier        the PSTN is a carrier world instead of the embedded stand-in gateway: Kamailio as the carrier,
                   rtpengine as the media bridge, baresip legacy phones (G.711) that answer by themselves and play
                   a tone (docs/trunks.md, "The carrier demo"); needs kamailio, rtpengine-daemon and baresip-core.
                   Enterprise 0's trunk registers with digest over UDP, enterprise 1's is IP-authenticated (TCP). Carrier: P+61,
                   phones: P+62; enterprise i: rtpengine ng P+80+i, media P+300+60i..+59, IP-authenticated
                   trunk face P+105+10i
  --enterprises N  enterprises (default 3; 2 with --carrier)
  --data DIR       where each enterprise keeps its data (default .data/demo); kept across restarts
  --fresh          start from empty data directories
  --no-web         do not build or serve the web app (the softphone)
  --base-port P    first port of the fixed layout (default 7000; 0: any free ports). PSTN gateway: P+60 (TCP),
                   P+66 (WebSocket); enterprise i (from 0): P+100+10i HTTP (API and softphone), +1 internal
                   TCP, +2 internal WebSocket, +3 edge TCP, +4 edge WebSocket; TURN (coturn, when installed):
                   P+70, relaying on P+200..P+299

The demo shortens validation's random delay to 5-15 s after a call of at least 3 s, and says when it runs.
When all is up it prints one line on stdout:
  ready {"pstn": {sipWs, sipTcp}, "turn": {urls} (when coturn runs), "enterprises": [{name, domain, numbers, http, operatorToken, sipWs, sipTcp,
         edge, peerId, nodeId, multiaddrs, phones: [{user, number, password, url}]}]}
then a summary, and keeps running until Ctrl-C.`,
  options: {
    enterprises: { type: 'string' },
    data: { type: 'string' },
    fresh: { type: 'boolean' },
    'base-port': { type: 'string' },
    'no-web': { type: 'boolean' },
    carrier: { type: 'boolean' },
  },
  async run(args) {
    const signal = shutdownSignal()
    const carrier = args.values.carrier === true
    const count = intOption(args, 'enterprises', carrier ? 2 : 3, 1, 8)
    const basePort = intOption(args, 'base-port', 7000, 0, 65_000)
    const dataDir = stringOption(args, 'data') ?? join('.data', 'demo')
    if (args.values.fresh === true) rmSync(dataDir, { recursive: true, force: true })
    const say = (line: string) => process.stderr.write(`${line}\n`)
    const webRoot = args.values['no-web'] === true ? undefined : await ensureWebBuilt(process.cwd(), say)
    say(
      carrier
        ? 'PSTN: a carrier world (Kamailio carrier, rtpengine media bridge, baresip legacy phones)'
        : 'PSTN: the embedded stand-in gateway (src/pstn); ime demo --carrier runs Kamailio and legacy phones instead',
    )
    const world: World = await startWorld({
      ...(webRoot !== undefined && { webRoot }),
      dataDir,
      enterprises: count,
      basePort,
      pstn: carrier ? 'carrier' : 'gateway',
      turn: 'auto',
      validation: { minCallMs: 3_000, delayMinMs: 5_000, delayMaxMs: 15_000 },
      validationPollMs: 1_000,
      onProgress: say,
      onValidation: (name, o) =>
        say(
          `validation at ${name}: ${o.number} ${o.outcome}` +
            (o.outcome === 'validated' ? ` (route to ${o.domain})` : o.reason !== undefined ? ` (${o.reason})` : ''),
        ),
      onSipEvent: (name, e) => {
        if (e.type === 'fallback')
          say(`${name}: call to ${String(e.number)} fell back to the PSTN (${String(e.status)} ${String(e.reason)})`)
        if (e.type === 'call-started')
          say(`${name}: ${String(e.path).toUpperCase()} call ${String(e.caller)} -> ${String(e.called)} answered`)
      },
    })
    const ready = world.readyInfo()
    process.stdout.write(`ready ${JSON.stringify(ready)}\n`)

    const pstnName = carrier ? 'a carrier (Kamailio)' : 'a PSTN gateway'
    const lines = ['', `IME demo: ${pstnName} and ${count} enterprises in one Chord ring on 127.0.0.1`]
    if (carrier) {
      lines.push(`  carrier          ${ready.pstn.sipTcp}  (trunks: ${carrierTrunks(count)})`)
      for (const p of ready.pstn.phones ?? []) {
        lines.push(`  legacy phone     ${p.number}  (${p.kind}: answers by itself, plays ${p.toneHz} Hz)`)
      }
    } else lines.push(`  PSTN gateway     ${ready.pstn.sipTcp}  ${ready.pstn.sipWs ?? ''}`)
    if (ready.turn !== undefined) lines.push(`  TURN (coturn)    ${ready.turn.urls.join('  ')}`)
    for (const e of ready.enterprises) {
      lines.push(`  ${e.domain.padEnd(18)} node ${e.nodeId.slice(0, 8)}…  numbers ${e.numbers.join(', ')}`)
      lines.push(`  ${''.padEnd(18)} web ${e.http}  operator token ${e.operatorToken}`)
      lines.push(`  ${''.padEnd(18)} SIP ${e.sipWs} (softphones), edge ${e.edge.sipWs}`)
      for (const p of e.phones) {
        lines.push(`  ${''.padEnd(18)} user ${p.user.padEnd(6)} ${p.number}  password ${p.password}`)
        if (p.url !== undefined) lines.push(`  ${''.padEnd(18)}   softphone, signed in (once, 10 min): ${p.url}`)
      }
    }
    lines.push('', 'Who claims each number, looked up from the next enterprise (the ring stores only slow hashes):')
    for (const [i, e] of world.enterprises.entries()) {
      const asker = world.enterprises[(i + 1) % world.enterprises.length]!.node
      for (const number of e.spec.numbers) {
        const claims = await asker.claimsOn(number)
        const owners = claims.owners.map(
          (o) => ready.enterprises.find((r) => r.nodeId === ringIdToHex(o))?.domain ?? ringIdToHex(o),
        )
        lines.push(`  ${number}  claimed by ${owners.join(', ') || 'nobody'}  (${claims.hops} hops)`)
      }
    }
    lines.push('', `Ctrl-C stops every node (each leaves the ring gracefully) and ${pstnName}.`, '')
    process.stdout.write(lines.join('\n'))

    say(`${await signal}: stopping...`)
    await world.stop()
    return 0
  },
}

/** Which enterprise's trunk registers and which is IP-authenticated (src/demo/carrier.ts). */
function carrierTrunks(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${i}: ${registers(i) ? 'registers, UDP' : 'IP-authenticated, TCP'}`,
  ).join(', ')
}
