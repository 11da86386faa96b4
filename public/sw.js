// Kontor's service worker: the app starts from its cache, also with no network.
//
// VERSION and PRECACHE are filled in at build time (tools/precache.mjs) with the build's
// content-hashed files. Each version has its own cache, so an old shell never runs with new
// files: pages come from the network when it answers (the newest shell, whose files the network
// also has) and otherwise from this version's cache, together with this version's files.
const VERSION = 'dev';
const PRECACHE = [];
const CACHE = `kontor-shell-${VERSION}`;
const SHELL = '/';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.length ? PRECACHE : [SHELL]))
      .then(() => self.skipWaiting()),
  );
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

  // Every app route is the shell: the server's when it answers, else this version's.
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() =>
      caches.open(CACHE).then((cache) => cache.match(SHELL)).then((hit) => hit ?? Response.error())));
    return;
  }
  event.respondWith(caches.open(CACHE).then((cache) =>
    cache.match(request).then((hit) => hit ?? fetch(request))));
});
