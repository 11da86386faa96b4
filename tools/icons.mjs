// Renders Kontor's app icons (PNG) from the logo SVG with headless Chromium. The PNGs are
// committed; run this again only when the logo changes:  node tools/icons.mjs
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const logo = (size, maskable) => {
  // Maskable icons may be cropped to a circle: keep the mark inside the central 60 %.
  const mark = maskable ? 0.6 : 1;
  const radius = maskable ? 0 : size * 0.28;
  return `<!doctype html><html><body style="margin:0">
  <svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 32 32">
    <rect width="32" height="32" rx="${(radius / size) * 32}" fill="#0b6e4f"/>
    <g transform="translate(${16 - 16 * mark} ${16 - 16 * mark}) scale(${mark})">
      <path d="M10 8v16M10 16l9-8M12.5 14l7.5 10" stroke="#fff" stroke-width="3"
        stroke-linecap="round" stroke-linejoin="round" fill="none"/>
    </g>
  </svg></body></html>`;
};

mkdirSync('public/icons', { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['maskable-512.png', 512, true],
  ['apple-touch-icon.png', 180, true],
]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(logo(size, maskable));
  await page.screenshot({ path: `public/icons/${name}`, omitBackground: !maskable });
  await page.close();
}
await browser.close();
