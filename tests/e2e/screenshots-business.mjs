// Screenshots of the business side (profile, inbox, settings, statistics) at desktop and phone
// widths, light and dark. Run after `cargo xtask build`:
//   KONTOR_SERVER_BIN=target/release/kontor-server node tests/e2e/screenshots-business.mjs shots
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { launchBrowser, startServer, register, send, messageShows, until } from './support.mjs';

const out = process.argv[2] ?? 'screenshots';
const SERVER_BIN = process.env.KONTOR_SERVER_BIN ?? 'target/debug/kontor-server';
mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
const base = server.url;

async function api(token, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}
const token = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('kontor.session')).token);

try {
  const ctx = (colorScheme, viewport) => browser.newContext({ colorScheme, viewport });
  const owner = await (await ctx('light', { width: 1366, height: 820 })).newPage();
  const customer = await (await ctx('light', { width: 1280, height: 800 })).newPage();
  await register(owner, base, 'ingrid', 'Ingrid Lund');
  await register(customer, base, 'anna.berg', 'Anna Berg');
  const t = await token(owner);
  await api(t, 'POST', '/api/businesses', {
    handle: 'nordic.bikes', name: 'Nordic Bikes', category: 'retail',
    description: 'Bikes, repairs and test rides in the middle of Umeå. Family business since 1998.',
    address: 'Storgatan 12, 903 26 Umeå', email: 'hello@nordicbikes.example',
    websites: ['https://nordicbikes.example'],
    hours: {
      time_zone: 'Europe/Stockholm', always_open: false,
      intervals: [0, 1, 2, 3, 4].map((weekday) => ({ weekday, open: 600, close: 1080 }))
        .concat([{ weekday: 5, open: 600, close: 900 }]),
    },
  });
  await api(t, 'PUT', '/api/businesses/nordic.bikes/settings', {
    greeting: { enabled: true, text: 'Hi! Thanks for writing to Nordic Bikes. We answer within the hour.' },
    away: { enabled: false, text: '' }, show_agent_names: true,
  });
  for (const [name, color] of [['Repair', '#d97706'], ['Sales', '#0b6e4f'], ['VIP', '#7c3aed']]) {
    await api(t, 'POST', '/api/businesses/nordic.bikes/labels', { name, color });
  }
  await api(t, 'POST', '/api/businesses/nordic.bikes/quick-replies', { shortcut: 'hours', text: 'We are open 10–18 on weekdays and 10–15 on Saturdays.' });
  execFileSync(SERVER_BIN, ['business', 'verify', 'nordic.bikes', '--data-dir', server.dataDir]);

  await customer.goto(`${base}/b/nordic.bikes`);
  await customer.getByRole('heading', { name: 'Nordic Bikes' }).waitFor();
  await customer.screenshot({ path: `${out}/business-profile.png` });
  await customer.getByRole('button', { name: 'Message' }).or(customer.getByRole('link', { name: 'Message' })).first().click();
  await customer.getByRole('heading', { name: 'Nordic Bikes' }).waitFor();
  await send(customer, 'Hi! Is the gravel bike in the window still available in size M?');
  await messageShows(customer, 'We answer within the hour.');

  await owner.goto(`${base}/biz/nordic.bikes/inbox`);
  await owner.getByRole('navigation', { name: 'Inbox' }).getByRole('link', { name: /^Anna Berg/ }).click();
  await owner.getByRole('button', { name: 'Assign to me' }).click();
  await send(owner, 'Hello Anna! Yes, we have one in M. Would you like to come by for a test ride?');
  await owner.getByRole('button', { name: 'Private note' }).click();
  await send(owner, 'Reserved the M frame in the back room until Saturday.');
  await owner.getByRole('button', { name: 'Private note' }).click();
  await messageShows(customer, 'Would you like to come by for a test ride?');
  await send(customer, 'Yes please, Saturday at 11?');
  await messageShows(owner, 'Yes please, Saturday at 11?');
  await owner.getByLabel('Message', { exact: true }).fill('/');
  await owner.getByRole('listbox', { name: 'Quick replies' }).waitFor();
  await owner.screenshot({ path: `${out}/inbox-desktop-light.png` });
  await owner.getByLabel('Message', { exact: true }).fill('');
  await customer.screenshot({ path: `${out}/customer-chat.png` });

  const dark = await (await ctx('dark', { width: 1366, height: 820 })).newPage();
  await dark.goto(base);
  await dark.evaluate((s) => localStorage.setItem('kontor.session', s),
    await owner.evaluate(() => localStorage.getItem('kontor.session')));
  await dark.goto(`${base}/biz/nordic.bikes/inbox`);
  await dark.getByRole('navigation', { name: 'Inbox' }).getByRole('tab', { name: 'All' }).click().catch(() => {});
  await dark.getByRole('tab', { name: 'Mine' }).click();
  await dark.getByRole('navigation', { name: 'Inbox' }).getByRole('link', { name: /^Anna Berg/ }).click();
  await dark.getByRole('log', { name: 'Messages' }).getByText('Reserved the M frame').waitFor();
  await dark.screenshot({ path: `${out}/inbox-desktop-dark.png` });
  await dark.goto(`${base}/biz/nordic.bikes/settings`);
  await dark.getByRole('button', { name: 'Invite agent' }).waitFor();
  await dark.screenshot({ path: `${out}/settings-dark.png`, fullPage: true });

  await owner.goto(`${base}/biz/nordic.bikes/stats`);
  await owner.getByRole('table').waitFor();
  await owner.screenshot({ path: `${out}/stats-light.png` });

  const phone = await (await ctx('light', { width: 390, height: 844 })).newPage();
  await phone.goto(base);
  await phone.evaluate((s) => localStorage.setItem('kontor.session', s),
    await owner.evaluate(() => localStorage.getItem('kontor.session')));
  await phone.goto(`${base}/biz/nordic.bikes/inbox`);
  await phone.getByRole('tab', { name: 'Mine' }).click();
  await until('inbox item', async () => (await phone.getByRole('link', { name: /^Anna Berg/ }).count()) > 0);
  await phone.screenshot({ path: `${out}/inbox-phone-list.png` });
  await phone.getByRole('link', { name: /^Anna Berg/ }).click();
  await messageShows(phone, 'Yes please, Saturday at 11?');
  await phone.screenshot({ path: `${out}/inbox-phone-conversation.png` });
  const phoneCustomer = await (await ctx('light', { width: 390, height: 844 })).newPage();
  await phoneCustomer.goto(`${base}/b/nordic.bikes`);
  await phoneCustomer.getByRole('heading', { name: 'Nordic Bikes' }).waitFor();
  await phoneCustomer.screenshot({ path: `${out}/business-profile-phone.png` });
  console.log(`screenshots in ${out}/`);
} finally {
  await browser.close();
  await server.kill();
  server.cleanup();
}
