/** The operator page: the node's ring, published numbers, learned routes and validations, live from /api/events. */
import './style.css'
import './operator.css'
import { ApiClient, ApiError, toMillis, type RouteDto } from './api.js'
import { byId, h, takeFragmentToken } from './dom.js'
import { displayNumber } from './number.js'
import { ringFraction, ringNodes, ringPoint, shortId, type RingNode } from './ring.js'
import { plotModel, type Series } from './activity-plot.js'
import { conflictedNumbers, evidenceOf } from './routes-view.js'

// The operator token, when one is used (an operator-role user's session cookie needs none), lives in this page's
// memory only: never in storage, where any script of the origin could read it later (docs/security.md).
sessionStorage.removeItem('ime.operatorToken') // left by an earlier version of this page
const api = new ApiClient({ token: takeFragmentToken() })
const live = byId('live')
const setLive = (kind: string, text: string) => {
  live.dataset.kind = kind
  if (live.textContent !== text) live.textContent = text
}

type Json = Record<string, unknown>
const asObj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {})
const when = (v: unknown) => {
  const t = toMillis(v)
  return t === undefined ? '' : new Date(t).toLocaleString()
}

const SVG = 'http://www.w3.org/2000/svg'
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string) {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  if (text !== undefined) el.textContent = text
  return el
}

const ROLE_WORDS: Record<RingNode['role'], string> = {
  self: 'this node',
  predecessor: 'predecessor',
  successor: 'successor',
  finger: 'finger',
}

function drawRing(nodes: RingNode[]): void {
  const size = 300
  const c = size / 2
  const r = 110
  const self = nodes.find((n) => n.role === 'self')
  const selfPoint = self ? ringPoint(ringFraction(self.id) ?? 0, c, c, r) : undefined
  const root = svg('svg', { viewBox: `0 0 ${size} ${size}`, class: 'ring', role: 'img' })
  root.setAttribute(
    'aria-label',
    `Chord ring with ${nodes.length} known nodes: ` +
      nodes.map((n) => `${ROLE_WORDS[n.role]} ${shortId(n.id)}`).join(', '),
  )
  root.append(svg('circle', { cx: c, cy: c, r, class: 'ring-line' }))
  for (const n of nodes) {
    const p = ringPoint(ringFraction(n.id) ?? 0, c, c, r)
    if (selfPoint && n.role !== 'self') {
      root.append(svg('line', { x1: selfPoint.x, y1: selfPoint.y, x2: p.x, y2: p.y, class: `edge edge-${n.role}` }))
    }
  }
  for (const n of nodes) {
    const f = ringFraction(n.id) ?? 0
    const p = ringPoint(f, c, c, r)
    const g = svg('g', { class: `node node-${n.role}` })
    g.append(svg('title', {}, `${ROLE_WORDS[n.role]} ${n.id}${n.label ? ` (${n.label})` : ''}`))
    g.append(svg('circle', { cx: p.x, cy: p.y, r: n.role === 'self' ? 9 : 6 }))
    const out = ringPoint(f, c, c, r + 24)
    g.append(svg('text', { x: out.x, y: out.y + 4, 'text-anchor': 'middle' }, shortId(n.id).slice(0, 4)))
    root.append(g)
  }
  byId('ring').replaceChildren(root)
  byId('ring-list').replaceChildren(
    ...nodes.map((n) =>
      h(
        'li',
        {},
        h('span', { class: `swatch node-${n.role}`, 'aria-hidden': 'true' }),
        `${ROLE_WORDS[n.role]}: `,
        h('code', {}, n.id),
        n.label ? ` ${n.label}` : '',
      ),
    ),
  )
}

function showStatus(status: unknown): void {
  const s = asObj(status)
  byId('node-name').textContent = [s.domain, s.peerId].filter((x) => typeof x === 'string').join(' · ')
  drawRing(ringNodes(status))
  const numbers = Array.isArray(s.numbers) ? s.numbers : Array.isArray(s.published) ? s.published : undefined
  const count = asObj(s.counters).publishedNumbers
  byId('numbers').replaceChildren(
    ...(numbers?.length
      ? numbers.map((n) => h('li', {}, typeof n === 'string' ? displayNumber(n) : JSON.stringify(n)))
      : [
          h(
            'li',
            { class: 'hint' },
            numbers || typeof count !== 'number'
              ? 'None published'
              : `${count} published (the node's status does not list them)`,
          ),
        ]),
  )
  const counters = asObj(s.counters)
  byId('counters').replaceChildren(
    ...Object.entries({ nodeId: s.nodeId ?? s.id, ...counters }).flatMap(([k, v]) =>
      v === undefined ? [] : [h('dt', {}, k), h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : String(v))],
    ),
  )
}

function showRoutes(routes: RouteDto[]): void {
  const body = byId('routes').querySelector('tbody')
  const conflicts = conflictedNumbers(routes)
  body?.replaceChildren(
    ...(routes.length
      ? routes.map((r) =>
          h(
            'tr',
            conflicts.has(r.number)
              ? { class: 'conflict', title: 'Conflict: more than one domain proved this number' }
              : {},
            h('td', {}, displayNumber(r.number) + (conflicts.has(r.number) ? ' (conflict)' : '')),
            h('td', {}, `${r.domain}${evidenceOf(r) ? ` (${evidenceOf(r)})` : ''}`),
            h('td', {}, h('code', {}, r.sipUri)),
            h('td', {}, when(r.validatedAt)),
            h('td', {}, when(r.expiresAt)),
          ),
        )
      : [h('tr', {}, h('td', { colspan: '5', class: 'hint' }, 'No routes learned yet'))]),
  )
}

/** Event data, with the nested record of some events (validation: `outcome`, call: `call`, ring: `node`) lifted. */
function flatten(data: unknown): Json {
  const d = asObj(data)
  const nested = [d.outcome, d.call, d.node].find((v) => v !== null && typeof v === 'object')
  return nested ? { ...d, ...asObj(nested) } : d
}

function describeEvent(name: string, data: unknown): string {
  const d = flatten(data)
  const num = typeof d.number === 'string' ? displayNumber(d.number) : ''
  const parts = [num, d.outcome, d.change, d.domain, d.reason, d.path].filter((x) => typeof x === 'string' && x !== '')
  return parts.length ? `${name}: ${parts.join(' · ')}` : `${name}: ${JSON.stringify(data).slice(0, 200)}`
}

function addEvent(name: string, raw: string): void {
  let data: unknown = raw
  try {
    data = JSON.parse(raw)
  } catch {
    // plain text event
  }
  const d = flatten(data)
  const outcome = typeof d.outcome === 'string' ? d.outcome : ''
  const list = byId('events')
  list.prepend(
    h(
      'li',
      { class: `event ${/fail|refus|reject|error|no-claim/i.test(outcome) ? 'bad' : outcome ? 'good' : ''}` },
      h('time', {}, new Date(toMillis(d.at ?? d.time) ?? Date.now()).toLocaleTimeString()),
      ' ',
      describeEvent(name, data),
    ),
  )
  while (list.children.length > 200) list.lastElementChild?.remove()
}

const PLOTS: [key: string, title: string][] = [
  ['calls', 'Calls by path'],
  ['validations', 'Validations by outcome'],
  ['conflicts', 'Conflicts'],
  ['ticketRefusals', 'Ticket refusals by reason'],
]
let activityWindow: 'hour' | 'day' = 'hour'

function drawPlot(title: string, series: Series, buckets: number, from: number, bucketMs: number): HTMLElement {
  const m = plotModel(title, series, buckets)
  const root = svg('svg', { viewBox: `0 0 ${m.width} ${m.height}`, class: 'activity-plot', role: 'img' })
  root.setAttribute('aria-label', m.summary)
  root.append(svg('line', { x1: 0, y1: m.height, x2: m.width, y2: m.height, class: 'axis' }))
  for (const b of m.bars) {
    const rect = svg('rect', { x: b.x, y: b.y, width: b.width, height: b.height, class: `bar c${b.colour % 6}` })
    const at = new Date(from + b.bucket * bucketMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    rect.append(svg('title', {}, `${at}: ${b.label} ${b.count}`))
    root.append(rect)
  }
  const legend = h(
    'ul',
    { class: 'legend plain' },
    ...m.labels.map((l, i) => h('li', {}, h('span', { class: `swatch c${i % 6}` }), ` ${l}`)),
  )
  return h('figure', { class: 'plot' }, h('figcaption', {}, `${title} (peak ${m.max})`), root, legend)
}

async function showActivity(): Promise<void> {
  const a = await api.activity(activityWindow)
  const from = toMillis(a.from) ?? Date.now()
  const bucketMs = typeof a.bucketMs === 'number' ? a.bucketMs : 300_000
  const buckets = activityWindow === 'hour' ? 12 : 24
  byId('activity').replaceChildren(
    ...PLOTS.map(([key, title]) => drawPlot(title, asObj(a[key]) as Series, buckets, from, bucketMs)),
  )
}

for (const button of document.querySelectorAll<HTMLButtonElement>('.activity-window button')) {
  button.addEventListener('click', () => {
    activityWindow = button.dataset.window === 'day' ? 'day' : 'hour'
    for (const b of document.querySelectorAll('.activity-window button')) {
      b.setAttribute('aria-pressed', String(b === button))
    }
    void showActivity().catch(() => undefined)
  })
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined
async function refresh(): Promise<void> {
  const [status, routes] = await Promise.all([api.status(), api.learnedRoutes().catch(() => [])])
  showStatus(status)
  showRoutes(routes)
  void showActivity().catch(() => undefined)
}
const refreshSoon = () => {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => void refresh().catch(() => undefined), 300)
}

async function open(): Promise<void> {
  try {
    await refresh()
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      setLive('offline', 'Offline: operator token needed')
      byId('token-card').hidden = false
      byId('token-error').textContent = api.token ? 'That token was refused.' : ''
      byId('token').focus()
      return
    }
    setLive('offline', `Offline: ${e instanceof Error ? e.message : String(e)}`)
    setTimeout(() => void open(), 5000)
    return
  }
  byId('token-card').hidden = true
  byId('dashboard').hidden = false
  // The validations so far (the node keeps them), oldest first so that the newest ends on top; then live ones.
  const past = await api.validations(50).catch(() => [])
  for (const v of past.reverse()) addEvent('validation', JSON.stringify({ at: v.at, outcome: v }))
  setLive('connecting', 'Connecting')
  void api.followEvents(
    (e) => {
      if (e.event !== 'ping') addEvent(e.event, e.data)
      refreshSoon()
    },
    new AbortController().signal,
    (up) => setLive(up ? 'registered' : 'offline', up ? 'Live' : 'Offline: event stream lost; retrying'),
  )
  setInterval(() => void refresh().catch(() => undefined), 30_000)
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (e) => {
  e.preventDefault()
  api.token = byId<HTMLInputElement>('token').value.trim() || undefined
  void open()
})

void open()
