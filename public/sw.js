// Kontor's service worker: the app starts from its cache, also with no network.
//
// VERSION and PRECACHE are filled in at build time (tools/precache.mjs) with the build's
// content-hashed files. The shell is served cache-first, so the app starts without waiting for
// the network. A new build is a new worker: it installs the new shell into its own cache in the
// background and waits; the page offers "Reload to update" and then tells it to take over. Until
// then the old worker keeps serving the old shell with the old files, so they never mix.
//
// The business dashboard (business.html and its files, LAZY) is a second bundle: it is cached in
// the same versioned cache when first opened rather than installed with the messenger.
const VERSION = 'dev';
const PRECACHE = [];
const LAZY = [];
const CACHE = `kontor-shell-${VERSION}`;
const SHELL = '/';
const BUSINESS_SHELL = '/business.html';
// The same split as the server's and the app's (kontor_protocol::pages::is_business_page).
const isBusinessPath = (path) => path === '/biz' || path.startsWith('/biz/') || path.startsWith('/join/');

// The dashboard's page from the network, kept only when it is this version's (it names this
// version's files): a newer deployment's page must not mix with this version's cache.
async function businessShell(cache, request) {
  const hit = await cache.match(BUSINESS_SHELL);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) {
    const html = await response.clone().text();
    const files = LAZY.filter((url) => url !== BUSINESS_SHELL);
    if (files.length && files.every((url) => html.includes(url))) {
      await cache.put(BUSINESS_SHELL, response.clone());
    }
  }
  return response;
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.length ? PRECACHE : [SHELL])));
});

self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('kontor-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/ws') return;

  // Every app route is this version's shell; the network only if the cache lost it.
  if (request.mode === 'navigate') {
    event.respondWith(caches.open(CACHE).then((cache) => isBusinessPath(url.pathname)
      ? businessShell(cache, request)
      : cache.match(SHELL).then((hit) => hit ?? fetch(request))));
    return;
  }
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(request);
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok && LAZY.includes(url.pathname)) await cache.put(request, response.clone());
    return response;
  }));
});
