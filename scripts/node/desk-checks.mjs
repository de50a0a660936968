// What the desk's browser stories share: Chromium launched as they all
// run it, and checks that count their failures. `check` keeps a page's
// HTML in ARTEFACT_DIR/desk-html/ (for the Nu checker) and a picture of it,
// and runs axe-core (WCAG 2.1 A/AA) on it; the page's context must bypass
// the desk's Content-Security-Policy, since axe injects itself inline.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

// The checks of one story; `sayOk` prints the checks that hold too.
export async function checks(artefacts, { sayOk = false } = {}) {
  const htmlDir = path.join(artefacts, 'desk-html');
  await mkdir(htmlDir, { recursive: true });
  let failures = 0;
  function expect(cond, what) {
    if (!cond) {
      failures++;
      console.log(`  FAIL ${what}`);
    } else if (sayOk) {
      console.log(`  ok   ${what}`);
    }
  }
  async function check(page, name) {
    await writeFile(path.join(htmlDir, `${name}.html`), await page.content());
    await page.screenshot({ path: path.join(artefacts, `desk-${name}.png`), fullPage: true });
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(async () =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    if (r.violations.length) {
      failures++;
      console.log(`  FAIL desk ${name}: ${page.url()}`);
      for (const v of r.violations) {
        console.log(`       ${v.id} (${v.impact}): ${v.help}`);
        for (const n of v.nodes.slice(0, 5)) console.log(`         ${n.target.join(' ')}`);
      }
    } else {
      console.log(`  ok   desk ${name}: 0 violations (${r.passes.length} rules pass)`);
    }
  }
  return { expect, check, failures: () => failures };
}
