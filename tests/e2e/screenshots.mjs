// Takes screenshots of Kontor as people see it (desktop and phone, light and dark) into the
// folder given as first argument. Run after `cargo xtask build`:
//   KONTOR_SERVER_BIN=target/release/kontor-server node tests/e2e/screenshots.mjs docs
import { mkdirSync } from 'node:fs';
import { launchBrowser, startServer, register, send, messageShows, until } from './support.mjs';

const out = process.argv[2] ?? 'screenshots';
mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
try {
  const ctx = (colorScheme, viewport) => browser.newContext({ colorScheme, viewport });
  const anna = await (await ctx('light', { width: 1280, height: 800 })).newPage();
  const shop = await (await ctx('light', { width: 1280, height: 800 })).newPage();
  const lars = await (await ctx('light', { width: 1280, height: 800 })).newPage();
  await register(anna, server.url, 'anna.berg', 'Anna Berg');
  await register(shop, server.url, 'nordic.bikes', 'Nordic Bikes');
  await register(lars, server.url, 'lars', 'Lars Holm');
  await anna.screenshot({ path: `${out}/empty-chats.png` });

  const startChat = async (page, handle) => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Handle').fill(handle);
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('heading', { level: 2 }).waitFor();
  };
  await startChat(lars, 'anna.berg');
  await send(lars, 'Are we still on for Saturday?');
  await startChat(anna, 'nordic.bikes');
  await send(anna, 'Hi! Is the gravel bike in the window still available in size M?');
  await messageShows(anna, 'Hi! Is the gravel bike in the window still available in size M?', ['Delivered', 'Read']);
  await shop.getByRole('link', { name: /^Anna Berg/ }).click();
  await send(shop, 'Hello Anna! Yes, we have one in M. Would you like to come by for a test ride?');
  await send(shop, 'We are open until 18:00 today.');
  await messageShows(anna, 'We are open until 18:00 today.');
  await send(anna, 'Perfect, I will come at 17:00 🚲');
  await messageShows(anna, 'Perfect, I will come at 17:00 🚲', ['Read']);
  await anna.screenshot({ path: `${out}/desktop-light.png` });

  for (const [name, scheme, viewport] of [
    ['desktop-dark', 'dark', { width: 1280, height: 800 }],
    ['phone-light', 'light', { width: 390, height: 844 }],
    ['phone-dark', 'dark', { width: 390, height: 844 }],
  ]) {
    const c = await browser.newContext({ colorScheme: scheme, viewport });
    const p = await c.newPage();
    await p.goto(server.url + '/login');
    await p.getByLabel('Handle').fill('anna.berg');
    await p.getByLabel('Password').fill('correct horse battery');
    await p.getByRole('button', { name: 'Log in' }).click();
    await until('chat list', async () => (await p.getByRole('link', { name: /^Nordic Bikes/ }).count()) === 1);
    if (name.startsWith('phone')) await p.screenshot({ path: `${out}/${name}-list.png` });
    await p.getByRole('link', { name: /^Nordic Bikes/ }).click();
    await messageShows(p, 'Perfect, I will come at 17:00 🚲');
    await p.waitForTimeout(300);
    await p.screenshot({ path: `${out}/${name}.png` });
  }
  const login = await (await ctx('light', { width: 1280, height: 800 })).newPage();
  await login.goto(server.url + '/register');
  await login.screenshot({ path: `${out}/register.png` });
} finally {
  await browser.close();
  await server.kill();
  server.cleanup();
}
