// A voice note recorded with the browser's microphone (Chromium's fake device here) reaches the
// other person as a player with a download link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, startServer, register, until, message,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
});
after(async () => { await browser?.close(); });

test('a recorded voice note plays and downloads on the other side', async () => {
  const server = await startServer();
  const base = server.url;
  try {
    const alice = await (await browser.newContext({ permissions: ['microphone'] })).newPage();
    const bob = await (await browser.newContext()).newPage();
    await register(alice, base, 'alice', 'Alice Andersson');
    await register(bob, base, 'bob', 'Bob Berg');
    await alice.getByRole('button', { name: 'New chat' }).click();
    await alice.getByLabel('Handle').fill('bob');
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await alice.getByRole('heading', { name: 'Bob Berg' }).waitFor();

    await alice.getByRole('button', { name: 'Record voice note' }).click();
    await alice.getByRole('button', { name: 'Stop and send voice note' }).waitFor();
    await alice.waitForTimeout(1500);
    await alice.getByRole('button', { name: 'Stop and send voice note' }).click();
    await until('voice note sent', async () =>
      (await message(alice, 'Voice note').getByRole('img', { name: /Sent|Delivered|Read/ }).count()) === 1);

    await bob.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Alice Andersson/ }).click();
    const note = message(bob, 'Voice note');
    await note.getByRole('link', { name: /^Download Voice note .*\.webm$/ }).waitFor();
    await until('player loaded', async () => (await note.locator('audio[src^="blob:"]').count()) === 1);
    const duration = await note.locator('.duration').textContent();
    assert.match(duration, /^0:0[1-3]$/, `duration ${duration}`);
  } finally {
    await server.kill();
    server.cleanup();
  }
});
