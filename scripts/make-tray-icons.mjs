/* Writes the tray icons (resources/tray/tray-<state>.png at 16 px and @2x at 32 px) from
   resources/icon.svg with a status dot, rendered by Debian's Chromium: `node scripts/make-tray-icons.mjs`.
   Run again only when the icon or the colours change; the PNGs are committed. */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const icon = readFileSync(path.join(ROOT, 'resources/icon.svg'), 'utf8');
// linked: green, syncing: blue, reconnect needed: red; not linked: the icon in grey, no dot.
const STATES = { linked: '#1f9d55', syncing: '#2b7de9', reauth: '#e5484d', 'not-linked': null };

const out = path.join(ROOT, 'resources/tray');
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
for (const [state, colour] of Object.entries(STATES)) {
  for (const [size, suffix] of [[16, ''], [32, '@2x']]) {
    const dot = colour ? `<circle cx="396" cy="396" r="110" fill="${colour}" stroke="#ffffff" stroke-width="36"/>` : '';
    const svg = icon.replace('</svg>', `${dot}</svg>`).replace(/width="512" height="512"/, `width="${size}" height="${size}"`);
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<html><body style="margin:0;background:transparent"><div style="${colour ? '' : 'filter:grayscale(1)'}">${svg}</div></body></html>`);
    await page.screenshot({ path: path.join(out, `tray-${state}${suffix}.png`), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  }
}
await browser.close();
