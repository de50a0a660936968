// The desk in headless Chromium, driven by the keyboard alone: an admin
// signs in, reads the releases, the users and the audit trail; a new writer
// sets a password through a one-time link, signs in, and is refused the
// admin's pages; the story goes on to a release written, a test copy sent,
// approved, planned and sent now by serve, its delivery report counting
// live, the admin's lists (import, erasure, a suppression lifted), and a
// correction emailed to those who had the release. axe-core (WCAG 2.1 A/AA) runs on every desk page; each
// page's HTML is saved to ARTEFACT_DIR/desk-html/ for the Nu checker, and
// a picture of each to ARTEFACT_DIR/desk-*.png. Exits 1 on any failure.
// Usage: node e2e-desk.mjs DESK_URL ADMIN_ADDRESS PASSWORD WRITER_LINK WRITER_ADDRESS ARTEFACT_DIR
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launch, checks } from './desk-checks.mjs';

const [desk, admin, password, writerLink, writer, artefacts] = process.argv.slice(2);
const editorAddress = 'toimittaja@kaislamaa.example.org';
const titleFi = 'Uusi lauttayhteys saaristoon';
const titleSv = 'Ny färjeförbindelse till skärgården';
const { expect, check, failures } = await checks(artefacts);

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

const browser = await launch();
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

  // The admin adds an editor on the users page, from the keyboard; the
  // one-time link it shows is how the editor chooses a password.
  await signIn(page, admin, password);
  await page.goto(`${desk}/desk/users`);
  expect(await tabTo(page, '#email', 80), 'the new account\'s address is reached with Tab');
  await typeAndTab(page, editorAddress);
  await page.keyboard.type('Eeva Editori');
  await page.selectOption('#role', 'editor');
  expect(await tabTo(page, 'form[action="/desk/users"] button[type=submit]', 10), 'the add button is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const editorLink = (await page.textContent('code.link')).trim();
  expect(editorLink.includes('/desk/password/'), 'the users page shows the editor\'s one-time link');
  await check(page, '04b-user-added');
  const editorPage = await (await browser.newContext({ locale: 'fi-FI', bypassCSP: true })).newPage();
  await editorPage.goto(editorLink.replace(/^https?:\/\/[^/]+/, desk));
  expect(await tabTo(editorPage, '#password'), 'the editor\'s password field is reached with Tab');
  await editorPage.keyboard.type('kolme karhua metsässä tänään');
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  expect((await editorPage.content()).includes('/desk/login'), 'the editor\'s password is set');

  // The writer writes a Finnish release from the keyboard: the new-release
  // form, the editor with its text and list, a picture with its
  // description and credit, the preview; then a Swedish version; submit.
  await writerPage.goto(`${desk}/desk/releases/new`);
  await check(writerPage, '09-new-release');
  expect(await tabTo(writerPage, '#title'), 'the title field is reached with Tab');
  await writerPage.keyboard.type(titleFi);
  await tabTo(writerPage, '#lang');
  await writerPage.selectOption('#lang', 'fi');
  expect(await tabTo(writerPage, 'form button[type=submit]'), 'the create button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect(/\/desk\/releases\/uusi-lauttayhteys-saaristoon\/fi$/.test(writerPage.url()), `the editor opens (${writerPage.url()})`);
  const editorFi = writerPage.url();
  await check(writerPage, '10-editor');
  expect(await tabTo(writerPage, '#body', 60), 'the text field is reached with Tab');
  await writerPage.keyboard.type('Lautta alkaa liikennöidä joulukuussa.');
  expect(await tabTo(writerPage, '#list-media', 10), 'the media list is reached with Tab');
  await writerPage.keyboard.press('Space');
  const picture = path.join(artefacts, 'desk-picture.png');
  await writeFile(picture, Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC', 'base64'));
  // The file dialog is the system's; Playwright fills it.
  await writerPage.setInputFiles('#image_file', picture);
  expect(await tabTo(writerPage, '#image_alt', 20), 'the picture\'s description is reached with Tab');
  await writerPage.keyboard.type('Lautta laiturissa');
  expect(await tabTo(writerPage, '#image_credit', 10), 'the credit is reached with Tab');
  await writerPage.keyboard.type('Kaislamaa');
  expect(await tabTo(writerPage, 'form[action$="/fi"] button[type=submit]', 60), 'the save button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.inputValue('#body')).includes('joulukuussa'), 'the text is saved');
  expect(await writerPage.isVisible('img.thumb'), 'the picture is shown in the editor');
  expect((await writerPage.inputValue('#image_credit')) === 'Kaislamaa', 'the credit is saved');
  expect(await writerPage.isChecked('#list-media'), 'the media list is chosen');
  await check(writerPage, '10b-editor-with-picture');
  // A test copy to the writer's own address, through Postfix: the shell
  // finds it in the mailbox with [TESTI] before the title.
  expect(await tabTo(writerPage, 'form[action$="/test-send"] button', 20), 'the test-copy button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect(writerPage.url().includes('sent=1'), `the test copy is sent (${writerPage.url()})`);
  await check(writerPage, '10e-test-copy-sent');

  // The preview: the page, the email at two widths and its text part.
  await writerPage.goto(`${editorFi}/preview`);
  expect((await writerPage.locator('iframe').count()) === 3, 'the page and the email twice');
  expect((await writerPage.textContent('pre.text-part')).includes('joulukuussa'), 'the text part');
  const frame = writerPage.frames().find((f) => f.url().endsWith('/page'));
  expect(frame && (await frame.content()).includes('Lautta laiturissa'), 'the page shows the picture\'s description');
  await check(writerPage, '10c-preview');
  await writerPage.goto(`${desk}/desk/account`);
  await check(writerPage, '10d-account');

  // The Swedish version, started from the Finnish one.
  await writerPage.goto(editorFi);
  expect(await tabTo(writerPage, 'form[action$="/translate"] button', 120), 'the add-a-version button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect(/\/uusi-lauttayhteys-saaristoon\/sv$/.test(writerPage.url()), `the Swedish version opens (${writerPage.url()})`);
  expect(await tabTo(writerPage, '#title'), 'its title is reached with Tab');
  await writerPage.keyboard.press('Control+A');
  await writerPage.keyboard.type(titleSv);
  expect(await tabTo(writerPage, '#body', 60), 'its text is reached with Tab');
  await writerPage.keyboard.press('Control+A');
  await writerPage.keyboard.type('Färjan börjar trafikera i december.');
  expect(await tabTo(writerPage, 'form[action$="/sv"] button[type=submit]', 80), 'its save button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.inputValue('#title')) === titleSv, 'the Swedish title is saved');
  expect(await tabTo(writerPage, 'form[action$="/submit"] button', 140), 'the submit button is reached with Tab');
  await Promise.all([writerPage.waitForNavigation(), writerPage.keyboard.press('Enter')]);
  expect((await writerPage.textContent('.status strong')).includes('Granskas'), 'in review');
  await check(writerPage, '11-in-review');

  // The editor (who did not write it) approves it and sends it.
  await signIn(editorPage, editorAddress, 'kolme karhua metsässä tänään');
  expect(editorPage.url().endsWith('/desk/'), `the editor is signed in (${editorPage.url()})`);
  await editorPage.goto(editorFi);
  expect(await tabTo(editorPage, 'form[action$="/approve"] button', 140), 'the approve button is reached with Tab');
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  expect((await editorPage.textContent('.status strong')).includes('Hyväksytty'), 'approved');
  await check(editorPage, '12-approved');
  expect(await tabTo(editorPage, 'a[href$="/send"]', 140), 'the send link is reached with Tab');
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  // The plan: counts per list and language; confirmed by typing the total.
  const total = (await editorPage.textContent('#total')).trim();
  expect(Number(total) > 0, `the plan counts ${total} messages`);
  expect(!(await editorPage.content()).includes('@inbox.example.org'), 'the plan shows no address');
  await check(editorPage, '13-send-plan');
  expect(await tabTo(editorPage, '#when_now', 60), 'the choice of when is reached with Tab');
  await editorPage.keyboard.press('ArrowDown');
  expect(await editorPage.isChecked('#when_date'), '"at its date" is chosen with the arrow key');
  await editorPage.keyboard.press('ArrowUp');
  expect(await editorPage.isChecked('#when_now'), '"now" is chosen again with the arrow key');
  expect(await tabTo(editorPage, '#confirm', 10), 'the number field is reached with Tab');
  await editorPage.keyboard.type(total);
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  expect(editorPage.url().endsWith('/report'), `the delivery report follows (${editorPage.url()})`);
  // serve sends it within seconds; the report's counts follow without a
  // reload (its script asks for the counts).
  let sent = '';
  for (let i = 0; i < 150 && sent !== total; i++) {
    await editorPage.waitForTimeout(200);
    sent = (await editorPage.textContent('tfoot [data-k="sent"]')).trim();
  }
  expect(sent === total, `the report counts ${sent} of ${total} sent, live`);
  await check(editorPage, '14-report');
  await editorPage.goto(editorFi);
  expect((await editorPage.textContent('.status strong')).includes('Julkaistu'), 'published');
  await page.goto(`${desk}/desk/audit`);
  const trail = await page.content();
  for (const [act, who] of [['user-added', admin], ['create', writer], ['save', writer], ['submit', writer],
    ['approve', editorAddress], ['release', editorAddress]]) {
    expect(trail.includes(`<td>${act}</td>`) && trail.includes(who), `the trail shows ${act} by ${who}`);
  }
  await check(page, '15-audit-story');

  // The lists: the admin imports a CSV, finds a subscriber and erases
  // them, and lifts a suppression; each step is in the trail.
  await page.goto(`${desk}/desk/subscribers`);
  await check(page, '16-subscribers');
  await page.setInputFiles('#import_file', {
    name: 'toimittajat.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('email;name;lang\nuutiset@example.org;Uutiset;fi\npoistettava@example.org;Poistettava;sv\nrikki-osoite;Rikki;fi\n'),
  });
  await page.selectOption('#import_list', 'citizens');
  expect(await tabTo(page, 'form[action$="/import"] button', 60), 'the import button is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect((await page.textContent('#added')).trim() === '2', 'the import added two');
  expect((await page.textContent('#skipped')).trim() === '1', 'and skipped the broken row, with its line');
  await check(page, '17-import-report');
  await page.goto(`${desk}/desk/subscribers?q=poistettava`);
  expect(await tabTo(page, 'td a[href^="/desk/subscribers/"]:not([download])', 60), 'the subscriber found is reached with Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await check(page, '18-subscriber');
  expect(await tabTo(page, '#confirm', 80), 'the erasure field is reached with Tab');
  await page.keyboard.type('poistettava@example.org');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(!(await page.goto(`${desk}/desk/subscribers?q=poistettava`), await page.content()).includes('poistettava@example.org'),
    'the erased subscriber is not found');
  await page.goto(`${desk}/desk/suppressions`);
  expect((await page.content()).includes('550 5.1.1 mailbox unknown (e2e)'), 'the suppression shows its evidence');
  await check(page, '19-suppressions');
  expect(await tabTo(page, 'input[name=why]', 80), 'the reason to lift is reached with Tab');
  await page.keyboard.type('the receiving server was misconfigured');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(!(await page.content()).includes('mailbox unknown (e2e)'), 'the suppression is lifted');
  await page.goto(`${desk}/desk/audit`);
  const lists = await page.content();
  for (const act of ['import', 'erase', 'unsuppress']) {
    expect(lists.includes(`<td>${act}</td>`), `the trail shows ${act}`);
  }
  // The second factor's enrolment: a QR code, and the key as text.
  await page.goto(`${desk}/desk/account/totp`);
  expect((await page.textContent('#totp-key')).trim().length >= 32, 'the key is shown as text');
  await check(page, '20-totp');

  // The editor corrects the published release in both languages and
  // emails only the correction to those who had it.
  await editorPage.goto(editorFi);
  expect(await tabTo(editorPage, 'a[href$="/correct"]', 160), 'the correction link is reached with Tab');
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  await check(editorPage, '21-correct');
  expect(await tabTo(editorPage, '#note_fi', 20), 'the Finnish note is reached with Tab');
  await editorPage.keyboard.type('Liikennöinnin alkamispäivä korjattu.');
  expect(await tabTo(editorPage, '#note_sv', 10), 'the Swedish note is reached with Tab');
  await editorPage.keyboard.type('Datumet då trafiken börjar är rättat.');
  expect(await tabTo(editorPage, '#email', 10), 'the email choice is reached with Tab');
  await editorPage.keyboard.press('Space');
  expect(await tabTo(editorPage, 'form[action$="/correct"] button[type=submit]', 10), 'the publish button is reached with Tab');
  await Promise.all([editorPage.waitForNavigation(), editorPage.keyboard.press('Enter')]);
  expect((await editorPage.content()).includes('Korjaus on julkaistu'), 'the correction is published');
  await check(editorPage, '22-corrected');
  await page.goto(`${desk}/desk/audit`);
  expect((await page.content()).includes('<td>correct</td>'), 'the trail shows the correction');
} finally {
  await browser.close();
}
if (failures()) {
  console.log(`e2e-desk: ${failures()} failures`);
  process.exit(1);
}
console.log('e2e-desk: all checks passed');
