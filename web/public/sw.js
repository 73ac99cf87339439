/* global self, caches, fetch, URL */
/*
 * The softphone's service worker: it makes the softphone installable as an app, and lets its page open while
 * the node is unreachable (it then says it is offline). What it keeps: the page itself ("/", which holds no
 * secret: it is the same for everybody) and the built, content-hashed files under /assets/. What it never
 * keeps nor answers: anything under /api/ (sign-in, sessions, calls, routes, the event stream), /metrics, the
 * SIP WebSocket, requests that carry credentials in an Authorization header, other origins, and any method but
 * GET. Those always go to the network as if there were no service worker.
 */
const CACHE = 'ime-softphone-v1'
const SHELL = '/'

self.addEventListener('install', () => self.skipWaiting())

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

/** Whether a request may be answered from, or kept in, the cache. */
function cacheable(request, url) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false
  if (request.headers.has('authorization')) return false
  if (url.pathname === '/api' || url.pathname.startsWith('/api/') || url.pathname === '/metrics') return false
  if (url.pathname.startsWith('/sip')) return false
  return (
    url.pathname.startsWith('/assets/') ||
    (request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html'))
  )
}

/** Keeps a plain, complete, same-origin 200 answer; never one the server marked no-store. */
async function keep(cache, key, response) {
  const noStore = /no-store/i.test(response.headers.get('cache-control') ?? '')
  if (response.status === 200 && response.type === 'basic' && !noStore) await cache.put(key, response.clone())
  return response
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (!cacheable(request, url)) return
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      if (url.pathname.startsWith('/assets/')) {
        // Named by their content: a kept copy is always right.
        return (await cache.match(request)) ?? keep(cache, request, await fetch(request))
      }
      // The page: the network first (a new version shows at once), the kept copy when the node is unreachable.
      try {
        return await keep(cache, SHELL, await fetch(request))
      } catch (e) {
        const kept = await cache.match(SHELL)
        if (kept) return kept
        throw e
      }
    }),
  )
})

// A call notification shown through the worker (browsers that allow no page notifications): back to the page.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      const page = list.find((c) => new URL(c.url).pathname === '/')
      return page ? page.focus() : self.clients.openWindow('/')
    }),
  )
})
