// Two people chat live through the real server in two browser contexts: messages, receipts,
// reloads, the server going away and coming back. Every message shows exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startServer, register, until, statusIs, send, message, messageShows,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('two people chat live, reload, go offline and come back without losing or doubling a message', async () => {
  let server = await startServer();
  const base = server.url;
  try {
    const alice = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext()).newPage();
    await register(alice, base, 'alice', 'Alice Andersson');
    await register(bob, base, 'bob', 'Bob Berg');

    // Alice starts a chat by handle.
    await alice.getByRole('button', { name: 'New chat' }).click();
    await alice.getByLabel('Handle').fill('bob');
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await alice.getByRole('heading', { name: 'Bob Berg' }).waitFor();
    assert.match(new URL(alice.url()).pathname, /^\/chats\/[0-9a-f-]{36}$/);

    await send(alice, 'Hi Bob! 👋');
    await messageShows(alice, 'Hi Bob! 👋', ['Sent', 'Delivered']);

    // Bob sees the chat live in his list, unread, named after Alice.
    const link = bob.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Alice Andersson/ });
    await until('unread badge', async () => (await link.textContent()).includes('1 unread'));
    await until('Alice sees Delivered', async () =>
      (await message(alice, 'Hi Bob! 👋').getByRole('img', { name: 'Delivered' }).count()) === 1);
    await link.click();
    await bob.getByRole('heading', { name: 'Alice Andersson' }).waitFor();
    await messageShows(bob, 'Hi Bob! 👋');
    // Opening it reads it: Alice's tick turns to Read, Bob's badge goes.
    await messageShows(alice, 'Hi Bob! 👋', ['Read']);
    await until('badge cleared', async () => !(await link.textContent()).includes('unread'));

    // Typing shows, then the reply arrives live.
    await bob.getByLabel('Message', { exact: true }).pressSequentially('Hello');
    await until('typing indicator', async () => (await alice.getByText('typing…').count()) === 1);
    await bob.getByLabel('Message', { exact: true }).fill('Hello Alice, welcome to Kontor');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await messageShows(alice, 'Hello Alice, welcome to Kontor');
    await messageShows(bob, 'Hello Alice, welcome to Kontor', ['Read']);

    // A reload shows the history again (from IndexedDB, then synced).
    await bob.reload();
    await bob.getByRole('heading', { name: 'Alice Andersson' }).waitFor();
    await messageShows(bob, 'Hi Bob! 👋');
    await messageShows(bob, 'Hello Alice, welcome to Kontor', ['Read']);

    // The server dies. Both notice; Alice writes anyway: the message waits as Pending.
    const addr = server.addr;
    await server.kill();
    await statusIs(alice, 'Offline');
    await statusIs(bob, 'Offline');
    await send(alice, 'Sent while the server was down');
    await send(alice, 'And a second one');
    await messageShows(alice, 'Sent while the server was down', ['Pending']);
    await messageShows(alice, 'And a second one', ['Pending']);

    // Alice reloads while the server is down: the service worker serves the app, which shows the
    // chat list and history from IndexedDB, and the unsent messages still waiting.
    await alice.reload();
    await statusIs(alice, 'Offline');
    await alice.getByRole('heading', { name: 'Bob Berg' }).waitFor();
    await messageShows(alice, 'Hi Bob! 👋', ['Read']);
    await messageShows(alice, 'Hello Alice, welcome to Kontor');
    await messageShows(alice, 'Sent while the server was down', ['Pending']);
    await messageShows(alice, 'And a second one', ['Pending']);
    const list = alice.getByRole('navigation', { name: 'Chats' });
    await list.getByRole('link', { name: /^Bob Berg/ }).waitFor();

    server = await startServer({ dataDir: server.dataDir, addr });
    await statusIs(alice, 'Online');
    await statusIs(bob, 'Online');
    await messageShows(alice, 'Sent while the server was down', ['Sent', 'Delivered', 'Read']);
    await messageShows(bob, 'Sent while the server was down');
    await messageShows(bob, 'And a second one');
    await messageShows(alice, 'And a second one', ['Read']);

    // After reloads on both sides every message is there exactly once, in order.
    await alice.reload();
    await bob.reload();
    for (const page of [alice, bob]) {
      await statusIs(page, 'Online');
      const texts = await page.getByRole('log', { name: 'Messages' }).getByRole('article').allTextContents();
      const bodies = ['Hi Bob! 👋', 'Hello Alice, welcome to Kontor', 'Sent while the server was down', 'And a second one'];
      const seen = bodies.map((b) => texts.filter((t) => t.includes(b)).length);
      assert.deepEqual(seen, [1, 1, 1, 1], `each message once: ${JSON.stringify(texts)}`);
      const order = bodies.map((b) => texts.findIndex((t) => t.includes(b)));
      assert.deepEqual([...order].sort((a, b) => a - b), order, 'in order');
    }

    // The account menu closes on Escape (the focus back on its button) and on a press outside it.
    const account = alice.getByRole('button', { name: 'Account' });
    await account.click();
    await alice.getByRole('menu').waitFor();
    await alice.keyboard.press('Escape');
    await until('menu closed by Escape', async () => (await alice.getByRole('menu').count()) === 0);
    assert.equal(await account.evaluate((b) => b === document.activeElement), true, 'focus back on Account');
    assert.equal(await account.getAttribute('aria-expanded'), 'false');
    await account.click();
    await alice.getByRole('menu').waitFor();
    await alice.getByRole('heading', { level: 2 }).first().click();
    await until('menu closed by a press outside', async () => (await alice.getByRole('menu').count()) === 0);
    // The chat's own menu does the same.
    await alice.getByRole('button', { name: 'Chat options' }).click();
    await alice.getByRole('menu').waitFor();
    await alice.keyboard.press('Escape');
    await until('chat menu closed by Escape', async () => (await alice.getByRole('menu').count()) === 0);

    // The account menu tells how much the browser stores, then logs out.
    await account.click();
    await until('storage use shown', async () => (await alice.getByText(/^Storage: .* used of /).count()) === 1);
    const token = await alice.evaluate(() => JSON.parse(localStorage.getItem('kontor.session')).token);
    await alice.getByRole('menuitem', { name: 'Log out' }).click();
    await until('logged out', async () => ['/', '/login'].includes(new URL(alice.url()).pathname));
    await until('log in offered', async () =>
      (await alice.getByRole('link', { name: 'Log in' }).count()) + (await alice.getByRole('button', { name: 'Log in' }).count()) > 0);
    // Before the welcome page loaded, this device forgot the account, its messages and media,
    // and the server the session.
    assert.equal(await alice.evaluate(() => localStorage.getItem('kontor.session')), null);
    const left = await alice.evaluate(async () => [
      ...(await indexedDB.databases()).map((d) => d.name),
      ...(await caches.keys()).filter((k) => k.startsWith('kontor-media-')),
    ]);
    assert.deepEqual(left, [], 'no local data left');
    const me = await fetch(`${server.url}/api/me/businesses`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 401, 'the session is revoked');
  } finally {
    await server.kill();
    server.cleanup();
  }
});

test('a link to /chats?with={handle} opens that chat, also for a visitor who first creates an account', async () => {
  const server = await startServer();
  try {
    const dora = await (await browser.newContext()).newPage();
    await register(dora, server.url, 'dora', 'Dora Dahl');
    const emil = await (await browser.newContext()).newPage();
    await emil.goto(`${server.url}/chats?with=dora`);
    // Logged out: to the login page, which remembers where to go; its link to registering too.
    await until('asked to log in', async () => new URL(emil.url()).pathname === '/login');
    assert.equal(new URL(emil.url()).searchParams.get('next'), '/chats?with=dora');
    await emil.getByRole('link', { name: 'Create account' }).click();
    await until('on the registration form', async () => new URL(emil.url()).pathname === '/register');
    assert.equal(new URL(emil.url()).searchParams.get('next'), '/chats?with=dora');
    await emil.getByLabel('Handle').fill('emil');
    await emil.getByLabel('Display name').fill('Emil Ek');
    await emil.getByLabel('Password').fill('correct horse battery');
    await emil.getByRole('button', { name: 'Create account' }).click();
    await emil.getByRole('heading', { name: 'Dora Dahl' }).waitFor();
    assert.match(new URL(emil.url()).pathname, /^\/chats\/[0-9a-f-]{36}$/);
    await send(emil, 'Hello from a link');
    await dora.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Emil Ek/ }).click();
    await messageShows(dora, 'Hello from a link');

    // A handle nobody has: said so, with a way back to the chat list (on a phone too).
    await emil.setViewportSize({ width: 390, height: 800 });
    await emil.goto(`${server.url}/chats?with=nobody.here`);
    await emil.getByRole('alert').filter({ hasText: 'Could not open a chat with @nobody.here' }).waitFor();
    await emil.getByRole('link', { name: 'Back to chats' }).click();
    await emil.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Dora Dahl/ }).waitFor();
  } finally {
    await server.kill();
    server.cleanup();
  }
});

test('account forms explain what went wrong', async () => {
  const server = await startServer();
  try {
    const page = await (await browser.newContext()).newPage();
    await register(page, server.url, 'carol', 'Carol');
    const other = await (await browser.newContext()).newPage();
    await other.goto(server.url + '/login');
    await other.getByLabel('Handle').fill('carol');
    await other.getByLabel('Password').fill('not the password');
    await other.getByRole('button', { name: 'Log in' }).click();
    await until('wrong password alert', async () =>
      (await other.getByRole('alert').textContent())?.includes('Wrong handle or password'));

    await other.goto(server.url + '/register');
    await other.getByLabel('Handle').fill('Carol');
    await other.getByLabel('Display name').fill('Another Carol');
    await other.getByLabel('Password').fill('long enough password');
    await other.getByRole('button', { name: 'Create account' }).click();
    await until('taken handle alert', async () =>
      (await other.getByRole('alert').textContent())?.includes('taken'));

    await other.getByLabel('Handle').fill('no spaces allowed');
    await other.getByRole('button', { name: 'Create account' }).click();
    await until('invalid handle alert', async () =>
      (await other.getByRole('alert').textContent())?.includes('letters'));

    // A deep link to a conversation that is not yours, on a cold load.
    await page.goto(server.url + '/chats/01234567-89ab-7def-8123-456789abcdef');
    await until('not available alert', async () =>
      (await page.getByRole('alert').textContent())?.includes('not in it'));
  } finally {
    await server.kill();
    server.cleanup();
  }
});
