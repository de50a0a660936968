// Signing in to the desk with the organisation's account, in headless
// Chromium, against a real OpenID provider (scripts/node/oidc-provider.mjs)
// named `localhost` while the desk is on 127.0.0.1: another site, as a real
// provider is, so the provider's redirect back to the desk is a cross-site
// navigation and the browser sends only the cookies it would send then
// (the provider shows a sign-in page of its own, INTERACTIVE=1, so the way
// back starts on its site, as it does at a real provider).
// An added editor signs in with the keyboard alone and reaches the desk; a
// person the desk does not know is refused with a page that says what to
// do, and is not signed in. axe-core (WCAG 2.1 A/AA) runs on the sign-in
// page and the refusal; their HTML goes to ARTEFACT_DIR/desk-html/ for the
// Nu checker. Exits 1 on any failure.
// Usage: node e2e-desk-oidc.mjs DESK_URL ISSUER ADDRESS NAME ARTEFACT_DIR
import { launch, checks } from './desk-checks.mjs';

const [desk, issuer, address, name, artefacts] = process.argv.slice(2);
const { expect, check, failures } = await checks(artefacts, { sayOk: true });

// The next person the provider signs in (its login finishes on its own).
async function next(sub, email, fullName) {
  const r = await fetch(`${issuer}/__next`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, email, email_verified: true, name: fullName, preferred_username: email }),
  });
  if (!r.ok) throw new Error(`the provider refused /__next: ${r.status}`);
}

// From the sign-in page, with the keyboard: Tab to the organisation's
// button, Enter, and wait until the browser is back on the desk.
async function signInWithOrganisation(page) {
  await page.goto(`${desk}/desk/login`);
  let reached = false;
  for (let i = 0; i < 20 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.getAttribute('href') === '/desk/login/oidc');
  }
  expect(reached, "the organisation's sign-in button is reached with Tab");
  const asked = [];
  page.on('request', (r) => { if (r.isNavigationRequest()) asked.push(r.url()); });
  await page.keyboard.press('Enter');
  // The provider's own sign-in page: the way back starts on its site.
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await page.waitForSelector('#continue');
  const answer = page.waitForResponse((r) => r.url().startsWith(`${desk}/desk/login/oidc/callback`));
  await page.focus('#continue');
  await page.keyboard.press('Enter');
  const callback = await answer;
  // Where the callback led (the desk, or its own refusal).
  await page.waitForURL((u) => u.href.startsWith(desk) && u.pathname !== '/desk/login');
  await page.waitForLoadState('load');
  return { callback, visited: asked };
}

const browser = await launch();
try {
  // (bypassCSP: the desk's policy forbids inline scripts, and axe is one.)
  // The editor the admin added: signed in, on the desk, named.
  await next('e2e-editor', address.toUpperCase(), name);
  const context = await browser.newContext({ locale: 'fi-FI', bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${desk}/desk/login`);
  await check(page, 'login-oidc');
  const { callback, visited } = await signInWithOrganisation(page);
  expect(visited.some((u) => u.startsWith(issuer)), `the browser went to the provider (${new URL(issuer).host})`);
  expect(callback.status() === 303, `the desk's callback answered ${callback.status()} (303: signed in)`);
  expect(new URL(page.url()).pathname === '/desk/', `back on the desk's home: ${page.url()}`);
  expect((await page.content()).includes(name), `the desk names ${name}`);
  const cookies = await context.cookies(desk);
  const session = cookies.find((c) => c.name === 'pressroom-desk');
  expect(session && session.httpOnly && session.sameSite === 'Lax', 'the sign-in cookie is HttpOnly and SameSite=Lax');
  expect(!cookies.some((c) => c.name === 'pressroom-desk-oidc'), 'the sign-in flow cookie is gone');
  await check(page, 'home-oidc');
  await context.close();

  // A stranger: refused at the callback, told to ask an admin, not signed in.
  await next('e2e-stranger', 'vieras@muualla.example', 'Vieras Muualta');
  const other = await browser.newContext({ locale: 'fi-FI', bypassCSP: true });
  const s = await other.newPage();
  const refused = await signInWithOrganisation(s);
  expect(refused.callback.status() === 403, `a stranger's callback answered ${refused.callback.status()} (403)`);
  expect(/ylläpitäjä|admin/i.test(await s.content()), 'the refusal says to ask an admin');
  await check(s, 'oidc-refused');
  const home = await s.goto(`${desk}/desk/`);
  expect(new URL(home.url()).pathname === '/desk/login', `the stranger is not signed in (${home.url()})`);
  await other.close();
} finally {
  await browser.close();
}
if (failures()) {
  console.log(`${failures()} failure(s)`);
  process.exit(1);
}
