// What a search query transfers: runs the site's own search.js (its
// index reader, without a page) over a built language's index, each query
// with an empty cache, and counts the bytes of every file it fetches: the
// manifest, the word fragments and the release fragments of the first
// page of results (20).
//
// Queries: the 10 most frequent words, 10 words picked at random, 10
// three-letter prefixes and 10 two-word queries, plus any given with -q.
// Prints a table and the largest and median transfer; exits 1 when a query
// transfers more than LIMIT_KB, or a one-word query finds nothing.
//
// Usage: node search-transfer.mjs SITE_DIR LANG LIMIT_KB [-q QUERY]...
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const [site, lang, limitKb, ...rest] = process.argv.slice(2);
if (!site || !lang || !limitKb) {
  console.error('usage: node search-transfer.mjs SITE_DIR LANG LIMIT_KB [-q QUERY]...');
  process.exit(2);
}
const extra = [];
for (let i = 0; i < rest.length; i += 2) {
  if (rest[i] !== '-q' || rest[i + 1] === undefined) {
    console.error(`search-transfer: unknown argument ${rest[i]}`);
    process.exit(2);
  }
  extra.push(rest[i + 1]);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const script = fs.readFileSync(path.join(here, '../../templates/site/search.js'), 'utf8');
const context = vm.createContext({ Map, Promise, Math, URLSearchParams });
vm.runInContext(script, context);
const Index = context.PressroomSearch;

const dir = path.join(site, lang, 'search', 'fragments');
const read = (name) => fs.readFileSync(path.join(dir, name));

// Every word with how many releases its postings name.
const manifest = JSON.parse(read('index.json'));
const vocabulary = [];
for (let i = 0; i < manifest.w.length; i++) {
  const f = JSON.parse(read(`w${i}.json`));
  f.w.forEach((w, j) => vocabulary.push([w, f.p[f.s[j]].length]));
}
let seed = 42;
const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const letters = vocabulary.filter(([w]) => /^\p{L}+$/u.test(w));
const frequent = [...letters].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([w]) => w);
const queries = [...frequent];
for (let i = 0; i < 10; i++) { queries.push(letters[random(letters.length)][0]); }
for (let i = 0; i < 10; i++) {
  const w = letters[random(letters.length)][0];
  if (w.length >= 3) { queries.push(w.slice(0, 3)); }
}
for (let i = 0; i < 10; i++) {
  queries.push(`${frequent[random(frequent.length)]} ${letters[random(letters.length)][0]}`);
}
queries.push(...extra);

const rows = [];
let failed = false;
for (const q of queries) {
  let bytes = 0;
  let files = 0;
  const index = new Index(`/${lang}/search/fragments/index.json`, async (url) => {
    const name = url.split('?')[0].split('/').pop();
    const body = read(name);
    bytes += body.length;
    files += 1;
    return JSON.parse(body);
  });
  const hits = await index.search(q);
  const shown = await index.releases(hits.slice(0, 20));
  // One word of the index (or its prefix) must find something; two
  // words need not occur together.
  if ((hits.length === 0 && !q.includes(' ')) || shown.some((r) => !r)) {
    console.log(`FAIL "${q}": ${hits.length} results, ${shown.filter((r) => !r).length} missing from their fragments`);
    failed = true;
  }
  rows.push({ q, hits: hits.length, files, kb: bytes / 1024 });
}
rows.sort((a, b) => b.kb - a.kb);
console.log(`${'query'.padEnd(36)} ${'results'.padStart(8)} ${'files'.padStart(6)} ${'KB'.padStart(8)}`);
for (const r of rows) {
  console.log(`${r.q.slice(0, 36).padEnd(36)} ${String(r.hits).padStart(8)} ${String(r.files).padStart(6)} ${r.kb.toFixed(1).padStart(8)}`);
}
const kbs = rows.map((r) => r.kb).sort((a, b) => a - b);
const max = kbs[kbs.length - 1];
const median = kbs[Math.floor(kbs.length / 2)];
const whole = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) / 1024;
console.log(`search-transfer: ${lang}, ${manifest.n} releases, ${vocabulary.length} words, index ${whole.toFixed(0)} KB in ${fs.readdirSync(dir).length} files; per query: largest ${max.toFixed(1)} KB, median ${median.toFixed(1)} KB (limit ${limitKb} KB)`);
if (max > Number(limitKb)) {
  console.log(`FAIL a query transfers ${max.toFixed(1)} KB, over ${limitKb} KB`);
  failed = true;
}
process.exit(failed ? 1 : 0);
