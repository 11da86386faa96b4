// The installable, offline-capable app: manifest, service worker, installability as Chromium
// judges it, and a cold start with the server down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launchBrowser, launchPersistent, startServer, register, until, statusIs, send, messageShows } from './support.mjs';

// Every URL in this origin's caches.
const cachedUrls = (page) => page.evaluate(async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
  }
  return urls;
});

const isBundle = (name) => (p) => p.startsWith(`/kontor-${name}-`) && p.endsWith('.wasm');

test('Chromium reports no installability errors', async () => {
  const server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), 'kontor-profile-'));
  const ctx = await launchPersistent(profile);
  try {
    const page = await ctx.newPage();
    await page.goto(server.url + '/');
    const manifest = await page.evaluate(() => document.querySelector('link[rel=manifest]')?.href);
    assert.equal(manifest, server.url + '/manifest.webmanifest');
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cdp = await ctx.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const { url, data } = await cdp.send('Page.getAppManifest');
    assert.equal(url, server.url + '/manifest.webmanifest');
    const parsed = JSON.parse(data);
    assert.equal(parsed.display, 'standalone');
    assert.ok(parsed.icons.some((i) => i.purpose === 'maskable'));
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    await server.kill();
    server.cleanup();
  }
});

test('a cold start with the server down shows the chats, and messages written then go out once', async () => {
  let server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), 'kontor-profile-'));
  const launch = () => launchPersistent(profile);
  let ctx = await launch();
  const browser2 = await launchBrowser();
  try {
    const dana = await ctx.newPage();
    const erik = await (await browser2.newContext()).newPage();
    await register(dana, server.url, 'dana', 'Dana Dahl');
    await register(erik, server.url, 'erik', 'Erik Ek');
    await dana.evaluate(() => navigator.serviceWorker.ready);
    // The worker keeps the messenger once fetched (which takes a moment after the first page).
    await until('the messenger is installed', async () => (await cachedUrls(dana)).some(isBundle('chats')));
    await dana.getByRole('button', { name: 'New chat' }).click();
    await dana.getByLabel('Handle').fill('erik');
    await dana.getByRole('button', { name: 'Start chat' }).click();
    await dana.getByRole('heading', { name: 'Erik Ek' }).waitFor();
    await send(dana, 'Before the outage');
    await messageShows(dana, 'Before the outage', ['Sent', 'Delivered', 'Read']);
    const chatUrl = dana.url();

    // The server goes away; Dana closes the browser and starts it again.
    const addr = server.addr;
    await server.kill();
    await ctx.close();
    ctx = await launch();
    const again = await ctx.newPage();
    await again.goto(chatUrl);
    await statusIs(again, 'Offline');
    await again.getByRole('heading', { name: 'Erik Ek' }).waitFor();
    await messageShows(again, 'Before the outage');
    await again.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Erik Ek/ }).waitFor();

    // She writes while offline, closes the tab, opens it again: still pending, in order.
    await send(again, 'Written offline, one');
    await send(again, 'Written offline, two');
    await messageShows(again, 'Written offline, two', ['Pending']);
    await again.close();
    const third = await ctx.newPage();
    await third.goto(chatUrl);
    await messageShows(third, 'Written offline, one', ['Pending']);
    await messageShows(third, 'Written offline, two', ['Pending']);

    server = await startServer({ dataDir: server.dataDir, addr });
    await statusIs(third, 'Online');
    await messageShows(third, 'Written offline, two', ['Sent', 'Delivered', 'Read']);
    const erikLink = erik.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Dana Dahl/ });
    await erikLink.click();
    await messageShows(erik, 'Written offline, one');
    await messageShows(erik, 'Written offline, two');
    const texts = await erik.getByRole('log', { name: 'Messages' }).getByRole('article').allTextContents();
    const one = texts.findIndex((t) => t.includes('Written offline, one'));
    const two = texts.findIndex((t) => t.includes('Written offline, two'));
    assert.ok(one >= 0 && one < two, 'in the order written');
    assert.equal(texts.filter((t) => t.includes('Written offline')).length, 2, 'exactly once each');
  } finally {
    await ctx.close();
    await browser2.close();
    rmSync(profile, { recursive: true, force: true });
    await server.kill();
    server.cleanup();
  }
});



test('one bundle per page: a first visit loads the public pages only, the messenger downloads during sign-up, the dashboard when opened; each then starts from the cache', async () => {
  let server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), 'kontor-profile-'));
  const launch = () => launchPersistent(profile);
  let ctx = await launch();
  try {
    const bea = await ctx.newPage();
    const fetched = [];
    bea.on('request', (r) => fetched.push(new URL(r.url()).pathname));

    // The welcome page: the public pages' bundle, installed for offline use, and nothing else.
    await bea.goto(server.url + '/');
    await bea.getByRole('link', { name: 'Create account' }).waitFor();
    await bea.evaluate(() => navigator.serviceWorker.ready);
    assert.ok(fetched.some(isBundle('web')), 'the public bundle was fetched');
    assert.ok(!fetched.some((p) => isBundle('chats')(p) || isBundle('business')(p)),
      'the welcome page loads no messenger or dashboard code');
    await until('the public pages are installed', async () => (await cachedUrls(bea)).some(isBundle('web')));
    const installed = await cachedUrls(bea);
    assert.ok(!installed.some((p) => p.includes('chats') || p.includes('business')), 'nor installs them');

    // The registration form fetches the messenger ahead, while she types.
    await bea.getByRole('link', { name: 'Create account' }).click();
    await until('the messenger is cached ahead', async () => {
      const urls = await cachedUrls(bea);
      return urls.includes('/chats.html') && urls.some(isBundle('chats'));
    });
    await bea.getByLabel('Handle').fill('bea');
    await bea.getByLabel('Display name').fill('Bea Baker');
    await bea.getByLabel('Password').fill('correct horse battery');
    await bea.getByRole('button', { name: 'Create account' }).click();
    await until('the chat list', async () => new URL(bea.url()).pathname === '/chats');
    await statusIs(bea, 'Online');
    assert.ok(!fetched.some(isBundle('business')), 'the messenger loads no dashboard code');
    assert.ok(!(await cachedUrls(bea)).some((p) => p.includes('business')), 'nor installs it');

    // From the messenger's menu into the dashboard: the other bundle loads.
    await bea.getByRole('button', { name: 'Account' }).click();
    await bea.getByRole('menuitem', { name: 'Create business' }).click();
    await bea.getByLabel('Business handle').fill('beasbakery');
    await bea.getByLabel('Business name').fill('Bea Bakery');
    await bea.getByLabel('Category').selectOption('restaurant');
    await bea.getByRole('button', { name: 'Create business' }).click();
    await until('lands in the inbox', async () => new URL(bea.url()).pathname === '/biz/beasbakery/inbox');
    assert.ok(fetched.some(isBundle('business')), 'the dashboard bundle was fetched');
    await until('the dashboard is cached', async () => {
      const urls = await cachedUrls(bea);
      return urls.includes('/business.html') && urls.some(isBundle('business'));
    });

    // The server goes away; the browser starts again on the dashboard, and Back to chats works.
    const addr = server.addr;
    await server.kill();
    await ctx.close();
    ctx = await launch();
    const again = await ctx.newPage();
    await again.goto(`${server.url}/biz/beasbakery/inbox`);
    // The dashboard's code starts from the cache; its inbox needs the server to say who is on
    // the team, and says so.
    await again.getByRole('heading', { name: 'Business inbox' }).waitFor();
    await again.getByText('Cannot reach Kontor').waitFor();
    await again.getByRole('link', { name: 'Back to chats' }).click();
    await again.getByRole('navigation', { name: 'Chats' }).waitFor();
    await statusIs(again, 'Offline');
    // The welcome address of a logged-in person opens the chats, also offline.
    await again.goto(`${server.url}/`);
    await until('on to the chats', async () => new URL(again.url()).pathname === '/chats');
    await again.getByRole('navigation', { name: 'Chats' }).waitFor();
    server = await startServer({ dataDir: server.dataDir, addr });
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
    await server.kill();
    server.cleanup();
  }
});

test('a first visit straight to the chats (before the worker controls the page) still installs the messenger', async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const first = await (await browser.newContext()).newPage();
    await register(first, server.url, 'fay', 'Fay Fox');
    const session = await first.evaluate(() => localStorage.getItem('kontor.session'));
    // Another browser where Fay is logged in and has never opened Kontor: her first page is
    // the messenger itself.
    const context = await browser.newContext();
    await context.addInitScript((s) => {
      if (!localStorage.getItem('kontor.session')) localStorage.setItem('kontor.session', s);
    }, session);
    const page = await context.newPage();
    await page.goto(`${server.url}/chats`);
    await page.getByRole('navigation', { name: 'Chats' }).waitFor();
    await until('the messenger is installed', async () => {
      const urls = await cachedUrls(page);
      return urls.includes('/chats.html') && urls.some(isBundle('chats'));
    });
  } finally {
    await browser.close();
    await server.kill();
    server.cleanup();
  }
});

/** A copy of the built app to deploy new versions of; its worker dated an hour back. */
function deployable() {
  const app = mkdtempSync(join(tmpdir(), 'kontor-app-'));
  cpSync(DIST, app, { recursive: true });
  // The server answers revalidations by Last-Modified, which has one-second resolution: date
  // the deployed worker an hour back, so the "next version" below is newer even within a second.
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (const f of ['sw.js', 'sw.js.br', 'sw.js.gz']) utimesSync(join(app, f), anHourAgo, anHourAgo);
  return app;
}

/** Deploys a new worker version (with its compressed copies) and waits until `page` sees it
 * installed and waiting. Returns the name of the cache it installed into. */
async function nextVersion(app, page) {
  const before = await page.evaluate(() => caches.keys());
  const sw = readFileSync(join(app, 'sw.js'), 'utf8')
    .replace(/const VERSION = '([0-9a-f]+)';/, "const VERSION = '$1next';");
  assert.match(sw, /next';/);
  writeFileSync(join(app, 'sw.js'), sw);
  writeFileSync(join(app, 'sw.js.br'), brotliCompressSync(sw));
  writeFileSync(join(app, 'sw.js.gz'), gzipSync(sw));
  // An update check may join one the reload started before the files changed, and find
  // nothing new: check again until the browser sees the new worker.
  await until('the new worker is found', () => page.evaluate(() =>
    navigator.serviceWorker.getRegistration().then(async (r) => {
      if (!r.installing && !r.waiting) await r.update();
      return !!(r.installing || r.waiting);
    })));
  await until('the new worker has installed', () => page.evaluate(() =>
    navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)));
  return page.evaluate(async (old) => (await caches.keys()).find((k) => !old.includes(k)), before);
}

/** The paths a cache holds. */
const cacheHolds = (page, name) => page.evaluate(async (n) =>
  (await (await caches.open(n)).keys()).map((r) => new URL(r.url).pathname), name);

test('a new version installs in the background, offers "Reload to update" and keeps the messenger for offline starts', async () => {
  const app = deployable();
  let server = await startServer({ staticDir: app });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    await register(page, server.url, 'uma', 'Uma Ulm');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await until('controlled by the worker', () => page.evaluate(() => !!navigator.serviceWorker.controller));
    await page.getByRole('navigation', { name: 'Chats' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Reload to update' }).count(), 0);

    const cache = await nextVersion(app, page);
    const button = page.getByRole('button', { name: 'Reload to update' });
    await button.waitFor();
    const before = await page.evaluate(() => navigator.serviceWorker.controller.scriptURL);
    // Until the person agrees, the old version keeps running.
    assert.equal(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)), true);
    // The waiting version installed the messenger with itself (this browser had opened it), so
    // it starts offline even if the next start is the first on the new version.
    const urls = await cacheHolds(page, cache);
    assert.ok(urls.includes('/chats.html') && urls.some(isBundle('chats')), `messenger installed: ${urls}`);
    assert.ok(!urls.some((p) => p.includes('business')), 'the dashboard was never opened here');
    await Promise.all([page.waitForEvent('load'), button.click()]);
    await page.getByRole('navigation', { name: 'Chats' }).waitFor();
    await until('new worker in control', () => page.evaluate(() =>
      navigator.serviceWorker.getRegistration().then((r) => !r.waiting && !!r.active && !!navigator.serviceWorker.controller)));
    assert.equal(await page.getByRole('button', { name: 'Reload to update' }).count(), 0);
    assert.ok(before.endsWith('/sw.js'));

    // The old version's cache is gone; the new one starts the messenger with the server down.
    assert.deepEqual(await page.evaluate(() => caches.keys()), [cache]);
    await server.kill();
    await page.reload();
    await page.getByRole('navigation', { name: 'Chats' }).waitFor();
    await statusIs(page, 'Offline');
  } finally {
    await browser.close();
    await server.kill();
    server.cleanup();
    rmSync(app, { recursive: true, force: true });
  }
});

test('updating from a version before the split into pages keeps the messenger for offline starts', async () => {
  const app = deployable();
  const server = await startServer({ staticDir: app });
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url + '/');
    await page.evaluate(() => navigator.serviceWorker.ready);
    // What a version from before the split left: its cache, named kontor-shell-…, whose shell
    // `/` was the messenger.
    await page.evaluate(async () => (await caches.open('kontor-shell-0123456789abcdef')).put('/', new Response('the old messenger')));
    const cache = await nextVersion(app, page);
    const urls = await cacheHolds(page, cache);
    assert.ok(urls.includes('/chats.html') && urls.some(isBundle('chats')), `messenger installed: ${urls}`);
    assert.ok(!urls.some((p) => p.includes('business')), 'the dashboard was not cached before');
  } finally {
    await browser.close();
    await server.kill();
    server.cleanup();
    rmSync(app, { recursive: true, force: true });
  }
});
