// Copies the other pages' builds into the public pages' staged build, so dist/ serves all three
// bundles: the messenger (built into target/chats-dist) and the business dashboard
// (target/business-dist). Trunk names each page index.html; here they become chats.html and
// business.html, with their kontor-chats-* and kontor-business-* script and wasm. The shared
// files (stylesheet, icons) are the public build's own.
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OTHER_PAGES } from './pages.mjs';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error('TRUNK_STAGING_DIR is not set: run this as a trunk hook');

for (const { page, prefix, dist: from } of OTHER_PAGES) {
  if (!existsSync(join(from, 'index.html'))) {
    // A plain `trunk build` of the public pages alone: these paths then answer with the public
    // page, which says there is nothing there. `cargo xtask build` always builds all three.
    console.warn(`${page} not built (no ${from}/index.html): run cargo xtask build`);
    continue;
  }
  const files = readdirSync(from).filter((name) => name.startsWith(prefix));
  for (const name of files) copyFileSync(join(from, name), join(stage, name));
  copyFileSync(join(from, 'index.html'), join(stage, page));
  console.log(`${page} and ${files.length} files added`);
}
