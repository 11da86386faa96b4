// A long chat list: only the rows in view are drawn, yet every chat is reachable by scrolling
// and by keyboard, and a chat far down comes to the top when it gets a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startServer, register, until } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const FRIENDS = 60;

/**
 * In the page: `friend{from..=to}` (registered over the HTTP API when `signUp`, else logged in)
 * each open their chat with `handle` and write `body` (`{i}`: their number) over a WebSocket of
 * their own.
 */
async function friendsWrite(page, handle, from, to, body = 'Hello from friend {i}', signUp = true) {
  return page.evaluate(async ([handle, from, to, body, signUp]) => {
    const uuid = () => crypto.randomUUID();
    const uuidv7 = () => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      let t = Date.now();
      for (let i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
      b[6] = (b[6] & 0x0f) | 0x70;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    for (let i = from; i <= to; i++) {
      const res = await fetch(signUp ? '/api/register' : '/api/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: `friend${i}`, display_name: `Friend ${i}`, password: 'correct horse battery' }),
      });
      const { token } = await res.json();
      const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      await new Promise((resolve, reject) => {
        ws.onmessage = (ev) => {
          // Frames are named by their variant: {"ack":{…}}.
          const frame = JSON.parse(ev.data);
          if (frame.chat_started) {
            ws.send(JSON.stringify({ send: { id: uuidv7(), conversation_id: frame.chat_started.conversation.id, body: body.replace('{i}', i) } }));
          } else if (frame.ack) {
            resolve();
          } else if (frame.error) {
            reject(new Error(frame.error.message));
          }
        };
        ws.send(JSON.stringify({ hello: { token, since: 0 } }));
        ws.send(JSON.stringify({ start_chat: { request_id: uuid(), handle } }));
      });
      ws.close();
    }
  }, [handle, from, to, body, signUp]);
}

test('the chat list draws only the rows in view and still reaches every chat', async () => {
  const server = await startServer();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 600 } })).newPage();
    await register(page, server.url, 'reader', 'Rea Der');
    await friendsWrite(page, 'reader', 1, FRIENDS);

    const nav = page.getByRole('navigation', { name: 'Chats' });
    const rows = nav.getByRole('listitem');
    const names = () => nav.locator('.chat-name').allTextContents();
    await until('every chat is known', async () =>
      (await rows.first().getAttribute('aria-setsize')) === String(FRIENDS));
    // Newest first; far fewer rows drawn than there are chats.
    assert.equal((await names())[0], `Friend ${FRIENDS}`);
    assert.equal(await rows.first().getAttribute('aria-posinset'), '1');
    const drawn = await rows.count();
    assert.ok(drawn < FRIENDS / 2, `drew ${drawn} of ${FRIENDS} rows`);

    // Scrolled to the end: the oldest chat is drawn, at its place, and the rows above it left.
    await nav.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await until('the end of the list is drawn', async () => (await names()).at(-1) === 'Friend 1');
    assert.equal(await rows.last().getAttribute('aria-posinset'), String(FRIENDS));
    assert.ok(!(await names()).includes(`Friend ${FRIENDS}`));
    assert.ok((await rows.count()) < FRIENDS / 2);
    const box = await nav.getByRole('link', { name: /^Friend 1\b/ }).boundingBox();
    const view = await nav.boundingBox();
    assert.ok(box.y >= view.y && box.y + box.height <= view.y + view.height + 1, 'in view');

    // Back to the top, then through the list by keyboard: each Tab finds the next chat drawn.
    await nav.evaluate((el) => { el.scrollTop = 0; });
    await until('the top is drawn again', async () => (await names())[0] === `Friend ${FRIENDS}`);
    await nav.getByRole('link', { name: new RegExp(`^Friend ${FRIENDS}\\b`) }).focus();
    for (let i = 1; i < 40; i++) await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.querySelector('.chat-name')?.textContent);
    assert.equal(focused, `Friend ${FRIENDS - 39}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Friend ${FRIENDS - 39}` }).waitFor();

    // A message in the oldest chat brings it to the top.
    await page.goto(server.url + '/chats');
    await until('the list is back', async () => (await names())[0] === `Friend ${FRIENDS}`);
    await friendsWrite(page, 'reader', 1, 1, 'Still there?', false);
    await until('the oldest chat comes to the top', async () => (await names())[0] === 'Friend 1');
    assert.match(await rows.first().textContent(), /Still there\?/);
  } finally {
    await server.kill();
    server.cleanup();
  }
});
