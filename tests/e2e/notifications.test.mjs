// Attention: a hidden tab notifies about new messages (permission asked only after a click),
// clicking the notification opens the conversation, and the unread total is in the title.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startServer, register, until, send } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

// Records what the app does with the Notification API (the OS popup itself is not observable).
function recordNotifications() {
  window.__requests = 0;
  window.__shown = [];
  const Real = window.Notification;
  class Recorded {
    constructor(title, options) {
      this.title = title;
      this.body = options?.body;
      window.__shown.push(this);
    }
    static get permission() { return Real.permission; }
    static requestPermission() { window.__requests += 1; return Real.requestPermission(); }
  }
  window.Notification = Recorded;
  // Headless Chromium keeps every tab visible; let the test switch this one away.
  window.__hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => window.__hidden });
}

async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    window.__hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

test('hidden tabs notify, clicks open the chat, and the title counts unread', async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext();
    await context.addInitScript(recordNotifications);
    const page = await context.newPage();
    await register(page, server.url, 'hanna', 'Hanna Holm');
    const ivar = await (await browser.newContext()).newPage();
    await register(ivar, server.url, 'ivar', 'Ivar Isaksson');

    // Never asked on load; asked when the person chooses to.
    assert.equal(await page.evaluate(() => window.__requests), 0);
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Turn on notifications' }).click();
    await until('permission requested', async () => (await page.evaluate(() => window.__requests)) === 1);
    await context.grantPermissions(['notifications'], { origin: server.url });

    await ivar.getByRole('button', { name: 'New chat' }).click();
    await ivar.getByLabel('Handle').fill('hanna');
    await ivar.getByRole('button', { name: 'Start chat' }).click();
    await ivar.getByRole('heading', { name: 'Hanna Holm' }).waitFor();

    // Hanna switches to another tab: Kontor is hidden.
    await setHidden(page, true);

    await send(ivar, 'Are you there?');
    await until('title counts unread', async () => (await page.title()) === '(1) Kontor');
    const shown = await until('a notification', () => page.evaluate(() =>
      window.__shown.map((n) => ({ title: n.title, body: n.body }))).then((s) => (s.length ? s : false)));
    assert.deepEqual(shown, [{ title: 'Ivar Isaksson', body: 'Are you there?' }]);

    // Clicking it opens the conversation.
    await setHidden(page, false);
    await page.evaluate(() => window.__shown[0].onclick());
    await page.getByRole('heading', { name: 'Ivar Isaksson' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/chats\/[0-9a-f-]{36}$/);
    await until('read clears the title', async () => (await page.title()) === 'Kontor');
  } finally {
    await server.kill();
    server.cleanup();
  }
});
