// Kontor's service worker: the app starts from its cache, also with no network.
//
// VERSION, PRECACHE and LAZY are filled in at build time (tools/precache.mjs) with the build's
// content-hashed files. The shell is served cache-first, so the app starts without waiting for
// the network. A new build is a new worker: it installs the new shell into its own cache in the
// background and waits; the page offers "Reload to update" and then tells it to take over. Until
// then the old worker keeps serving the old shell with the old files, so they never mix.
//
// The app is three pages, each with its own bundle (kontor_protocol::pages): the public pages
// (index.html, PRECACHE) are installed with the worker; the messenger (chats.html) and the
// business dashboard (business.html), LAZY, are cached in the same versioned cache when first
// opened, or when a page asks for them ahead ('cache:/chats.html' while someone logs in). A page
// this browser has opened before is installed with every new version, so it keeps starting
// offline after an update.
const VERSION = 'dev';
const PRECACHE = [];
const LAZY = {};
const CACHE = `kontor-pages-${VERSION}`;
const SHELL = '/';
const OURS = /^kontor-(pages|shell)-/;
// Caches of versions from before the split into pages (named kontor-shell-…), whose shell `/`
// was the messenger: every browser that has one has the messenger.
const BEFORE_PAGES = /^kontor-shell-/;

// The same split as the server's and the app's (kontor_protocol::pages::Page::of).
function pageOf(path) {
  const under = (prefix) => path === prefix || path.startsWith(`${prefix}/`);
  if (under('/chats')) return '/chats.html';
  if (under('/biz') || path.startsWith('/join/')) return '/business.html';
  return SHELL;
}

const isLazyFile = (path) => Object.values(LAZY).some((files) => files.includes(path));

// Whether a lazy page's html is this version's (it names this version's files): a newer
// deployment's page must not mix with this version's cache.
async function isThisVersion(page, response) {
  if (!response.ok) return false;
  const html = await response.clone().text();
  const files = LAZY[page] ?? [];
  return files.length > 0 && files.every((url) => html.includes(url));
}

// A lazy page and its files, fetched now where missing: the files first and the page last, so
// a page this fills in has its files. (A page opened from the network is kept at once and its
// files as they load; should that stop half-way, this completes it.)
async function cachePage(cache, page) {
  const files = LAZY[page];
  if (!files) return;
  const missing = [];
  for (const url of files) if (!(await cache.match(url))) missing.push(url);
  const hasPage = !!(await cache.match(page));
  if (hasPage && !missing.length) return;
  const response = hasPage ? null : await fetch(page, { cache: 'no-cache' });
  if (response && !(await isThisVersion(page, response))) return;
  await cache.addAll(missing);
  if (response) await cache.put(page, response);
}

// Whether this browser has opened `page` in an older version (its cache holds it).
async function openedBefore(page) {
  for (const key of await caches.keys()) {
    if (!OURS.test(key) || key === CACHE) continue;
    if (page === '/chats.html' && BEFORE_PAGES.test(key)) return true;
    if (await (await caches.open(key)).match(page)) return true;
  }
  return false;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.length ? PRECACHE : [SHELL]);
    for (const page of Object.keys(LAZY)) {
      if (await openedBefore(page)) await cachePage(cache, page);
    }
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
  const wanted = typeof event.data === 'string' && event.data.startsWith('cache:') ? event.data.slice(6) : null;
  if (wanted && LAZY[wanted]) {
    event.waitUntil(caches.open(CACHE).then((cache) => cachePage(cache, wanted)).catch(() => {}));
  }
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => OURS.test(k) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The answer to a navigation: this version's page from the cache; the network only if the
// cache lacks it (a lazy page not opened yet, or a cache the browser evicted).
async function navigation(request, path) {
  const cache = await caches.open(CACHE);
  const page = pageOf(path);
  const hit = await cache.match(page);
  if (hit) return hit;
  const response = await fetch(request);
  // Its files follow at once (kept as they arrive, below).
  if (LAZY[page] && (await isThisVersion(page, response))) await cache.put(page, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/ws') return;

  if (request.mode === 'navigate') {
    event.respondWith(navigation(request, url.pathname));
    return;
  }
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    const hit = await cache.match(request);
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok && isLazyFile(url.pathname)) await cache.put(request, response.clone());
    return response;
  }));
});
