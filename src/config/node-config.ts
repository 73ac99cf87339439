/**
 * A node's configuration file (YAML or JSON), checked with zod: every error names the field and the problem
 * ("sip.edge.tcp: must be a port number, 0 to 65535; got 70000"), unknown fields are refused (a typo must not
 * be silently ignored). Environment variables override the file, and the command line overrides both.
 * docs/configuration.md documents every field; docs/node.example.yaml is a complete example.
 */
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { err, ok, type Result } from '../core/result.js'
import { parseMediaBridgeConfig } from '../media-bridge/config.js'
import { trunkList } from '../trunks/trunk-config.js'

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/
const port = z
  .number({ error: 'must be a port number, 0 to 65535' })
  .int({ error: 'must be a whole port number' })
  .min(0, { error: 'must be a port number, 0 to 65535' })
  .max(65535, { error: 'must be a port number, 0 to 65535' })
const ms = z.number({ error: 'must be a number of milliseconds' }).int().min(0)
const text = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' })
const sipUri = z.string().regex(/^sips?:/, { error: 'must be a sip: or sips: URI' })

/** One trunk of sip.pstn (src/trunks/trunk-config.ts, docs/trunks.md). */
const trunk = z
  .strictObject({
    name: text.optional(),
    uri: sipUri,
    failover: z.array(sipUri).optional(),
    user: text,
    password: text,
    register: z.boolean().optional(),
    allowFrom: z.array(z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address' })).optional(),
    listen: z.strictObject({ tcp: port.optional(), udp: port.optional() }).optional(),
    media: z.enum(['bridge', 'direct'], { error: 'must be bridge or direct' }).optional(),
    numberForm: z.enum(['e164', 'digits'], { error: 'must be e164 or digits' }).optional(),
    callerDomain: text.optional(),
    publicAddress: text.optional(),
    keepaliveS: z.number().int().min(0).max(3600).optional(),
    tlsCaFile: text.optional(), // carrier branch: a TLS trunk's CA (docs/trunks.md)
    keepalive: z.enum(['options', 'crlf'], { error: 'must be options or crlf' }).optional(), // carrier branch
  })
  .refine((t) => t.register !== false || (t.allowFrom?.length ?? 0) > 0, {
    error: 'a trunk that does not register (register: false) needs allowFrom: the addresses it calls from',
  })

const algorithms = z
  .array(z.enum(['MD5', 'SHA-256'], { error: 'must be MD5 or SHA-256' }))
  .min(1, { error: 'must name at least one algorithm' })
  .refine((a) => new Set(a).size === a.length, { error: 'must not name an algorithm twice' })

const face = z.strictObject({
  tcp: port.optional(),
  ws: port.optional(),
  /** PEM files: with them, the TCP listener speaks TLS and the WebSocket one WSS. */
  tls: z.strictObject({ cert: text, key: text }).optional(),
  /** The digest challenges, in order: one list for the face, or per listener (docs/interop.md). */
  digest: z.union([algorithms, z.strictObject({ tcp: algorithms.optional(), ws: algorithms.optional() })]).optional(),
})

/** Limits on inbound connections (docs/security.md, "Floods of connections"); each one left out keeps its default. */
const count = z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' })
const inbound = z
  .strictObject({
    perSource: count.min(1),
    perSourcePending: count.min(1),
    max: count.min(1),
    reserve: count.min(0),
    firstMessageMs: ms.min(100),
  })
  .partial()
  .optional()

const user = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1 to 64 letters, digits or ._-' }),
  /** The password, or the name of an environment variable that holds it. */
  password: text.optional(),
  passwordEnv: text.optional(),
  role: z.enum(['user', 'operator']).default('user'),
  number: text.optional(),
  contact: z.string().startsWith('sip:', { error: 'must be a sip: URI' }).optional(),
})

export const nodeConfigSchema = z.strictObject({
  domain: z.string().regex(DOMAIN, { error: 'must be a lowercase domain name, e.g. b.example' }),
  overlay: text.default('ime'),
  data: text.default('.data/node'),
  numbers: z.array(text).default([]),
  ranges: z
    .array(
      z.union([
        z.string().regex(/^[^.]+\.\.[^.]+$/, { error: 'must be FROM..TO' }),
        z.strictObject({ from: text, to: text }),
      ]),
    )
    .default([]),
  exclude: z.array(text).default([]),
  quota: z.number().int().min(0).default(10_000),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166 country code such as US or GB' })
    .optional(),
  p2p: z
    .strictObject({
      listen: z.array(text).default(['/ip4/127.0.0.1/tcp/0']),
      /** What to tell other nodes to dial, when it differs from listen (behind a NAT with a forwarded port). */
      announce: z
        .array(z.string().startsWith('/', { error: 'must be a multiaddr such as /ip4/203.0.113.7/tcp/4001' }))
        .default([]),
      bootstrap: z.array(text).default([]),
      /** Ring maintenance periods (ms); the defaults suit real rings (docs/chord.md). */
      stabiliseMs: ms.min(100).optional(),
      fixFingersMs: ms.min(100).optional(),
      rediscoverMs: ms.min(100).optional(),
      requestTimeoutMs: ms.min(50).optional(),
    })
    .default({ listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [] }),
  sip: z
    .strictObject({
      host: text.default('127.0.0.1'),
      edge: face,
      internal: face,
      imeTimeoutMs: ms.default(2_000),
      outboundProxy: z.string().startsWith('sip:', { error: 'must be a sip: URI' }).optional(),
      /** The trunk to the PSTN: a provider, a PBX or the stand-in gateway (docs/trunks.md). */
      /**
       * The trunk to the PSTN: a provider, a PBX or the stand-in gateway; or several, in order of preference
       * (docs/trunks.md).
       */
      pstn: z
        .union([trunk, z.array(trunk).min(1, { error: 'must list at least one trunk' })])
        .refine((p) => !Array.isArray(p) || p.filter((t) => t.listen !== undefined).length <= 1, {
          error: 'the trunk face is shared: give listen on one trunk only',
        })
        .superRefine((p, ctx) => {
          if (!Array.isArray(p)) return
          for (const [i, t] of p.entries()) {
            if (t.name === undefined || p.findIndex((o) => o.name === t.name) === i) continue
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${t.name} names an earlier trunk too` })
          }
        })
        .optional(),
      /** The media bridge (rtpengine) for a trunk with media: bridge (docs/media-bridge.md). */
      mediaBridge: z
        .unknown()
        .transform((raw, ctx) => {
          const parsed = parseMediaBridgeConfig(raw)
          if (parsed.ok) return parsed.value
          ctx.addIssue({ code: 'custom', message: parsed.error })
          return z.NEVER
        })
        .optional(),
      inbound,
      /** Mid-call fallback to the PSTN (docs/softphone.md); checked further by src/fallback/settings.ts. */
      midcallFallback: z
        .strictObject({
          dids: z.array(text).min(1, { error: 'must name at least one fallback number' }),
          maxConcurrent: z.number().int().min(1).optional(),
          digits: z.number().int().optional(),
          digitWindowMs: ms.optional(),
          maxCallMs: ms.optional(),
          watch: z
            .strictObject({
              sampleMs: ms.optional(),
              holdDownMs: ms.optional(),
              lossPercent: z.number().optional(),
              jitterMs: ms.optional(),
              rttMs: ms.optional(),
              silenceMs: ms.optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .superRefine((s, ctx) => {
      if (s.mediaBridge !== undefined || s.pstn === undefined) return
      const many = Array.isArray(s.pstn)
      for (const [i, t] of trunkList(s.pstn).entries()) {
        if (t.media !== 'bridge') continue
        const at = many ? `sip.pstn.${i}` : 'sip.pstn'
        ctx.addIssue({ code: 'custom', message: `${at}.media is bridge but sip.mediaBridge is not configured` })
      }
    })
    .optional(),
  http: z
    .strictObject({
      port,
      host: text.default('127.0.0.1'),
      operatorToken: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
      webRoot: text.optional(),
      /** Where users reach the node through a reverse proxy: https://phone.b.example (no path). */
      publicOrigin: z
        .string()
        .regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, { error: 'must be an origin such as https://phone.b.example' })
        .optional(),
      inbound,
    })
    .optional(),
  /** STUN/TURN for the softphones' media (docs/configuration.md, "ice"). */
  ice: z
    .strictObject({
      stun: z.array(z.string().regex(/^stuns?:/, { error: 'must be a stun: URL' })).default([]),
      turn: z
        .strictObject({
          urls: z.array(z.string().regex(/^turns?:/, { error: 'must be a turn: or turns: URL' })).min(1),
          /** coturn's static-auth-secret, or the name of an environment variable that holds it. */
          secret: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
          secretEnv: text.optional(),
          ttlSeconds: z.number().int().min(60).max(86_400).default(3600),
        })
        .optional(),
      policy: z.enum(['all', 'relay']).default('all'),
    })
    .optional(),
  users: z.array(user).default([]),
  validation: z
    .strictObject({
      minCallMs: ms.optional(),
      delayMinMs: ms.optional(),
      delayMaxMs: ms.optional(),
      pollMs: ms.min(100).optional(),
      revalidateAtFraction: z.number().gt(0).max(1).optional(),
      proofsToTrust: z.number().int().min(1).max(10).optional(),
    })
    .default({}),
  retentionDays: z.number().positive().default(7),
  blockedDomains: z.array(z.string().regex(DOMAIN, { error: 'must be a lowercase domain name' })).default([]),
  log: z
    .strictObject({ json: z.boolean().default(false), level: z.enum(['debug', 'info', 'warn']).default('info') })
    .default({ json: false, level: 'info' }),
})

export type NodeFileConfig = z.infer<typeof nodeConfigSchema>

/** "sip.edge.tcp: must be a port number, 0 to 65535; got 70000" for each problem, one per line. */
export function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .flatMap(unionIssues)
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(top level)'
      if (issue.code === 'unrecognized_keys') {
        return `${path === '(top level)' ? '' : path + ': '}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      }
      let got: unknown = input
      for (const k of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[k as string]
      const shown = got === undefined ? 'nothing' : JSON.stringify(got)
      return `${path}: ${issue.message}; got ${shown && shown.length > 60 ? shown.slice(0, 57) + '...' : shown}`
    })
    .join('\n')
}

/**
 * A union's issues (sip.pstn: one trunk or a list) as those of the alternative the input has the shape of, so the
 * error names the field (sip.pstn.1.uri) rather than "Invalid input".
 */
function unionIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue]
  const shaped = issue.errors.filter((e) => !e.some((i) => i.code === 'invalid_type' && i.path.length === 0))
  if (shaped.length !== 1) return [issue]
  return shaped[0]!.flatMap((i) => unionIssues({ ...i, path: [...issue.path, ...i.path] }))
}

/** Checks a parsed configuration object; resolves passwordEnv from `env`. */
export function checkNodeConfig(input: unknown, env: NodeJS.ProcessEnv = {}): Result<NodeFileConfig> {
  const parsed = nodeConfigSchema.safeParse(input)
  if (!parsed.success) return err(describeIssues(parsed.error, input))
  const c = parsed.data
  for (const [i, u] of c.users.entries()) {
    if ((u.password === undefined) === (u.passwordEnv === undefined)) {
      return err(`users.${i}.password: give either password or passwordEnv (user ${u.name})`)
    }
    if (u.passwordEnv !== undefined) {
      const value = env[u.passwordEnv]
      if (value === undefined || value === '') {
        return err(`users.${i}.passwordEnv: environment variable ${u.passwordEnv} is not set (user ${u.name})`)
      }
      u.password = value
    }
  }
  const turn = c.ice?.turn
  if (turn !== undefined) {
    if ((turn.secret === undefined) === (turn.secretEnv === undefined)) {
      return err('ice.turn: give either secret or secretEnv')
    }
    if (turn.secretEnv !== undefined) {
      const value = env[turn.secretEnv]
      if (value === undefined || value.length < 16) {
        return err(`ice.turn.secretEnv: environment variable ${turn.secretEnv} is not set to 16 or more characters`)
      }
      turn.secret = value
    }
  }
  if (c.ice?.policy === 'relay' && turn === undefined) {
    return err('ice.policy: relay needs ice.turn (without a TURN server no call could connect)')
  }
  const names = new Set<string>()
  for (const u of c.users) {
    if (names.has(u.name)) return err(`users: ${u.name} appears twice`)
    names.add(u.name)
  }
  if (c.sip !== undefined && c.sip.edge.tcp === undefined && c.sip.edge.ws === undefined) {
    return err('sip.edge: give a tcp or ws port (0 picks a free one)')
  }
  if (c.sip !== undefined && c.sip.internal.tcp === undefined && c.sip.internal.ws === undefined) {
    return err('sip.internal: give a tcp or ws port (0 picks a free one)')
  }
  const v = c.validation
  if (v.delayMinMs !== undefined && v.delayMaxMs !== undefined && v.delayMaxMs < v.delayMinMs) {
    return err('validation.delayMaxMs: must not be less than validation.delayMinMs')
  }
  return ok(c)
}

/** Environment variables that override the file (a container's usual way); documented in docs/configuration.md. */
export const ENVIRONMENT_OVERRIDES: Readonly<Record<string, string>> = {
  IME_DOMAIN: 'domain',
  IME_DATA: 'data',
  IME_OVERLAY: 'overlay',
  IME_BOOTSTRAP: 'p2p.bootstrap (comma-separated)',
  IME_HTTP_PORT: 'http.port',
  IME_OPERATOR_TOKEN: 'http.operatorToken',
  IME_LOG_JSON: 'log.json (1 or true)',
}

/** Applies the environment to a raw (unchecked) configuration object. */
export function applyEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw }
  const section = (name: string) => {
    const current = out[name]
    const copy = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>) } : {}
    out[name] = copy
    return copy
  }
  if (env.IME_DOMAIN) out.domain = env.IME_DOMAIN
  if (env.IME_DATA) out.data = env.IME_DATA
  if (env.IME_OVERLAY) out.overlay = env.IME_OVERLAY
  if (env.IME_BOOTSTRAP)
    section('p2p').bootstrap = env.IME_BOOTSTRAP.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  if (env.IME_HTTP_PORT)
    section('http').port = /^\d+$/.test(env.IME_HTTP_PORT) ? Number(env.IME_HTTP_PORT) : env.IME_HTTP_PORT
  if (env.IME_OPERATOR_TOKEN) section('http').operatorToken = env.IME_OPERATOR_TOKEN
  if (env.IME_LOG_JSON) section('log').json = env.IME_LOG_JSON === '1' || env.IME_LOG_JSON === 'true'
  return out
}

/** Reads a YAML or JSON file (by its extension; YAML otherwise) into a raw object; the error says what failed. */
export function readConfigFile(path: string): Result<Record<string, unknown>> {
  let textContent: string
  try {
    textContent = readFileSync(path, 'utf8')
  } catch (e) {
    return err(`cannot read ${path}: ${(e as Error).message}`)
  }
  try {
    const value: unknown = path.endsWith('.json') ? JSON.parse(textContent) : parseYaml(textContent)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return err(`${path}: the configuration must be a mapping of fields`)
    }
    return ok(value as Record<string, unknown>)
  } catch (e) {
    return err(`${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`)
  }
}
