// Trunk post-build hook step, run for every page's build (public pages, messenger, dashboard):
// 1. renames the wasm's imports and exports to short names (wasm-opt
//    --minify-imports-and-exports-and-modules, then -Os again) and the glue script
//    (`kontor-*.js`) to match: wasm-bindgen names each import after its function plus a hash of
//    16 hex digits, written in both files and nearly incompressible;
// 2. minifies the glue with terser, which trunk's own minifier cannot parse;
// 3. joins the stylesheets the page links (style/base.css and the page's own sheets) into one
//    file named like the page's script (`kontor-chats-<hash>.css`), so each page downloads one
//    sheet holding only the rules it uses: separate sheets compress worse, and one shared sheet
//    made every page carry every page's rules;
// then rewrites the page's subresource-integrity hashes so the browser accepts all three.
// Steps 1 and 2 run for release builds only. Sizes before and after: BENCHMARKS.md (2026-12-07).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error('TRUNK_STAGING_DIR is not set: run this as a trunk hook');

const integrity = (data) => 'sha384-' + createHash('sha384').update(data).digest('base64');

const pagePath = join(stage, 'index.html');
let page = readFileSync(pagePath, 'utf8');

const scripts = readdirSync(stage).filter((n) => /^kontor-.*\.js$/.test(n));
if (scripts.length !== 1) throw new Error(`expected one kontor-*.js script, found ${scripts}`);
const script = scripts[0];

// 1. Short import and export names. wasm-opt prints the renaming as JSON-like lines:
// `["module", "old", "new"],` for imports, `["old", "new"],` for exports.
function minifyNames(wasmName, glue) {
  const wasmPath = join(stage, wasmName);
  const before = readFileSync(wasmPath);
  // The features the page's own wasm-opt run enables (its data-wasm-opt-params).
  const html = readFileSync(process.env.TRUNK_HTML_FILE, 'utf8');
  const features = html.match(/--enable-[a-z-]+/g) ?? [];
  const run = spawnSync(
    'wasm-opt',
    [...features, '--minify-imports-and-exports-and-modules', '-Os', wasmPath, '-o', wasmPath],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) throw new Error(`wasm-opt failed: ${run.stderr || run.error}`);
  const pairs = [...run.stdout.matchAll(/\[\s*(?:"([^"]*)",\s*)?"([^"]+)",\s*"([^"]+)"\s*\]/g)];
  const imports = new Map();
  const exports = new Map();
  const modules = new Set();
  for (const [, module, old, short] of pairs) {
    if (module === undefined) exports.set(old, short);
    else {
      imports.set(old, short);
      modules.add(module);
    }
  }
  if (modules.size !== 1) throw new Error(`expected one import module, found ${[...modules]}`);
  const [module] = modules;
  const quotedModule = JSON.stringify(module);
  if (!glue.includes(`${quotedModule}: import0`)) throw new Error(`no ${quotedModule} in the glue`);
  // wasm-opt names the single module "a".
  let out = glue.replace(`${quotedModule}: import0`, '"a": import0');
  // Import keys of the import object (`name: function`), and `wasm.name` for exports; one pass
  // each, so a new short name is never renamed again.
  const keys = new RegExp(`(?<=^\\s*)(${[...imports.keys()].join('|')})(?=: )`, 'gm');
  let renamed = 0;
  out = out.replace(keys, (old) => (renamed++, imports.get(old)));
  // Each remaining import is a key of the glue's import object, written once.
  if (renamed !== imports.size) throw new Error(`renamed ${renamed} of ${imports.size} imports`);
  const uses = new RegExp(`(?<=\\bwasm\\.)(${[...exports.keys()].join('|')})\\b`, 'g');
  out = out.replace(uses, (old) => exports.get(old));
  const after = readFileSync(wasmPath);
  if (!page.includes(integrity(before))) throw new Error(`${wasmName}: its integrity hash is not in the page`);
  page = page.replaceAll(integrity(before), integrity(after));
  console.log(
    `page assets: ${wasmName} ${before.length} -> ${after.length} bytes, ${imports.size} imports and ${exports.size} exports renamed`,
  );
  return out;
}

const release = process.env.TRUNK_PROFILE === 'release';
if (release) {
  const source = readFileSync(join(stage, script), 'utf8');
  const wasmName = script.replace(/\.js$/, '_bg.wasm');
  const renamed = minifyNames(wasmName, source);
  // 2. The script. It is an ES module: top-level names may be mangled, its exports keep theirs.
  const { code } = await minify(renamed, { module: true, compress: true, mangle: true });
  writeFileSync(join(stage, script), code);
  if (!page.includes(integrity(source))) throw new Error(`${script}: its integrity hash is not in the page`);
  page = page.replaceAll(integrity(source), integrity(code));
  console.log(`page assets: ${script} ${source.length} -> ${code.length} bytes`);
}

// 3. The stylesheets, in the page's order (later rules win ties, as they did apart).
const links = [...page.matchAll(/<link\b[^>]*\brel="?stylesheet"?[^>]*>/g)].map((m) => m[0]);
const hrefOf = (link) => {
  const href = /\bhref="?\/?([^"\s>]+\.css)"?/.exec(link);
  if (!href) throw new Error(`a stylesheet link without a local href: ${link}`);
  return href[1];
};
if (links.length) {
  const sheets = links.map(hrefOf);
  const css = sheets.map((name) => readFileSync(join(stage, name), 'utf8')).join('\n');
  const hash = createHash('sha256').update(css).digest('hex').slice(0, 16);
  const joined = `${script.replace(/-[0-9a-f]+\.js$/, '')}-${hash}.css`;
  writeFileSync(join(stage, joined), css);
  for (const name of sheets) rmSync(join(stage, name));
  page = page.replace(
    links[0],
    `<link rel="stylesheet" href="/${joined}" integrity="${integrity(css)}">`,
  );
  for (const link of links.slice(1)) page = page.replace(link, '');
  console.log(`page assets: ${sheets.join(' + ')} -> ${joined} (${css.length} bytes)`);
}
writeFileSync(pagePath, page);
