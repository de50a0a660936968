// Walks the subscription pages in headless Chromium like a reader would and
// runs axe-core (WCAG 2.1 A/AA) on every page. Exits 1 on any failure.
// It also searches on the site with the server's Content-Security-Policy in
// force and takes pictures of the front page, a release and the search page
// at 375 and 1280 px (ARTEFACT_DIR/site-*.png).
// With PREVIEW_URL (a `serve --drafts` of the same room) it also checks the
// writer's preview: a draft page and an email view pass axe, and a page
// reloads by itself after its release file is edited.
// Usage: node e2e-browser.mjs BASE_URL ROOM_DIR PRESSROOM_BIN ARTEFACT_DIR [PREVIEW_URL]
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [base, room, bin, artefacts, preview] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const SITE = 'https://tiedotteet.kaislamaa.example.org';
let failures = 0;

const qpDecode = (s) => Buffer.from(
  s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
  'latin1',
).toString('utf8');

async function newestEml(dir) {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  if (!files.length) throw new Error(`no .eml in ${dir}`);
  return readFile(path.join(dir, files[files.length - 1]), 'utf8');
}

async function check(page, name, { screenshot = true } = {}) {
  // A preview page keeps its event stream open, which a full-page
  // screenshot waits on; those are checked without one.
  if (screenshot) await page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true });
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  if (r.violations.length) {
    failures++;
    console.log(`  FAIL ${name}: ${page.url()}`);
    for (const v of r.violations) {
      console.log(`       ${v.id} (${v.impact}): ${v.help}`);
      for (const n of v.nodes.slice(0, 5)) console.log(`         ${n.target.join(' ')}`);
    }
  } else {
    console.log(`  ok   ${name}: 0 violations (${r.passes.length} rules pass)`);
  }
}

function expect(cond, what) {
  if (!cond) {
    failures++;
    console.log(`  FAIL ${what}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
});
try {
  const page = await (await browser.newContext({ locale: 'fi-FI', bypassCSP: true })).newPage();

  await page.goto(`${base}/fi/regional-strategy-2040/`);
  // The page's heading has room between it and the header (the stylesheet
  // once zeroed main's top padding).
  const gap = await page.evaluate(() => {
    const header = document.querySelector('header').getBoundingClientRect();
    const h1 = document.querySelector('h1').getBoundingClientRect();
    return h1.top - header.bottom;
  });
  expect(gap >= 16, `the heading sits ${gap}px below the header, not touching it`);
  await page.click('a.button');
  expect(page.url().endsWith('/fi/subscribe'), 'the release page links to the form');
  await check(page, '01-subscribe-form');

  await page.fill('#email', 'not an address');
  await page.click('button[type=submit]');
  expect((await page.textContent('#form-error')).includes('ei kelpaa'), 'an invalid address is explained');
  await check(page, '02-subscribe-error');

  await page.fill('#email', 'reader@example.org');
  await page.selectOption('#lang', 'sv');
  await page.click('button[type=submit]');
  expect((await page.textContent('h1')).includes('Tarkista sähköpostisi'), 'check your inbox');
  await check(page, '03-check-inbox');

  const confirmation = qpDecode(await newestEml(path.join(room, 'outbox', 'confirmations')));
  const link = confirmation.match(/https:\/\/tiedotteet\.kaislamaa\.example\.org\/confirm\/[\w.-]+/)[0];
  // Opening the link shows a button (mail scanners open links; only the POST confirms).
  await page.goto(link.replace(SITE, base));
  await check(page, '04a-confirm-button');
  await page.click('form button[type=submit]');
  expect((await page.textContent('h1')).includes('Välkommen'), 'the welcome page is in the chosen language');
  await check(page, '04-confirmed');

  // A release goes out; its List-Unsubscribe link leads to the unsubscribe page.
  execFileSync(bin, ['--root', room, 'send', 'regional-strategy-2040', '--list', 'citizens', '--yes', '--now', '2026-11-22T08:00:00+02:00']);
  const message = await newestEml(path.join(room, 'outbox', 'regional-strategy-2040'));
  const unsub = message.match(/List-Unsubscribe: <([^>]+)>/)[1];
  await page.goto(unsub.replace(SITE, base));
  await check(page, '05-unsubscribe');
  const prefsHref = await page.getAttribute('a[href*="/preferences/"]', 'href');
  await page.click('form button[type=submit]');
  expect((await page.textContent('h1')).includes('avslutad'), 'unsubscribed (in Swedish)');
  await check(page, '06-unsubscribed');

  await page.goto(`${base}${prefsHref}`);
  await check(page, '07-preferences');
  await page.goto(`${base}/confirm/forged-token`);
  await check(page, '08-bad-link');

  // The site as readers see it, with the server's Content-Security-Policy
  // in force: the search filters as one types, and pictures of the front
  // page, a release and the search page at phone and desktop widths.
  {
    const readers = await browser.newContext({ locale: 'fi-FI' });
    const violations = [];
    readers.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    const p = await readers.newPage();
    await p.goto(`${base}/fi/search/`);
    await p.waitForSelector('#search-form:not([hidden])', { timeout: 10000 }).catch(() => {});
    expect(await p.isVisible('#search-q'), 'the search form shows once its script runs');
    await p.fill('#search-q', 'strategia 2040');
    await p.waitForFunction(() => document.querySelectorAll('#search-results li').length > 0, null, { timeout: 10000 })
      .catch(() => {});
    const found = await p.locator('#search-results li a').allTextContents();
    expect(found.some((t) => t.includes('strategian vuoteen 2040')), `typing finds the strategy (${found.join(' | ')})`);
    expect(!found.some((t) => t.includes('Kesätyöseteli')), 'an unrelated release is filtered out');
    const status = await p.textContent('#search-status');
    expect(/Löytyi (\d+ tiedotetta|yksi tiedote)/.test(status), `the count is announced (${status})`);
    // Full text: a word only the text of the rail study has, in another
    // form than the text's, and the start of a compound's second part.
    for (const q of ['kilometri', 'reittivaihtoehdot', 'vaihtoehto']) {
      await p.fill('#search-q', q);
      await p.waitForFunction((t) => [...document.querySelectorAll('#search-results li a')].some((a) => a.textContent.includes(t)),
        'raideyhteydestä', { timeout: 10000 }).catch(() => {});
      const hits = await p.locator('#search-results li a').allTextContents();
      expect(hits.some((t) => t.includes('raideyhteydestä')), `"${q}" finds the release whose text has it (${hits.join(' | ')})`);
    }
    expect(!(await p.isVisible('#search-more')), 'no "show more" button under a list that is all there');
    // axe injects itself as an inline script: checked where the policy is
    // bypassed, with the same results on the page.
    await page.goto(`${base}/fi/search/?q=strategia`);
    await page.waitForFunction(() => document.querySelectorAll('#search-results li').length > 0, null, { timeout: 10000 })
      .catch(() => {});
    await check(page, '13-search-results');
    for (const [name, url] of [['front', '/'], ['release', '/fi/regional-strategy-2040/'], ['search', '/fi/search/?q=liikenne']]) {
      for (const width of [375, 1280]) {
        await p.setViewportSize({ width, height: width === 375 ? 812 : 900 });
        await p.goto(`${base}${url}`);
        if (name === 'search') {
          await p.waitForFunction(() => document.querySelectorAll('#search-results li').length > 0, null, { timeout: 10000 })
            .catch(() => { failures++; console.log('  FAIL the search page fills in from ?q='); });
        }
        await p.screenshot({ path: path.join(artefacts, `site-${name}-${width}.png`), fullPage: true });
      }
    }
    console.log('  ok   14-screenshots: front page, release and search page at 375 and 1280 px');
    expect(violations.length === 0, `no Content-Security-Policy violations on the site (${violations.join(' | ')})`);
    await readers.close();
  }

  if (preview) {
    // A draft, with its banner, and the email view of a release.
    await page.goto(`${preview}/fi/council-meeting-agenda/`);
    expect(await page.isVisible('.preview-banner'), 'a draft in the preview has its banner');
    await check(page, '09-preview-draft', { screenshot: false });
    await page.goto(`${preview}/fi/regional-strategy-2040/`);
    await page.click('.preview-tools a');
    expect((await page.textContent('h1')).startsWith('Sähköpostinäkymä'), 'the email view opens');
    expect(await page.locator('iframe').count() === 2, 'the email at two widths');
    await check(page, '10-preview-email-view', { screenshot: false });

    // What follows runs as a writer's browser does: with the server's
    // Content-Security-Policy in force (axe above needs it bypassed to
    // inject itself). A violation is a failure.
    const strict = await browser.newContext({ locale: 'fi-FI' });
    const blocked = [];
    strict.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
    const view = await strict.newPage();
    await view.goto(`${preview}/fi/regional-strategy-2040/`);
    await view.click('.preview-tools a');
    await view.waitForLoadState('load');
    const frames = view.frames().filter((f) => f !== view.mainFrame());
    let shown = 0;
    for (const f of frames) {
      await f.waitForLoadState('load');
      if ((await f.content()).includes('Maakuntavaltuusto hyväksyi')) shown++;
    }
    expect(shown === 2, `the email shows in both frames under the server's CSP (${shown} of ${frames.length})`);
    const styled = await view.evaluate(() => getComputedStyle(document.querySelector('.frames')).display);
    expect(styled === 'flex', `the email view's own styles apply under the CSP (display: ${styled})`);
    if (shown === 2 && styled === 'flex') console.log('  ok   10b-preview-email-view-csp: both frames and the styles load under the CSP');

    // Saving the release file reloads the open page by itself; a page that
    // the edit does not touch (another release) stays as it is.
    const live = await strict.newPage();
    await live.goto(`${preview}/fi/regional-strategy-2040/`);
    await live.evaluate(() => { window.pressroomMarker = true; });
    const other = await strict.newPage();
    await other.goto(`${preview}/fi/summer-jobs/`);
    await other.evaluate(() => { window.pressroomMarker = true; });
    const file = path.join(room, 'releases', '2026-10-26-regional-strategy-2040.fi.md');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/\n---\n/, '\n---\nTallennettu juuri nyt.\n\n'));
    try {
      await live.waitForFunction(() => !window.pressroomMarker, null, { timeout: 20000 });
      await live.waitForLoadState('load');
      expect((await live.content()).includes('Tallennettu juuri nyt.'), 'the reloaded page shows the edit');
      console.log('  ok   11-preview-live-reload: the page reloaded itself after the edit');
      // The untouched page heard the same event (its stream is open) and stayed.
      await other.waitForTimeout(1000);
      expect(await other.evaluate(() => window.pressroomMarker === true),
        'a page the edit does not touch does not reload');
      console.log("  ok   12-preview-no-needless-reload: another release's page stayed as it was");
    } catch (e) {
      failures++;
      console.log(`  FAIL 11-preview-live-reload: no reload within 20 s (${e.message})`);
    } finally {
      await writeFile(file, text);
    }
    expect(blocked.length === 0, `no Content-Security-Policy violations in the preview (${blocked.join(' | ')})`);
  }
} finally {
  await browser.close();
}
if (failures) {
  console.log(`e2e-browser: ${failures} failures`);
  process.exit(1);
}
