// Browser benchmarks for `cargo xtask bench`: headless Chromium against a seeded release server.
//   node bench/browser.mjs <server url> <seed json file> <kontor-bench binary>
// Prints one JSON line with every figure (milliseconds unless named otherwise).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const [url, seedFile, benchBin] = process.argv.slice(2);
const seed = JSON.parse(readFileSync(seedFile, 'utf8'));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const spread = (xs) => [Math.min(...xs), Math.max(...xs)];

/** In the page: the chat list holds `n` chats and its drawn rows fill its height. */
function listDrawn(n) {
  const list = document.querySelector('nav[aria-label="Chats"]');
  const rows = list ? list.querySelectorAll('li') : [];
  if (rows.length === 0 || rows[0].getAttribute('aria-setsize') !== String(n)) return false;
  return rows[rows.length - 1].getBoundingClientRect().bottom >= list.getBoundingClientRect().bottom;
}

async function until(what, check, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => false);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
const out = { bench: 'browser' };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Long tasks (main thread blocked > 50 ms), recorded from the first script on.
  await context.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(url + '/');
  await page.evaluate((s) => localStorage.setItem('kontor.session', JSON.stringify(s)), seed.session);
  const longLink = () => page.getByRole('navigation', { name: 'Chats' })
    .getByRole('link', { name: new RegExp(`^${seed.long_peer_name}`) });
  // The badge alone: the link's whole text runs the preview's digits into the count.
  const unreadOfLong = async () =>
    Number(await longLink().locator('.unread').textContent({ timeout: 1000 }));

  // First sync: every chat and message of the account into IndexedDB.
  let t0 = Date.now();
  await page.goto(url + '/chats');
  const total = 1 + Number(seed.long_messages);
  await until('first sync', async () => (await unreadOfLong()) >= total, 600_000);
  // The business side (10,000 customer conversations) comes after the long chat: the sync is
  // done when the app says Online (after the server's sync_done), not before.
  await until('first sync done', async () =>
    (await page.getByRole('status').first().textContent({ timeout: 1000 }))?.includes('Online'), 600_000);
  out.first_sync_ms = Date.now() - t0;

  // 10,000 messages arriving live, stored in batched transactions; three runs, each sender
  // resuming where the last one stopped.
  const stored = [];
  const senders = [];
  let since = seed.long_peer_since;
  for (let run = 1; run <= 3; run++) {
    t0 = Date.now();
    const sent = JSON.parse(execFileSync(benchBin, ['--url', url, 'send', '--token',
      seed.long_peer_token, '--conversation', seed.long_chat, '--count', '10000',
      '--since', String(since)]).toString().trim().split('\n').pop());
    await until('10,000 stored', async () => (await unreadOfLong()) >= total + run * 10_000, 120_000);
    stored.push(Date.now() - t0);
    senders.push(1000 * sent.seconds);
    since = sent.last_pos;
  }
  out.store_10k_ms = median(stored);
  out.store_10k_range = spread(stored);
  out.store_10k_sender_ms = median(senders);

  // Cold start from the cached shell to the chat list drawn from IndexedDB: the list knows all
  // its chats (aria-setsize) and has drawn the rows that fill it (it draws only rows in view).
  const chats = Number(seed.chats);
  const cold = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await page.waitForFunction(listDrawn, chats, { timeout: 60_000, polling: 'raf' });
    cold.push(await page.evaluate(() => performance.now()));
  }
  out.cold_start_ms = median(cold);
  out.cold_start_range = spread(cold);

  // Open the long chat: its newest 50 messages on screen. Three times once the app has
  // started (connected, caught up, a moment idle), and three times clicked as soon as the list
  // shows after a reload, while it still connects and catches up.
  const isOnline = async () =>
    (await page.getByRole('status').first().textContent({ timeout: 1000 }))?.includes('Online');
  const open = [];
  const openAtStart = [];
  for (const settled of [true, false, true, false, true, false]) {
    await page.goto(url + '/chats');
    await longLink().waitFor();
    if (settled) {
      await until('online', isOnline, 30_000);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const ms = await page.evaluate(async (name) => {
      const link = [...document.querySelectorAll('nav[aria-label="Chats"] a')]
        .find((a) => a.querySelector('.chat-name')?.textContent.trim() === name);
      const t = performance.now();
      link.click();
      return new Promise((resolve) => {
        const tick = () => {
          const log = document.querySelector('[role="log"][aria-label="Messages"]');
          const n = log ? log.querySelectorAll('article').length : 0;
          if (n >= 50 && log.textContent.includes('live message 9999')) resolve(performance.now() - t);
          else requestAnimationFrame(tick);
        };
        tick();
      });
    }, seed.long_peer_name);
    (settled ? open : openAtStart).push(ms);
  }
  out.open_long_ms = median(open);
  out.open_long_range = spread(open);
  out.open_long_at_start_ms = median(openAtStart);
  out.open_long_at_start_range = spread(openAtStart);

  // Scroll back through 10 pages of history by scrolling to the top of the log each time:
  // the most message nodes the log held, and the longest main-thread block meanwhile.
  await page.evaluate(() => { window.__longTasks = []; });
  const logSel = '[role="log"][aria-label="Messages"]';
  const firstBody = () => page.evaluate((sel) =>
    document.querySelector(`${sel} article .body`)?.textContent, logSel);
  let most = 0;
  for (let i = 0; i < 10; i++) {
    const before = await firstBody();
    await page.evaluate((sel) => { document.querySelector(sel).scrollTop = 0; }, logSel);
    await until('an older page', async () => (await firstBody()) !== before, 30_000);
    await page.waitForTimeout(100);
    most = Math.max(most, await page.locator(`${logSel} article`).count());
  }
  out.articles_after_10_pages = await page.locator(`${logSel} article`).count();
  out.most_articles_while_scrolling = most;
  out.longest_task_ms = Math.max(0, ...(await page.evaluate(() => window.__longTasks)));

  // The business inbox with its customers: switching views.
  await page.goto(`${url}/biz/${seed.business}/inbox`);
  const inboxLinks = () => page.locator('nav[aria-label="Inbox"] li').count();
  await until('inbox page', async () => (await inboxLinks()) >= 50, 60_000);
  const switches = [];
  for (let i = 0; i < 3; i++) {
    for (const [tab, want] of [['Mine', 0], ['Unassigned', 50]]) {
      const ms = await page.evaluate(async ([tab, want]) => {
        const button = [...document.querySelectorAll('[role="tab"]')]
          .find((b) => b.getAttribute('aria-label') === tab);
        const t = performance.now();
        button.click();
        return new Promise((resolve) => {
          const tick = () => {
            const n = document.querySelectorAll('nav[aria-label="Inbox"] li').length;
            const empty = document.querySelector('nav[aria-label="Inbox"] .empty-list');
            if ((want === 0 && empty && n === 0) || (want > 0 && n >= want)) resolve(performance.now() - t);
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
      }, [tab, want]);
      switches.push(ms);
    }
  }
  out.inbox_switch_ms = median(switches);
  out.inbox_switch_range = spread(switches);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
