// One customer and two agents in three browser contexts: the customer finds the verified
// business by its profile page and writes; both agents see it; agent 1 takes it, and agent 2 sees
// that live; agent 1 answers and adds a private note; the customer gets the answer and never the
// note (not even over the wire); the business is closed, so the away message answers first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  launchBrowser, startServer, register, until, send, message, messageShows,
} from './support.mjs';

const SERVER_BIN = process.env.KONTOR_SERVER_BIN ?? 'target/debug/kontor-server';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

function inboxLink(page, name) {
  return page.getByRole('navigation', { name: 'Inbox' }).getByRole('link', { name: new RegExp(`^${name}`) });
}

test('customer and two agents work one conversation through the shared inbox', async () => {
  const server = await startServer();
  const base = server.url;
  try {
    const olga = await (await browser.newContext()).newPage();
    const aaron = await (await browser.newContext()).newPage();
    const customerContext = await browser.newContext();
    const carl = await customerContext.newPage();
    // Everything the customer's browser receives over its WebSockets.
    const customerFrames = [];
    carl.on('websocket', (ws) => ws.on('framereceived', (f) => customerFrames.push(String(f.payload))));

    // Olga creates the business from the account menu and lands in its inbox.
    await register(olga, base, 'olga', 'Olga Owner');
    await olga.getByRole('button', { name: 'Account' }).click();
    await olga.getByRole('menuitem', { name: 'Create business' }).click();
    await olga.getByLabel('Business handle').fill('nordbank');
    await olga.getByLabel('Business name').fill('Nordbank');
    await olga.getByLabel('Category').selectOption('bank');
    await olga.getByLabel('Description').fill('Your bank in the north.');
    await olga.getByLabel('Address').fill('Storgatan 1, Umeå');
    await olga.getByLabel('Email').fill('help@nordbank.example');
    await olga.getByLabel('Website').fill('https://nordbank.example');
    await olga.getByRole('button', { name: 'Create business' }).click();
    await until('owner lands in the inbox', async () => new URL(olga.url()).pathname === '/biz/nordbank/inbox');

    // Settings: closed all week, an away message, and an invite for Aaron.
    await olga.goto(`${base}/biz/nordbank/settings`);
    await olga.getByLabel('Open around the clock').uncheck();
    await olga.getByRole('button', { name: 'Save profile' }).click();
    await olga.getByLabel('Send away message').check();
    await olga.getByLabel('Away message', { exact: true }).fill('We are closed now and answer from 9:00.');
    await olga.getByRole('button', { name: 'Save', exact: true }).click();
    await until('settings saved', async () => (await olga.getByRole('status').filter({ hasText: 'Saved' }).count()) > 0);
    await olga.getByLabel('Shortcut').fill('card');
    await olga.getByLabel('Reply text').fill('Your new card arrives within 5 working days.');
    await olga.getByRole('button', { name: 'Add quick reply' }).click();
    await olga.getByRole('button', { name: 'Delete quick reply /card' }).waitFor();
    // A label keeps its colour (set through the CSSOM: the CSP refuses inline style attributes).
    await olga.getByLabel('Label name').fill('VIP');
    await olga.getByLabel('Label colour').fill('#c2410c');
    await olga.getByRole('button', { name: 'Add label' }).click();
    const swatch = olga.getByRole('list', { name: 'Labels' }).getByRole('listitem').filter({ hasText: 'VIP' })
      .locator('.biz-swatch');
    assert.equal(await swatch.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(194, 65, 12)');
    await olga.getByRole('button', { name: 'Invite agent' }).click();
    const invite = await until('invite link', async () => olga.getByLabel('Invite link').inputValue());
    assert.match(invite, /\/join\/[A-Za-z0-9_-]+$/);

    await register(aaron, base, 'aaron', 'Aaron Smith');
    await aaron.goto(invite);
    await aaron.getByRole('button', { name: 'Join team' }).click();
    await until('agent lands in the inbox', async () => new URL(aaron.url()).pathname === '/biz/nordbank/inbox');

    // The operator verifies the business on the running server.
    execFileSync(SERVER_BIN, ['business', 'verify', 'nordbank', '--data-dir', server.dataDir]);

    // The customer finds the profile, sees the badge, and writes.
    await register(carl, base, 'carl', 'Carl Customer');
    await carl.goto(`${base}/b/nordbank`);
    await carl.getByRole('heading', { name: 'Nordbank' }).waitFor();
    // The short link of the QR code, also when the service worker answers instead of the server.
    await until('controlled by the worker', () => carl.evaluate(() => !!navigator.serviceWorker.controller));
    await carl.goto(`${base}/@nordbank`);
    await until('the short link leads to the profile', async () => new URL(carl.url()).pathname === '/b/nordbank');
    await carl.getByRole('heading', { name: 'Nordbank' }).waitFor();
    await carl.getByRole('img', { name: 'Verified business' }).first().waitFor();
    await carl.getByText('@nordbank').first().waitFor();
    await carl.getByRole('link', { name: 'Message' }).or(carl.getByRole('button', { name: 'Message' })).first().click();
    await carl.getByRole('heading', { name: 'Nordbank' }).waitFor();
    assert.match(new URL(carl.url()).pathname, /^\/chats\/[0-9a-f-]{36}$/);
    await send(carl, 'Hello, I lost my card');
    await messageShows(carl, 'Hello, I lost my card', ['Sent', 'Delivered', 'Read']);
    // Closed all week: the away message answers, once.
    await messageShows(carl, 'We are closed now and answer from 9:00.');
    // The chat list names the business, with its badge.
    const chat = carl.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Nordbank/ });
    await chat.getByRole('img', { name: 'Verified business' }).waitFor();

    // Both agents see it, unassigned.
    for (const agent of [olga, aaron]) {
      await agent.goto(`${base}/biz/nordbank/inbox`);
      await inboxLink(agent, 'Carl Customer').waitFor();
    }

    // Aaron opens it; Olga takes it and Aaron sees that live.
    await inboxLink(aaron, 'Carl Customer').click();
    await aaron.getByRole('heading', { name: 'Carl Customer' }).first().waitFor();
    await messageShows(aaron, 'Hello, I lost my card');
    await inboxLink(olga, 'Carl Customer').click();
    await olga.getByRole('heading', { name: 'Carl Customer' }).first().waitFor();
    const chip = olga.locator('.customer-panel .label-chip', { hasText: 'VIP' });
    assert.equal(await chip.evaluate((el) => getComputedStyle(el).borderTopColor), 'rgb(194, 65, 12)');
    await olga.getByRole('button', { name: 'Assign to me' }).click();
    await until('Aaron sees who holds it', async () =>
      (await aaron.getByText('Assigned to Olga Owner').count()) > 0);
    // Olga sees Aaron viewing the same conversation.
    await until('Olga sees Aaron viewing', async () =>
      (await olga.getByText('Aaron Smith is viewing').count()) > 0);

    // Olga answers; the customer sees it from the business.
    await send(olga, 'We have blocked your card and are sending a new one.');
    await messageShows(carl, 'We have blocked your card and are sending a new one.');
    await messageShows(aaron, 'We have blocked your card and are sending a new one.');

    // A private note: the team sees it, the customer never does.
    await olga.getByRole('button', { name: 'Private note' }).click();
    await send(olga, 'Identity checked by phone @aaron');
    await until('Aaron sees the note', async () =>
      (await aaron.getByText('Identity checked by phone @aaron').count()) === 1);
    await olga.getByRole('button', { name: 'Private note' }).click();
    // Quick replies: "/" lists them; choosing one fills the message.
    await olga.getByLabel('Message', { exact: true }).fill('/ca');
    const option = olga.getByRole('listbox', { name: 'Quick replies' }).getByRole('option', { name: /\/card/ });
    await option.waitFor();
    await olga.getByLabel('Message', { exact: true }).press('Enter');
    assert.equal(await olga.getByLabel('Message', { exact: true }).inputValue(),
      'Your new card arrives within 5 working days.');
    await olga.getByLabel('Message', { exact: true }).press('Enter');
    await messageShows(carl, 'Your new card arrives within 5 working days.');
    await send(olga, 'Anything else we can do?');
    await messageShows(carl, 'Anything else we can do?');
    assert.equal(await carl.getByText('Identity checked by phone').count(), 0);
    assert.ok(customerFrames.length > 0, 'the customer received frames');
    assert.ok(customerFrames.every((f) => !f.includes('Identity checked')), 'a note reached the customer');
    assert.equal(await message(carl, 'We are closed now').count(), 1, 'the away message came once');

    // The status is shared too.
    await olga.getByLabel('Status', { exact: true }).selectOption('resolved');
    await olga.getByRole('tab', { name: 'Mine' }).click();
    await aaron.getByLabel('Status filter').selectOption('resolved');
    await aaron.getByRole('tab', { name: 'All' }).click();
    await inboxLink(aaron, 'Carl Customer').waitFor();
  } finally {
    await server.kill();
    server.cleanup();
  }
});
