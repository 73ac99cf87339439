/**
 * `ime node`: runs one enterprise node for real: its Chord ring membership and published numbers, validation,
 * and, when configured, the SIP call agent and the HTTP API. Configured by a file (--config), the environment
 * and flags, in rising order of precedence (docs/configuration.md).
 */
import { applyEnvironment, checkNodeConfig, readConfigFile } from '../config/node-config.js'
import { expandNumberPlan } from '../core/number-plan.js'
import { ringIdToHex } from '../core/ring.js'
import { nodeRefFromMultiaddr } from '../p2p/chord-transport.js'
import { startEnterpriseNode, type EnterpriseNode } from '../node.js'
import { readFileSync } from 'node:fs'
import { raiseDescriptorLimit } from '../core/descriptors.js'
import { intOption, shutdownSignal, stringOption, UsageError, type Command } from './command.js'
import { describeChordEvent, type Logger, createLogger } from './log.js'
import { midcallFallbackSettings } from '../fallback/settings.js'
import type { DigestOffer } from '../sip/auth/index.js'
import { reachability } from '../p2p/reachability.js'

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/** Joins via the first bootstrap peer that answers; the error lists why each one failed. */
async function joinAny(start: (bootstrap?: string) => Promise<EnterpriseNode>, bootstraps: string[], log: Logger) {
  if (bootstraps.length === 0) return start()
  const reasons: string[] = []
  for (const address of bootstraps) {
    try {
      return await start(address)
    } catch (e) {
      reasons.push(`${address}: ${(e as Error).message}`)
      log.warn(`could not join via ${address}: ${(e as Error).message}`)
    }
  }
  throw new Error(`could not join the ring through any bootstrap peer:\n  ${reasons.join('\n  ')}`)
}

export const nodeCommand: Command = {
  name: 'node',
  summary: 'run an IME node: a new ring, or join one with --bootstrap',
  help: `Usage: ime node [--config FILE] [--domain DOMAIN] [--number E164]... [--range FROM..TO]...
                [--exclude E164]... [--quota Q] [--country CC] [--overlay NAME] [--listen MULTIADDR]...
                [--bootstrap MULTIADDR]... [--data DIR] [--http PORT] [--log-json]

  --config FILE          YAML or JSON configuration (docs/configuration.md; example: docs/node.example.yaml):
                         domain, numbers, SIP listeners, users, HTTP, validation timing, block list, PSTN trunk.
                         Environment variables IME_DOMAIN, IME_DATA, IME_OVERLAY, IME_BOOTSTRAP, IME_HTTP_PORT,
                         IME_OPERATOR_TOKEN, IME_LOG_JSON override it; the flags below override both.
  --domain DOMAIN        this enterprise's domain (default unnamed.invalid)
  --number NUMBER        a number this enterprise owns, published in the ring; repeatable
  --range FROM..TO       a block of numbers, both ends included; repeatable
  --exclude NUMBER       a number of a range not to publish; repeatable
  --quota Q              most numbers this node may publish (default 10000); more is an error
                         (numbers this node published before but not given now are withdrawn)
  --country CC           default country for national numbers (ISO 3166, e.g. US, GB)
  --overlay NAME         the overlay's name; salts number keys, the same on every node (default ime)
  --listen MULTIADDR     libp2p listen address (default /ip4/127.0.0.1/tcp/0); repeatable
  --bootstrap MULTIADDR  a ring member, ending in /p2p/PEER-ID; repeatable (tried in order).
                         Without it, this node starts a new ring.
  --data DIR             where the node keeps its database and identity (default .data/node)
  --http PORT            serve the HTTP API (and web/dist if built) on 127.0.0.1:PORT
  --log-json             logs as JSON lines on stderr

When up, prints one line on stdout:
  ready {"peerId", "nodeId", "multiaddrs", "domain", "numbers", "data", "http", "sipWs", "sipTcp", "edge"}
Ctrl-C or SIGTERM leaves the ring gracefully (records handed to the successor) and exits.`,
  options: {
    config: { type: 'string' },
    domain: { type: 'string' },
    number: { type: 'string', multiple: true },
    range: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    quota: { type: 'string' },
    country: { type: 'string' },
    overlay: { type: 'string' },
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    data: { type: 'string' },
    http: { type: 'string' },
    'log-json': { type: 'boolean' },
  },
  async run(args) {
    const signal = shutdownSignal()
    const file = stringOption(args, 'config')
    const fromFile = file === undefined ? { ok: true as const, value: {} } : readConfigFile(file)
    if (!fromFile.ok) throw new UsageError(fromFile.error)
    const raw = applyEnvironment(fromFile.value, process.env)
    // Flags override the file and the environment.
    const flag = (name: string) => stringOption(args, name)
    raw.domain = flag('domain') ?? raw.domain ?? 'unnamed.invalid'
    if (flag('overlay') !== undefined) raw.overlay = flag('overlay')
    if (flag('data') !== undefined) raw.data = flag('data')
    if (flag('country') !== undefined) raw.country = flag('country')
    if (flag('quota') !== undefined) raw.quota = intOption(args, 'quota', 0, 0, 10_000_000)
    if (asList(args.values.number).length > 0) raw.numbers = asList(args.values.number)
    if (asList(args.values.range).length > 0) {
      for (const text of asList(args.values.range)) {
        if (text.split('..').length !== 2) {
          throw new UsageError(`--range takes FROM..TO, e.g. +14085550100..+14085550199; got ${JSON.stringify(text)}`)
        }
      }
      raw.ranges = asList(args.values.range)
    }
    if (asList(args.values.exclude).length > 0) raw.exclude = asList(args.values.exclude)
    const p2p = { ...(raw.p2p as Record<string, unknown> | undefined) }
    if (asList(args.values.listen).length > 0) p2p.listen = asList(args.values.listen)
    if (asList(args.values.bootstrap).length > 0) p2p.bootstrap = asList(args.values.bootstrap)
    raw.p2p = p2p
    if (flag('http') !== undefined) raw.http = { ...(raw.http as object), port: intOption(args, 'http', 0, 0, 65_535) }
    if (args.values['log-json'] === true) raw.log = { ...(raw.log as object), json: true }
    const checked = checkNodeConfig(raw, process.env)
    if (!checked.ok)
      throw new UsageError(
        `${file === undefined ? 'configuration' : file}:\n  ${checked.error.split('\n').join('\n  ')}`,
      )
    const c = checked.value

    const log = createLogger({ json: c.log.json, level: c.log.level })
    // Every socket takes a descriptor: a flood of connections must not exhaust them below the hard limit.
    const raised = raiseDescriptorLimit()
    if (!raised.ok) log.warn(raised.error)
    else if (raised.value.after.soft > raised.value.before.soft)
      log.info(`descriptor limit raised from ${raised.value.before.soft} to ${raised.value.after.soft}`)
    for (const b of c.p2p.bootstrap) {
      try {
        nodeRefFromMultiaddr(b)
      } catch (e) {
        throw new UsageError(`--bootstrap ${(e as Error).message}`)
      }
    }
    const plan = expandNumberPlan(
      {
        numbers: c.numbers,
        ranges: c.ranges.map((r) => {
          if (typeof r !== 'string') return r
          const [from, to] = r.split('..') as [string, string]
          return { from, to }
        }),
        exclusions: c.exclude,
        quota: c.quota,
      },
      c.country === undefined ? {} : { defaultCountry: c.country },
    )
    if (!plan.ok) throw new UsageError(`numbers to publish: ${plan.error}`)
    const numbers = plan.value
    const midcall = c.sip?.midcallFallback === undefined ? undefined : midcallFallbackSettings(c.sip.midcallFallback)
    if (midcall?.ok === false) throw new UsageError(`sip.${midcall.error}`)
    const users = c.users.map((u) => ({
      name: u.name,
      password: u.password!,
      role: u.role,
      ...(u.number !== undefined && { number: u.number }),
      ...(u.contact !== undefined && { contact: u.contact }),
    }))
    const node = await joinAny(
      (bootstrap) =>
        startEnterpriseNode({
          dataDir: c.data,
          overlay: c.overlay,
          domain: c.domain,
          numbers,
          users,
          listen: c.p2p.listen,
          announce: c.p2p.announce,
          chord: {
            ...(c.p2p.stabiliseMs !== undefined && {
              stabiliseIntervalMs: c.p2p.stabiliseMs,
              checkPredecessorIntervalMs: c.p2p.stabiliseMs,
            }),
            ...(c.p2p.fixFingersMs !== undefined && { fixFingersIntervalMs: c.p2p.fixFingersMs }),
            ...(c.p2p.rediscoverMs !== undefined && { rediscoverIntervalMs: c.p2p.rediscoverMs }),
            ...(c.p2p.requestTimeoutMs !== undefined && { requestTimeoutMs: c.p2p.requestTimeoutMs }),
          },
          ...(bootstrap !== undefined && { bootstrap: nodeRefFromMultiaddr(bootstrap) }),
          ...(c.sip !== undefined && {
            sip: {
              host: c.sip.host,
              edge: face(c.sip.edge),
              internal: face(c.sip.internal),
              imeTimeoutMs: c.sip.imeTimeoutMs,
              ...(c.sip.pstn !== undefined && { pstn: c.sip.pstn }),
              ...(c.sip.mediaBridge !== undefined && { mediaBridge: c.sip.mediaBridge }),
              ...(c.sip.outboundProxy !== undefined && { outboundProxy: c.sip.outboundProxy }),
              ...(c.sip.inbound !== undefined && { inboundLimits: c.sip.inbound }),
              ...(midcall?.ok === true && { midcallFallback: midcall.value }),
              onEvent: (e) => {
                // One accepted ticket per call: at debug level (the metrics count them).
                if (e.type === 'ticket-checked' && e.ok === true) log.debug(`sip: ${e.type}`, { ...e })
                else log.info(`sip: ${e.type}`, { ...e })
              },
            },
          }),
          ...(c.http !== undefined && {
            http: {
              ...c.http,
              ...(c.ice !== undefined && {
                ice: {
                  stun: c.ice.stun,
                  policy: c.ice.policy,
                  ...(c.ice.turn !== undefined && {
                    turn: { urls: c.ice.turn.urls, secret: c.ice.turn.secret!, ttlSeconds: c.ice.turn.ttlSeconds },
                  }),
                },
              }),
            },
          }),
          validation: {
            ...(c.validation.minCallMs !== undefined && { minCallMs: c.validation.minCallMs }),
            ...(c.validation.delayMinMs !== undefined && { delayMinMs: c.validation.delayMinMs }),
            ...(c.validation.delayMaxMs !== undefined && { delayMaxMs: c.validation.delayMaxMs }),
            ...(c.validation.revalidateAtFraction !== undefined && {
              revalidateAtFraction: c.validation.revalidateAtFraction,
            }),
            ...(c.validation.proofsToTrust !== undefined && { proofsToTrust: c.validation.proofsToTrust }),
          },
          ...(c.validation.pollMs !== undefined && { validationPollMs: c.validation.pollMs }),
          callRetentionMs: Math.round(c.retentionDays * 24 * 3600_000),
          onChordEvent: (event) => log.info(describeChordEvent(event)),
          onValidation: (o) => log.info(`validation: ${o.number} ${o.outcome}`, { ...o }),
          onPublishProgress: (done, total) => {
            if (done === total || done % Math.max(1, Math.round(total / 10)) === 0) {
              log.info(`number keys derived: ${done} of ${total}`)
            }
          },
        }),
      c.p2p.bootstrap,
      log,
    )
    for (const d of c.blockedDomains) node.routes.blockDomain(d)
    const self = node.peer.chord.self
    const reach = reachability(self.addrs)
    if (!reach.public) log.warn(`p2p: ${reach.note}`)
    const a = node.sip?.addresses
    const host = c.sip?.host ?? '127.0.0.1'
    const ws = (p: number | undefined) => (p === undefined ? undefined : `ws://${host}:${p}`)
    const tcp = (p: number | undefined) => (p === undefined ? undefined : `sip:${host}:${p};transport=tcp`)
    process.stdout.write(
      `ready ${JSON.stringify({
        peerId: self.peer,
        nodeId: ringIdToHex(self.id),
        multiaddrs: self.addrs,
        domain: c.domain,
        numbers,
        data: c.data,
        http: node.http?.url,
        sipWs: ws(a?.internal.ws),
        sipTcp: tcp(a?.internal.tcp),
        edge: { sipWs: ws(a?.edge.ws), sipTcp: tcp(a?.edge.tcp) },
      })}\n`,
    )
    log.info(c.p2p.bootstrap.length === 0 ? 'started a new ring' : 'joined the ring')
    log.info(`${await signal}: leaving the ring`)
    await node.stop().catch((e: unknown) => log.warn(`leave: ${(e as Error).message}`))
    return 0
  },
}

/** A configuration file's face ({tcp, ws, tls: file paths}) as the call agent takes it (PEM contents). */
function face(f: {
  tcp?: number | undefined
  ws?: number | undefined
  tls?: { cert: string; key: string } | undefined
  digest?: DigestOffer | undefined
}) {
  const read = (path: string) => {
    try {
      return readFileSync(path)
    } catch (e) {
      throw new UsageError(`cannot read TLS file ${path}: ${(e as Error).message}`)
    }
  }
  return {
    ...(f.tcp !== undefined && { tcpPort: f.tcp }),
    ...(f.ws !== undefined && { wsPort: f.ws }),
    ...(f.tls !== undefined && { tls: { cert: read(f.tls.cert), key: read(f.tls.key) } }),
    ...(f.digest !== undefined && { digest: f.digest }),
  }
}
