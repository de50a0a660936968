// A real OpenID provider for pressroom's tests: `oidc-provider` (certified
// by the OpenID Foundation) on 127.0.0.1, with two clients and accounts the
// test names. Prints `ISSUER <url>` once it listens; stops when its
// standard input closes (so it never outlives the test that started it).
//
// The login and consent steps complete on their own for the account that
// `POST /__next` named last ({"sub", "email", "email_verified", "name",
// "preferred_username"}): the desk's side of the flow is what is tested.
//
// With INTERACTIVE=1 the login step is a page instead (see below).
//
// `POST /__mode` {"mode": ...} turns the token endpoint hostile, to prove
// the desk refuses what a real provider never sends: "honest" (the
// default), "wrong-aud" (a token for another client), "expired",
// "wrong-iss", "bad-signature" (signed by another key under the same key
// id), "wrong-nonce". The token is re-signed with the provider's own key
// (but for "bad-signature"), so only the changed claim is wrong.
import http from 'node:http';

// Standard output carries the one ISSUER line; the provider's notices go
// to standard error.
const quiet = (...a) => process.stderr.write(`${a.join(' ')}\n`);
console.log = quiet;
console.info = quiet;
console.warn = quiet;
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';

const clients = [
  ['pressroom-desk', 'desk-secret'],
  ['another-client', 'another-secret'],
].map(([client_id, client_secret]) => ({
  client_id,
  client_secret,
  // A native client: its loopback redirect URI matches on any port
  // (RFC 8252, 7.3), as the desk under test listens on a port of its own.
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/desk/login/oidc/callback'],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
}));

const key = await generateKeyPair('RS256', { extractable: true });
const stranger = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(key.privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

let next = { sub: 'nobody', email: 'nobody@example.org', email_verified: true };
const accounts = new Map();
let mode = 'honest';

// ISSUER_HOST=localhost names the provider `localhost` (another site than
// a desk on 127.0.0.1, as a real provider is for a browser); it then
// listens on ::1 as well, where the name may lead first.
const host = process.env.ISSUER_HOST || '127.0.0.1';
const server = http.createServer();
await new Promise((ok) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', ok));
const issuer = `http://${host}:${server.address().port}`;
const servers = [server];
if (host === 'localhost') {
  const v6 = http.createServer();
  await new Promise((ok) => {
    v6.once('error', ok); // no IPv6 on this machine: 127.0.0.1 alone
    v6.listen(server.address().port, '::1', () => { servers.push(v6); ok(); });
  });
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['pressroom-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  async findAccount(_ctx, sub) {
    const a = accounts.get(sub);
    if (!a) return undefined;
    return { accountId: sub, async claims() { return { ...a }; } };
  },
});
// oidc-provider refuses plain http for its cookies unless told it is
// behind nothing: the test runs on loopback.
provider.proxy = false;

provider.use(async (ctx, nextMiddleware) => {
  await nextMiddleware();
  if (ctx.path !== '/token' || ctx.method !== 'POST' || mode === 'honest') return;
  if (ctx.status !== 200 || !ctx.body || !ctx.body.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const header = decodeProtectedHeader(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let signer = key.privateKey;
  if (mode === 'wrong-aud') claims.aud = 'another-client';
  if (mode === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  if (mode === 'wrong-iss') claims.iss = 'http://127.0.0.1:1/';
  if (mode === 'wrong-nonce') claims.nonce = 'not-the-nonce-the-desk-sent';
  if (mode === 'bad-signature') signer = stranger.privateKey;
  ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader(header).sign(signer) };
});

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : {};
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    accounts.set(next.sub, next);
    await provider.interactionFinished(req, res, { login: { accountId: next.sub } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

// INTERACTIVE=1: the login step is a page of the provider's own, with a
// button that finishes it (as a person signs in at a real provider), so a
// browser's way back to the desk starts on the provider's site.
const interactive = process.env.INTERACTIVE === '1';
function loginPage(req, res) {
  const who = String(next.email).replace(/[<>&"]/g, '');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main><h1>Test provider</h1><form method="post" action="${req.url}">
<button type="submit" id="continue">Sign in as ${who}</button></form></main></body></html>`);
}

const callback = provider.callback();
const handle = async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/__next') {
      next = await body(req);
      res.end('ok');
    } else if (req.method === 'POST' && req.url === '/__mode') {
      mode = (await body(req)).mode;
      res.end('ok');
    } else if (req.url.startsWith('/interaction/') && req.method === 'GET' && interactive
      && (await provider.interactionDetails(req, res)).prompt.name === 'login') {
      loginPage(req, res);
    } else if (req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else {
      callback(req, res);
    }
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e && e.stack || e));
  }
};
for (const s of servers) s.on('request', handle);

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.stdout.write(`ISSUER ${issuer}\n`);
