// The emails against caniemail.com's data (doiuse-email): every feature
// that a client in CLIENTS does not support is an error unless the
// baseline accepts that feature for that client, with the reason the
// email still reads well there. A new error fails; an accepted one that
// no longer occurs is reported so the baseline can shrink.
// Usage: node doiuse-email.mjs BASELINE.json EMAIL.html...
import { readFile } from 'node:fs/promises';
import { doIUseEmail } from '@jsx-email/doiuse-email';

// The clients Nordic newsrooms and the public read mail in.
const CLIENTS = ['apple-mail.*', 'gmail.*', 'outlook.*', 'yahoo.*', 'samsung-email.*', 'thunderbird.*'];

const [baselinePath, ...files] = process.argv.slice(2);
if (!baselinePath || files.length === 0) {
  console.error('usage: node doiuse-email.mjs BASELINE.json EMAIL.html...');
  process.exit(2);
}
const baseline = JSON.parse(await readFile(baselinePath, 'utf8'));
const accepted = new Map(Object.entries(baseline.accepted));
const seen = new Set();
const fresh = [];
for (const file of files) {
  const html = await readFile(file, 'utf8');
  const result = doIUseEmail(html, { emailClients: CLIENTS });
  for (const error of result.errors ?? []) {
    const m = /^`(.+)` is not supported by `(.+)`$/.exec(error);
    if (!m) {
      fresh.push(`${file}: ${error}`);
      continue;
    }
    const [, feature, client] = m;
    const ok = accepted.get(feature);
    if (ok && ok.clients.includes(client)) {
      seen.add(`${feature}|${client}`);
    } else {
      fresh.push(`${file}: \`${feature}\` is not supported by \`${client}\``);
    }
  }
}
for (const [feature, { why, clients }] of accepted) {
  const here = clients.filter((c) => seen.has(`${feature}|${c}`));
  console.log(`    accepted: ${feature} in ${here.length} of ${clients.length} listed clients: ${why}`);
  const gone = clients.filter((c) => !seen.has(`${feature}|${c}`));
  if (gone.length) console.log(`      (no longer seen for ${gone.join(', ')}: the baseline can drop them)`);
}
if (fresh.length) {
  console.log(`doiuse-email: ${fresh.length} new unsupported features (fix them, or accept each in ${baselinePath} with the reason):`);
  for (const f of [...new Set(fresh)]) console.log(`  FAIL ${f}`);
  process.exit(1);
}
console.log(`doiuse-email: ${files.length} emails, no unsupported feature beyond the ${accepted.size} accepted ones`);
