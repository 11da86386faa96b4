// Kontor's service worker: the app starts from its cache, also with no network.
//
// VERSION and PRECACHE are filled in at build time (tools/precache.mjs) with the build's
// content-hashed files. The shell is served cache-first, so the app starts without waiting for
// the network. A new build is a new worker: it installs the new shell into its own cache in the
// background and waits; the page offers "Reload to update" and then tells it to take over. Until
// then the old worker keeps serving the old shell with the old files, so they never mix.
const VERSION = 'dev';
const PRECACHE = [];
const CACHE = `kontor-shell-${VERSION}`;
const SHELL = '/';

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
    event.respondWith(caches.open(CACHE).then((cache) =>
      cache.match(SHELL).then((hit) => hit ?? fetch(request))));
    return;
  }
  event.respondWith(caches.open(CACHE).then((cache) =>
    cache.match(request).then((hit) => hit ?? fetch(request))));
});
