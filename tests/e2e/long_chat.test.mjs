// A long conversation: the log is a window of at most 150 messages that moves as the reader
// scrolls back and forth, keeps the message being read in place, and comes back to the newest
// message on request or when the reader writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startServer, register, until, send, messageShows } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const COUNT = 420;
const WINDOW = 150;

/** Sends `count` messages into a conversation over a WebSocket of its own (another device). */
async function sendMany(page, conversationId, count) {
  return page.evaluate(async ([conversationId, count]) => {
    const { token } = JSON.parse(localStorage.getItem('kontor.session'));
    // Message ids are UUID v7: a millisecond timestamp, then random bits.
    const uuidv7 = () => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      let t = Date.now();
      for (let i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
      b[6] = (b[6] & 0x0f) | 0x70;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws');
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    let acked = 0;
    const done = new Promise((resolve) => {
      ws.onmessage = (ev) => {
        if (JSON.parse(ev.data).ack && ++acked === count) resolve();
      };
    });
    ws.send(JSON.stringify({ hello: { token, since: 0 } }));
    for (let i = 1; i <= count; i++) {
      ws.send(JSON.stringify({ send: { id: uuidv7(), conversation_id: conversationId, body: `Long message ${i}` } }));
    }
    await done;
    ws.close();
    return acked;
  }, [conversationId, count]);
}

const log = (page) => page.getByRole('log', { name: 'Messages' });
const articles = (page) => log(page).getByRole('article');
const bodies = (page) => articles(page).locator('.body').allTextContents();

test('a long conversation keeps at most 150 messages in the log while scrolling through it', async () => {
  const server = await startServer();
  try {
    const ada = await (await browser.newContext()).newPage();
    const ben = await (await browser.newContext()).newPage();
    await register(ada, server.url, 'ada', 'Ada Long');
    await register(ben, server.url, 'ben', 'Ben Reader');
    await ada.getByRole('button', { name: 'New chat' }).click();
    await ada.getByLabel('Handle').fill('ben');
    await ada.getByRole('button', { name: 'Start chat' }).click();
    await ada.getByRole('heading', { name: 'Ben Reader' }).waitFor();
    const conversationId = new URL(ada.url()).pathname.split('/').pop();
    assert.equal(await sendMany(ada, conversationId, COUNT), COUNT);

    // Ben opens the chat: the newest page, at the bottom.
    const link = ben.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Ada Long/ });
    await until('all arrived', async () => (await link.textContent()).includes(`${COUNT} unread`), 60_000);
    await link.click();
    await messageShows(ben, `Long message ${COUNT}`);
    assert.equal(await articles(ben).count(), 50);

    // Scroll to the top again and again: older pages come in, the newest pages leave, and the
    // message at the top stays where it was.
    let most = 0;
    for (let step = 0; step < 40; step++) {
      const texts = await bodies(ben);
      if (texts[0] === 'Long message 1') break;
      const top = texts[0];
      await log(ben).evaluate((el) => { el.scrollTop = 0; });
      await until('an older page', async () => (await bodies(ben))[0] !== top);
      const anchored = articles(ben).locator('.body').filter({ hasText: new RegExp(`^${top}$`) });
      await until('the message read stays in view', async () => {
        const [box, view] = await Promise.all([anchored.boundingBox(), log(ben).boundingBox()]);
        return box && box.y >= view.y - 1 && box.y < view.y + view.height;
      });
      most = Math.max(most, await articles(ben).count());
    }
    assert.equal((await bodies(ben))[0], 'Long message 1', 'reached the first message');
    assert.ok(most <= WINDOW, `at most ${WINDOW} messages in the log, saw ${most}`);
    assert.ok(most > 50, 'the window grew before it moved');
    const texts = await bodies(ben);
    assert.ok(!texts.includes(`Long message ${COUNT}`), 'the newest pages left the log');
    const expected = texts.map((_, i) => `Long message ${i + 1}`);
    assert.deepEqual(texts, expected, 'in order, none missing or doubled');

    // Scrolling down brings the newer pages back, in order, up to the newest.
    for (let step = 0; step < 40; step++) {
      if ((await ben.getByRole('button', { name: 'Jump to latest messages' }).count()) === 0) break;
      const last = (await bodies(ben)).at(-1);
      await log(ben).evaluate((el) => { el.scrollTop = el.scrollHeight; });
      await until('a newer page', async () => (await bodies(ben)).at(-1) !== last);
      assert.ok((await articles(ben).count()) <= WINDOW);
    }
    await messageShows(ben, `Long message ${COUNT}`);

    // Back to the start, then "Jump to latest messages".
    for (let step = 0; step < 3; step++) {
      const top = (await bodies(ben))[0];
      await log(ben).evaluate((el) => { el.scrollTop = 0; });
      await until('an older page', async () => (await bodies(ben))[0] !== top);
    }
    await ben.getByRole('button', { name: 'Jump to latest messages' }).click();
    await messageShows(ben, `Long message ${COUNT}`);
    assert.equal(await ben.getByRole('button', { name: 'Jump to latest messages' }).count(), 0);

    // Writing from far back brings the reader to the newest message, where the reply shows.
    for (let step = 0; step < 3; step++) {
      const top = (await bodies(ben))[0];
      await log(ben).evaluate((el) => { el.scrollTop = 0; });
      await until('an older page', async () => (await bodies(ben))[0] !== top);
    }
    await ben.getByRole('button', { name: 'Jump to latest messages' }).waitFor();
    await send(ben, 'Read them all');
    await messageShows(ben, 'Read them all', ['Sent', 'Delivered', 'Read']);
    await messageShows(ben, `Long message ${COUNT}`);
  } finally {
    await server.kill();
    server.cleanup();
  }
});
