// Shared helpers for the end-to-end tests: a real kontor-server on a free port with a temporary
// data folder, and Debian's Chromium driven by playwright-core.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const SERVER_BIN = process.env.KONTOR_SERVER_BIN ?? 'target/debug/kontor-server';
export const DIST = process.env.KONTOR_DIST ?? 'dist';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];

/** The operator's secret in tests: shows the server's figures on /api/health. */
export const OPERATOR_TOKEN = 'operator-secret-for-e2e';

/** Starts the server; `addr` reuses a port after a restart. */
export async function startServer({ dataDir, addr = '127.0.0.1:0', staticDir = DIST, env = {} } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'kontor-e2e-'));
  const proc = spawn(SERVER_BIN, ['--addr', addr, '--data-dir', dir, '--static-dir', staticDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Every browser in these tests comes from 127.0.0.1: the per-address limits are lifted, and
    // so is the message rate (one test sends 420 messages in a burst from another device). The
    // limits themselves are tested in the server's integration tests.
    env: {
      ...process.env,
      RUST_LOG: 'warn',
      KONTOR_REGISTRATIONS_PER_IP_PER_HOUR: '100000',
      KONTOR_LOGINS_PER_IP_PER_MINUTE: '100000',
      KONTOR_MESSAGES_PER_USER_PER_MINUTE: '100000',
      KONTOR_OPERATOR_TOKEN: OPERATOR_TOKEN,
      ...env,
    },
  });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      const m = line.match(/Kontor is running at (http:\/\/[^/]+)\//);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
    setTimeout(() => reject(new Error('server did not start in 20 s')), 20_000);
  });
  return {
    url,
    dataDir: dir,
    addr: url.replace('http://', ''),
    /** SIGKILL: like a crash. */
    async kill() {
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.once('exit', r)));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs an operator command (`kontor-server <args> --data-dir <the server's>`); its output. */
export function operator(server, args) {
  return new Promise((resolve, reject) => {
    execFile(SERVER_BIN, [...args, '--data-dir', server.dataDir], { env: { ...process.env, RUST_LOG: 'warn' } },
      (error, stdout, stderr) => (error ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

/** Headless Chromium for the tests, watched for Content-Security-Policy violations (`extraArgs`
 * adds command-line switches). */
export async function launchBrowser(extraArgs = []) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
  return watchCsp(browser);
}

/** Headless Chromium keeping its profile in `profile` (service worker, caches, IndexedDB survive a
 * restart), watched for Content-Security-Policy violations like [`launchBrowser`]'s. */
export async function launchPersistent(profile) {
  return watchCsp(await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true,
  }));
}

/** Collects every Content-Security-Policy violation a page of `target` (a browser, or a persistent
 * context) reports: Chromium logs each as a console error (an inline style refused, a script
 * blocked). Closing `target` then fails and lists them, so every test checks every page it
 * visited. */
export function watchCsp(target) {
  const violations = [];
  const watch = (page) =>
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) {
        violations.push(`${page.url()}: ${msg.text()}`);
      }
    });
  const watchContext = (context) => {
    context.pages().forEach(watch);
    context.on('page', watch);
    return context;
  };
  if (typeof target.pages === 'function') watchContext(target);
  else {
    const newContext = target.newContext.bind(target);
    target.newContext = async (...args) => watchContext(await newContext(...args));
    const newPage = target.newPage.bind(target);
    target.newPage = async (...args) => {
      const page = await newPage(...args);
      watch(page);
      return page;
    };
  }
  const close = target.close.bind(target);
  target.close = async () => {
    await close();
    if (violations.length) {
      const unique = [...new Set(violations)];
      throw new Error(`${violations.length} Content-Security-Policy violations:\n${unique.slice(0, 20).join('\n')}`);
    }
  };
  return target;
}

/** Polls `check` until it returns truthy, or fails with `what`. */
export async function until(what, check, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates an account through the UI, as a person would. */
export async function register(page, base, handle, name, password = 'correct horse battery') {
  await page.goto(base + '/');
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await until(`${handle} reaches the chat list`, async () => new URL(page.url()).pathname === '/chats');
  await statusIs(page, 'Online');
}

export async function statusIs(page, word) {
  await until(`status ${word}`, async () => (await page.getByRole('status').first().textContent())?.includes(word));
}

/** The article of the message with this exact text. */
export function message(page, text) {
  return page.getByRole('log', { name: 'Messages' }).getByRole('article').filter({ hasText: text });
}

/** Waits until exactly one message with this text shows, with one of the given states. */
export async function messageShows(page, text, states = null, timeoutMs = 15_000) {
  return until(`message "${text}"${states ? ` in state ${states.join('/')}` : ''}`, async () => {
    const m = message(page, text);
    if ((await m.count()) !== 1) return false;
    if (!states) return true;
    for (const s of states) {
      if ((await m.getByRole('img', { name: s, exact: true }).count()) === 1) return true;
    }
    return false;
  }, timeoutMs);
}

export async function send(page, text) {
  const field = page.getByLabel('Message', { exact: true });
  await field.fill(text);
  await field.press('Enter');
}
