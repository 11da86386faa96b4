// Copies the business dashboard's build (its page, which trunk names index.html, as
// business.html, and its kontor-business-* script and wasm) into the messenger's staged build, so
// dist/ serves both bundles. The shared files (stylesheet, icons) are the messenger's own.
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error('TRUNK_STAGING_DIR is not set: run this as a trunk hook');
const from = process.env.KONTOR_BUSINESS_DIST ?? 'target/business-dist';

if (!existsSync(join(from, 'index.html'))) {
  // A plain `trunk build` of the messenger alone: /biz pages then answer with the messenger,
  // which says so. `cargo xtask build` always builds both.
  console.warn(`business dashboard not built (no ${from}/index.html): run cargo xtask build`);
} else {
  const files = readdirSync(from).filter((name) => name.startsWith('kontor-business-'));
  for (const name of files) copyFileSync(join(from, name), join(stage, name));
  copyFileSync(join(from, 'index.html'), join(stage, 'business.html'));
  console.log(`business dashboard: business.html and ${files.length} files added`);
}
