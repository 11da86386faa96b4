// Trunk post-build hook: writes the service worker's precache list and version into the staged
// `sw.js`, so the list always matches the build's content-hashed file names (never kept by hand)
// and every new build is a new service worker version.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OTHER_PAGES } from './pages.mjs';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error('TRUNK_STAGING_DIR is not set: run this as a trunk hook');
const publicUrl = process.env.TRUNK_PUBLIC_URL ?? '/';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const all = walk(stage)
  .map((path) => relative(stage, path).split('\\').join('/'))
  .filter((name) => name !== 'sw.js' && name !== 'index.html')
  .filter((name) => !['.map', '.br', '.gz'].some((ext) => name.endsWith(ext)))
  .sort();
// The messenger and the business dashboard are cached when first opened (or asked for ahead),
// not installed with the public pages: a first visit need not download them.
const pageOf = (name) =>
  OTHER_PAGES.find(({ page, prefix }) => name === page || name.startsWith(prefix))?.page;
const files = all.filter((name) => !pageOf(name));
const lazy = {};
for (const name of all.filter(pageOf)) {
  const page = publicUrl + pageOf(name);
  if (name === pageOf(name)) lazy[page] ??= [];
  else (lazy[page] ??= []).push(publicUrl + name);
}
const hash = createHash('sha256');
for (const name of ['index.html', ...all]) {
  hash.update(name);
  hash.update(readFileSync(join(stage, name)));
}
const version = hash.digest('hex').slice(0, 16);
const urls = [publicUrl, ...files.map((name) => publicUrl + name)];
const lazyCount = Object.values(lazy).reduce((n, list) => n + list.length + 1, 0);

const swPath = join(stage, 'sw.js');
const sw = readFileSync(swPath, 'utf8');
const placeholders = ["const VERSION = 'dev';", 'const PRECACHE = [];', 'const LAZY = {};'];
if (!placeholders.every((p) => sw.includes(p))) {
  throw new Error('sw.js has no VERSION/PRECACHE/LAZY placeholders');
}
const out = sw
  .replace("const VERSION = 'dev';", `const VERSION = '${version}';`)
  .replace('const PRECACHE = [];', `const PRECACHE = ${JSON.stringify(urls)};`)
  .replace('const LAZY = {};', `const LAZY = ${JSON.stringify(lazy)};`);
writeFileSync(swPath, out);
console.log(`precache: ${urls.length} files, ${lazyCount} on first use, version ${version}`);
