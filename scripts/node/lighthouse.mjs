// Lighthouse (pinned in package.json) in headless Chromium on pages of a
// served site: accessibility, best practices and SEO must each score 100.
// Prints each page's scores and every audit that failed; writes each
// report (JSON) into OUT_DIR.
//
// Usage: node lighthouse.mjs BASE_URL OUT_DIR PATH...
//   CHROME_PATH names the browser (default /usr/bin/chromium).
import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const [base, outDir, ...paths] = process.argv.slice(2);
if (!base || !outDir || paths.length === 0) {
  console.error('usage: node lighthouse.mjs BASE_URL OUT_DIR PATH...');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const categories = ['accessibility', 'best-practices', 'seo'];
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let failures = 0;
try {
  for (const p of paths) {
    const url = new URL(p, base).href;
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: categories,
    });
    const lhr = result.lhr;
    const name = p.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'root';
    fs.writeFileSync(path.join(outDir, `${name}.json`), result.report);
    if (lhr.runtimeError) {
      failures++;
      console.log(`  FAIL ${p}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      continue;
    }
    const scores = categories.map((c) => [c, Math.round((lhr.categories[c].score ?? 0) * 100)]);
    const bad = scores.filter(([, s]) => s < 100);
    console.log(`  ${bad.length ? 'FAIL' : 'ok  '} ${p}: ${scores.map(([c, s]) => `${c} ${s}`).join(', ')}`);
    if (bad.length === 0) { continue; }
    failures++;
    for (const [c] of bad) {
      for (const ref of lhr.categories[c].auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight > 0 && a.score !== null && a.score < 1) {
          console.log(`       ${c}: ${a.id}: ${a.title}`);
        }
      }
    }
  }
} finally {
  await chrome.kill();
}
if (failures) {
  console.log(`lighthouse: ${failures} of ${paths.length} pages below 100`);
  process.exit(1);
}
console.log(`lighthouse: ${paths.length} pages, accessibility, best practices and SEO 100 on each`);
