/** Small DOM helpers shared by the softphone and the operator page. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (!el) throw new Error(`the page has no #${id}`)
  return el as T
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) if (v !== undefined) el.setAttribute(k, v)
  el.append(...children)
  return el
}

/** Reads the #token=... fragment (the demo's signed-in links) and removes it from the address bar. */
export function takeFragmentToken(): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (!m?.[1]) return undefined
  history.replaceState(null, '', location.pathname + location.search)
  return decodeURIComponent(m[1])
}
