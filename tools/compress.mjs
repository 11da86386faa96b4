// Trunk post-build hook: writes brotli (quality 11) and gzip (level 9) copies of the text and
// wasm files next to them, so the server sends the smallest encoding without compressing on
// every request. Run by tools/post_build.mjs after the precache list, so sw.js is final.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) throw new Error('TRUNK_STAGING_DIR is not set: run this as a trunk hook');
const COMPRESSIBLE = ['.html', '.js', '.wasm', '.css', '.svg', '.webmanifest'];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let before = 0;
let after = 0;
for (const path of walk(stage).filter((p) => COMPRESSIBLE.some((ext) => p.endsWith(ext)))) {
  const data = readFileSync(path);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(path + '.br', br);
  writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
  before += data.length;
  after += br.length;
}
console.log(`compress: ${before} bytes -> ${after} bytes (brotli)`);
