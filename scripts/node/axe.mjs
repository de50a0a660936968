// Runs axe-core (WCAG 2.1 A and AA rules) in headless Chromium on pages of a
// built pressroom and on rendered emails; exits 1 on any violation.
// Usage: node axe.mjs OUT_DIR   (OUT_DIR holds public/ and email/)
import { createServer } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const out = path.resolve(process.argv[2]);
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.xml': 'application/rss+xml',
  '.png': 'image/png', '.pdf': 'application/pdf', '.jpg': 'image/jpeg' };

// Serves OUT_DIR/public at / and OUT_DIR/email at /__email/.
const server = createServer(async (req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = p.startsWith('/__email/') ? path.join(out, 'email', p.slice(9)) : path.join(out, 'public', p);
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const emails = (await readdir(path.join(out, 'email')).catch(() => [])).sort().map((d) => `/__email/${d}/email.html`);
// AXE_PAGES (comma-separated paths) replaces the sample's list.
const pages = process.env.AXE_PAGES ? process.env.AXE_PAGES.split(',') : [
  '/', '/fi/', '/sv/', '/en/', '/404.html',
  '/fi/regional-strategy-2040/', '/sv/landskapsstrategi-2040/', '/en/regional-strategy-2040/',
  '/fi/rail-connection-study/', '/fi/tags/', '/fi/tags/liikenne/', '/sv/tags/kultur/',
  '/fi/mediayhteydet/', '/sv/mediakontakter/', '/fi/saavutettavuus/', '/en/accessibility/', '/sv/404.html',
  '/fi/search/', '/sv/search/', '/fi/archive/2026/',
  ...emails,
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
});
let failures = 0;
try {
  const context = await browser.newContext();
  for (const url of pages) {
    const page = await context.newPage();
    const resp = await page.goto(base + url, { waitUntil: 'load' });
    if (!resp || resp.status() !== 200) {
      console.log(`  FAIL ${url}: HTTP ${resp && resp.status()}`);
      failures++;
      continue;
    }
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    if (result.violations.length === 0) {
      console.log(`  ok   ${url} (${result.passes.length} rules pass)`);
    } else {
      failures++;
      console.log(`  FAIL ${url}`);
      for (const v of result.violations) {
        console.log(`       ${v.id} (${v.impact}): ${v.help}`);
        for (const n of v.nodes.slice(0, 5)) console.log(`         ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`);
      }
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (failures) {
  console.log(`axe: ${failures} of ${pages.length} pages have WCAG 2.1 A/AA violations`);
  process.exit(1);
}
console.log(`axe: 0 violations on ${pages.length} pages`);
