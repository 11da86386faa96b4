// Two people send each other a photo and a PDF: the photo shows as a thumbnail with its name,
// opens in a lightbox, the PDF downloads under its own name, and the photo still shows after a
// reload with the server down (media cache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import {
  launchBrowser, startServer, register, until, message, messageShows,
} from './support.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A real PNG of `w`×`h` pixels, a colour gradient (built here: no fixtures to keep). */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      row[1 + x * 3] = (x * 255) / w; row[2 + x * 3] = (y * 255) / h; row[3 + x * 3] = 120;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

test('a photo and a PDF go both ways with thumbnails, a lightbox and downloads', async () => {
  const server = await startServer();
  const base = server.url;
  try {
    const alice = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await register(alice, base, 'alice', 'Alice Andersson');
    await register(bob, base, 'bob', 'Bob Berg');
    await alice.getByRole('button', { name: 'New chat' }).click();
    await alice.getByLabel('Handle').fill('bob');
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await alice.getByRole('heading', { name: 'Bob Berg' }).waitFor();

    // Alice attaches a photo with a caption, then a PDF.
    await alice.getByLabel('Message', { exact: true }).fill('Our new shop window');
    await alice.getByLabel('Attach file').setInputFiles({
      name: 'window.png', mimeType: 'image/png', buffer: png(800, 600),
    });
    await messageShows(alice, 'Our new shop window', ['Sent', 'Delivered', 'Read']);
    await alice.getByLabel('Attach file').setInputFiles({
      name: 'boarding pass.pdf', mimeType: 'application/pdf', buffer: PDF,
    });
    await until('PDF sent', async () =>
      (await message(alice, 'boarding pass.pdf').getByRole('img', { name: /Sent|Delivered|Read/ }).count()) === 1);

    // Bob sees the thumbnail, named by its caption, with the photo's shape.
    await bob.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /^Alice Andersson/ }).click();
    const photo = bob.getByRole('img', { name: 'Our new shop window' });
    await photo.waitFor();
    const size = await photo.evaluate((img) => ({ w: img.naturalWidth, h: img.naturalHeight }));
    assert.ok(size.w > 0 && size.w <= 320, `thumbnail width ${size.w}`);
    assert.ok(Math.abs(size.w / size.h - 4 / 3) < 0.05, 'thumbnail keeps the aspect ratio');
    // Its box has the photo's shape from the start (set through the CSSOM: the CSP refuses inline
    // style attributes), so nothing below it moves when the thumbnail arrives.
    const ratio = await bob.getByRole('button', { name: 'Open photo window.png' })
      .evaluate((el) => getComputedStyle(el).aspectRatio);
    const [rw, rh] = ratio.split('/').map(Number);
    assert.ok(Math.abs(rw / rh - 4 / 3) < 0.01, `the photo's box is ${ratio}`);

    // The lightbox opens and closes.
    await bob.getByRole('button', { name: 'Open photo window.png' }).click();
    await bob.getByRole('dialog', { name: 'Photo window.png' }).getByRole('img').waitFor();
    await bob.keyboard.press('Escape');
    assert.equal(await bob.getByRole('dialog').count(), 0);

    // The PDF downloads under its own name, byte for byte.
    const [download] = await Promise.all([
      bob.waitForEvent('download'),
      bob.getByRole('link', { name: 'Download boarding pass.pdf' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'boarding pass.pdf');
    assert.deepEqual(readFileSync(await download.path()), PDF);

    // Bob answers with a photo of his own; Alice sees it, named by its file name.
    await bob.getByLabel('Attach file').setInputFiles({
      name: 'reply.png', mimeType: 'image/png', buffer: png(300, 400),
    });
    await alice.getByRole('img', { name: 'reply.png' }).waitFor();

    // Offline: the photos already seen still show after a reload with the server down.
    await server.kill();
    await bob.reload();
    await bob.getByRole('img', { name: 'Our new shop window' }).waitFor();
  } finally {
    await server.kill();
    server.cleanup();
  }
});
