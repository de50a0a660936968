// The desk in headless Chromium, driven by the keyboard alone: an admin
// signs in, reads the releases, the users and the audit trail; a new writer
// sets a password through a one-time link, signs in, and is refused the
// admin's pages. axe-core (WCAG 2.1 A/AA) runs on every desk page; each
// page's HTML is saved to ARTEFACT_DIR/desk-html/ for the Nu checker, and
// a picture of each to ARTEFACT_DIR/desk-*.png. Exits 1 on any failure.
// Usage: node e2e-desk.mjs DESK_URL ADMIN_ADDRESS PASSWORD WRITER_LINK WRITER_ADDRESS ARTEFACT_DIR
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [desk, admin, password, writerLink, writer, artefacts] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const htmlDir = path.join(artefacts, 'desk-html');
await mkdir(htmlDir, { recursive: true });
let failures = 0;

function expect(cond, what) {
  if (!cond) {
    failures++;
    console.log(`  FAIL ${what}`);
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

// Types into the focused field, then moves on with Tab.
async function typeAndTab(page, text) {
  await page.keyboard.type(text);
  await page.keyboard.press('Tab');
}

// Tabs until the element matching `selector` has the focus.
async function tabTo(page, selector, most = 30) {
  for (let i = 0; i < most; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return true;
    await page.keyboard.press('Tab');
  }
  return false;
}

async function signIn(page, address, pass) {
  await page.goto(`${desk}/desk/login`);
  expect(await tabTo(page, '#email'), 'the address field is reached with Tab');
  await typeAndTab(page, address);
  await page.keyboard.type(pass);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
});
try {
  // axe injects itself as an inline script, which the desk's policy
  // forbids: it runs where the policy is bypassed.
  const context = await browser.newContext({ locale: 'fi-FI', bypassCSP: true });
  const page = await context.newPage();

  await page.goto(`${desk}/desk/`);
  expect(page.url().endsWith('/desk/login'), 'a stranger is sent to the sign-in page');
  expect((await page.textContent('h1')).includes('Kirjaudu sisään'), 'the desk speaks the browser\'s Finnish');
  await check(page, '01-login');

  await signIn(page, admin, 'not the password at all');
  expect((await page.textContent('[role=alert]')).includes('ei kelpaa'), 'a wrong password is explained');
  await check(page, '02-login-wrong');

  await signIn(page, admin, password);
  expect(page.url().endsWith('/desk/'), `signed in, the releases show (${page.url()})`);
  expect((await page.textContent('h1')).includes('Tiedotteet'), 'the releases page');
  await check(page, '03-releases');

  await page.goto(`${desk}/desk/users`);
  expect((await page.content()).includes(writer), 'the admin sees the new writer');
  await check(page, '04-users');
  await page.goto(`${desk}/desk/audit`);
  expect((await page.content()).includes('sign-in-failed'), 'the failed sign-in is in the trail');
  await check(page, '05-audit');

  // Sign out with the keyboard: the button in the header.
  await page.goto(`${desk}/desk/`);
  expect(await tabTo(page, '.signout button'), 'the sign-out button is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(page.url().endsWith('/desk/login'), 'signed out');

  // The writer's one-time link.
  const writerPage = await (await browser.newContext({ locale: 'sv-FI', bypassCSP: true })).newPage();
  await writerPage.goto(writerLink.replace(/^https?:\/\/[^/]+/, desk));
  expect((await writerPage.textContent('h1')).includes('Välj lösenord'), 'the link page speaks Swedish');
  await check(writerPage, '06-set-password');
  expect(await tabTo(writerPage, '#password'), 'the password field is reached with Tab');
  await writerPage.keyboard.type('en helt annan lösenfras');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.content()).includes('Lösenordet är valt'), 'the password is set');
  await check(writerPage, '07-password-set');
  await signIn(writerPage, writer, 'en helt annan lösenfras');
  expect(writerPage.url().endsWith('/desk/'), 'the writer is signed in');
  const refused = await writerPage.goto(`${desk}/desk/users`);
  expect(refused.status() === 403, `a writer is refused the users page (${refused.status()})`);
  await check(writerPage, '08-refused');

  // The writer writes a release: the new-release form, the editor, save
  // and submit, all from the keyboard.
  await writerPage.goto(`${desk}/desk/releases/new`);
  await check(writerPage, '09-new-release');
  expect(await tabTo(writerPage, '#title'), 'the title field is reached with Tab');
  await writerPage.keyboard.type('Ny färjeförbindelse till skärgården');
  await tabTo(writerPage, '#lang');
  await writerPage.selectOption('#lang', 'sv');
  expect(await tabTo(writerPage, 'form button[type=submit]'), 'the create button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect(/\/desk\/releases\/ny-farjeforbindelse-till-skargarden\/sv$/.test(writerPage.url()), `the editor opens (${writerPage.url()})`);
  await check(writerPage, '10-editor');
  expect(await tabTo(writerPage, '#body', 60), 'the text field is reached with Tab');
  await writerPage.keyboard.type('Förbindelsen börjar trafikera i december.');
  expect(await tabTo(writerPage, 'form[action$="/sv"] button[type=submit]', 60), 'the save button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.inputValue('#body')).includes('trafikera i december'), 'the text is saved');

  // A picture: chosen (the file dialog is the system's; Playwright fills
  // it), described and credited with the keyboard, saved with the text.
  const picture = path.join(artefacts, 'desk-picture.png');
  await writeFile(picture, Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64'));
  await writerPage.setInputFiles('#image_file', picture);
  expect(await tabTo(writerPage, '#image_alt', 80), 'the picture\'s description is reached with Tab');
  await writerPage.keyboard.type('Färjan vid bryggan');
  expect(await tabTo(writerPage, '#image_credit', 10), 'the credit is reached with Tab');
  await writerPage.keyboard.type('Kaislamaa');
  expect(await tabTo(writerPage, 'form[action$="/sv"] button[type=submit]', 60), 'the save button is reached again');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect(await writerPage.isVisible('img.thumb'), 'the picture is shown in the editor');
  expect((await writerPage.inputValue('#image_credit')) === 'Kaislamaa', 'the credit is saved');
  await check(writerPage, '10b-editor-with-picture');

  // The preview: the page, the email at two widths and its text part.
  const editorUrl = writerPage.url();
  await writerPage.goto(`${editorUrl}/preview`);
  expect((await writerPage.locator('iframe').count()) === 3, 'the page and the email twice');
  expect((await writerPage.textContent('pre.text-part')).includes('trafikera i december'), 'the text part');
  const frame = writerPage.frames().find((f) => f.url().endsWith('/page'));
  expect(frame && (await frame.content()).includes('Färjan vid bryggan'), 'the page shows the picture\'s description');
  await check(writerPage, '10c-preview');
  await writerPage.goto(`${desk}/desk/account`);
  await check(writerPage, '10d-account');
  await writerPage.goto(editorUrl);
  expect(await tabTo(writerPage, 'form[action$="/submit"] button', 80), 'the submit button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.textContent('.status strong')).includes('Granskas'), 'in review');
  await check(writerPage, '11-in-review');

  // The admin (who did not write it) approves it and lets it out.
  await signIn(page, admin, password);
  await page.goto(`${desk}/desk/releases/ny-farjeforbindelse-till-skargarden/sv`);
  expect(await tabTo(page, 'form[action$="/approve"] button', 80), 'the approve button is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect((await page.textContent('.status strong')).includes('Hyväksytty'), 'approved');
  await check(page, '12-approved');
  expect(await tabTo(page, 'form[action$="/send"] button', 80), 'the send button is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(/(Ajastettu|Julkaistu)/.test(await page.textContent('.status strong')), 'released: scheduled or published');
  await page.goto(`${desk}/desk/audit`);
  const trail = await page.content();
  for (const act of ['create', 'save', 'submit', 'approve', 'release']) {
    expect(trail.includes(`<td>${act}</td>`), `the trail shows ${act}`);
  }
} finally {
  await browser.close();
}
if (failures) {
  console.log(`e2e-desk: ${failures} failures`);
  process.exit(1);
}
console.log('e2e-desk: all checks passed');
