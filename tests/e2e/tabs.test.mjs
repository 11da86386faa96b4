// Several tabs of one account share one WebSocket; when the leader tab closes another takes over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startServer, OPERATOR_TOKEN, register, until, statusIs, send, messageShows } from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function connections(server) {
  const res = await fetch(server.url + '/api/health', {
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
  });
  return (await res.json()).connections;
}

test('two tabs, one connection; closing the leader hands over without losing a message', async () => {
  const server = await startServer();
  try {
    const context = await browser.newContext();
    const first = await context.newPage();
    await register(first, server.url, 'frida', 'Frida Falk');
    const gustav = await (await browser.newContext()).newPage();
    await register(gustav, server.url, 'gustav', 'Gustav Gran');
    await until('two connections (one per person)', async () => (await connections(server)) === 2);

    // A second tab of Frida's: same account, no second connection.
    const second = await context.newPage();
    await second.goto(server.url + '/chats');
    await statusIs(second, 'Online');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await connections(server), 2, 'the second tab shares the first tab\'s connection');

    // The follower tab starts a chat and writes; the leader carries it.
    await second.getByRole('button', { name: 'New chat' }).click();
    await second.getByLabel('Handle').fill('gustav');
    await second.getByRole('button', { name: 'Start chat' }).click();
    await second.getByRole('heading', { name: 'Gustav Gran' }).waitFor();
    await send(second, 'From the second tab');
    await messageShows(second, 'From the second tab', ['Sent', 'Delivered', 'Read']);
    const link = (page, name) => page.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name });
    await link(first, /^Gustav Gran/).click();
    await messageShows(first, 'From the second tab');

    // Both tabs show a reply live.
    await link(gustav, /^Frida Falk/).click();
    await send(gustav, 'Reply to both tabs');
    await messageShows(first, 'Reply to both tabs');
    await messageShows(second, 'Reply to both tabs');

    // The leader tab closes; the other takes over the connection.
    await first.close();
    await until('the second tab reconnected', async () => (await connections(server)) === 2, 20_000);
    await statusIs(second, 'Online');
    await send(gustav, 'After the handover');
    await messageShows(second, 'After the handover');
    await send(second, 'Sent by the new leader');
    await messageShows(gustav, 'Sent by the new leader');
    const texts = await second.getByRole('log', { name: 'Messages' }).getByRole('article').allTextContents();
    for (const body of ['From the second tab', 'Reply to both tabs', 'After the handover', 'Sent by the new leader']) {
      assert.equal(texts.filter((t) => t.includes(body)).length, 1, `${body} once`);
    }
  } finally {
    await server.kill();
    server.cleanup();
  }
});
