// Blocking and reporting through the messenger, and messages refused for being sent too fast
// going again one by one. Real server, real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startServer, register, until, send, message, messageShows, operator,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function startChat(page, handle, name) {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByLabel('Handle').fill(handle);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('heading', { name }).waitFor();
}

async function chatOption(page, item) {
  await page.getByRole('button', { name: 'Chat options' }).click();
  await page.getByRole('menuitem', { name: item, exact: true }).click();
}

test('a person blocks a sender who is told nothing, unblocks from the list, and reports the chat', async () => {
  const server = await startServer();
  try {
    const alice = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext()).newPage();
    await register(alice, server.url, 'alice', 'Alice Andersson');
    await register(bob, server.url, 'bob', 'Bob Berg');
    await startChat(bob, 'alice', 'Alice Andersson');
    await send(bob, 'Cheap watches, only today!');
    const link = alice.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Bob Berg/ });
    await link.click();
    await messageShows(alice, 'Cheap watches, only today!');

    await chatOption(alice, 'Block');
    const confirm = alice.getByRole('dialog', { name: 'Block Bob Berg?' });
    await confirm.getByRole('button', { name: 'Block' }).click();
    await until('dialog closed', async () => (await confirm.count()) === 0);
    // The composer gives way to a notice with "Unblock".
    await alice.getByText('You blocked Bob Berg.', { exact: false }).waitFor();
    assert.equal(await alice.getByLabel('Message', { exact: true }).count(), 0, 'no composer while blocked');

    // Bob notices nothing: his message is sent, never delivered, and Alice never gets it.
    await send(bob, 'Are you there?');
    await messageShows(bob, 'Are you there?', ['Sent']);
    await alice.reload();
    await alice.getByText('You blocked Bob Berg.', { exact: false }).waitFor();

    // Unblocking from the account menu's list.
    await alice.getByRole('button', { name: 'Account' }).click();
    await alice.getByRole('menuitem', { name: 'Blocked accounts' }).click();
    const list = alice.getByRole('dialog', { name: 'Blocked accounts' });
    await list.getByRole('button', { name: 'Unblock Bob Berg' }).click();
    await list.getByText('You have not blocked anyone.').waitFor();
    await list.getByRole('button', { name: 'Close' }).click();
    await alice.getByLabel('Message', { exact: true }).waitFor();

    // New messages flow again; the one sent while blocked stays withheld.
    await send(bob, 'Last chance for watches');
    await messageShows(alice, 'Last chance for watches');
    assert.equal(await message(alice, 'Are you there?').count(), 0, 'withheld for good');
    await messageShows(bob, 'Are you there?', ['Sent']);

    // Reporting (and blocking with it, as the form suggests).
    await chatOption(alice, 'Report');
    const form = alice.getByRole('dialog', { name: 'Report Bob Berg' });
    await form.getByRole('button', { name: 'Send report' }).click();
    await form.getByText('Please choose why you report this chat.').waitFor();
    await form.getByLabel('Scam or fraud').check();
    await form.getByLabel('Details (optional)').fill('Keeps selling fake watches.');
    assert.equal(await form.getByLabel('Also block Bob Berg').isChecked(), true);
    await form.getByRole('button', { name: 'Send report' }).click();
    await form.getByText('Report sent.', { exact: false }).waitFor();
    await form.getByRole('button', { name: 'Close' }).click();
    await alice.getByText('You blocked Bob Berg.', { exact: false }).waitFor();

    const reports = await operator(server, ['reports']);
    for (const needle of ['by @alice (Alice Andersson)', 'about @bob (Bob Berg)', 'reason: scam',
      'note: Keeps selling fake watches.', '@bob: Last chance for watches']) {
      assert.ok(reports.includes(needle), `${needle} in:\n${reports}`);
    }
    assert.ok(!reports.includes('Are you there?'), 'what Alice never saw is no evidence');
  } finally {
    await server.kill();
    server.cleanup();
  }
});

test('messages refused for being sent too fast go again one by one, each once, in order', async () => {
  // 30 a minute: a burst of 30, then one every 2 s.
  const server = await startServer({ env: { KONTOR_MESSAGES_PER_USER_PER_MINUTE: '30' } });
  try {
    const carl = await (await browser.newContext()).newPage();
    const dora = await (await browser.newContext()).newPage();
    // Counted from before the first connection (only sockets opened later are reported).
    let refusals = 0;
    carl.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string' && payload.includes('"rate_limited"')) refusals += 1;
    }));
    await register(carl, server.url, 'carl', 'Carl Carlsson');
    await register(dora, server.url, 'dora', 'Dora Dahl');
    await startChat(carl, 'dora', 'Dora Dahl');
    // Zero-padded, so no body is part of another.
    const bodies = Array.from({ length: 33 }, (_, i) => `burst ${String(i + 1).padStart(2, '0')}`);
    for (const body of bodies) await send(carl, body);
    await until('the 3 over the limit refused', async () => refusals >= 3);
    for (const body of bodies.slice(-3)) await messageShows(carl, body, ['Pending']);
    // The server tells each a wait one interval (2 s) after the one before, so each goes
    // through at its first retry.
    await messageShows(carl, 'burst 33', ['Sent', 'Delivered', 'Read'], 20_000);
    assert.equal(refusals, 3, 'no message refused again');
    await dora.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Carl Carlsson/ }).click();
    await messageShows(dora, 'burst 33');
    const texts = await dora.getByRole('log', { name: 'Messages' }).getByRole('article').allTextContents();
    const order = bodies.map((b) => texts.findIndex((t) => t.includes(b)));
    assert.ok(order.every((i) => i >= 0), `all arrived: ${JSON.stringify(texts)}`);
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in order');
    assert.equal(await carl.getByText('Not sent:', { exact: false }).count(), 0, 'none failed');
  } finally {
    await server.kill();
    server.cleanup();
  }
});
