// Concurrent HTTP clients for scripts/load-test: sign-ups and page requests,
// interleaved. Prints a JSON summary (statuses, latency percentiles).
// Usage: node load.mjs BASE_URL SIGNUPS PAGES CLIENTS
const [base, signups, pages, clients] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const paths = ['/', '/fi/', '/sv/', '/en/', '/fi/regional-strategy-2040/', '/sv/landskapsstrategi-2040/',
  '/en/regional-strategy-2040/', '/style.css', '/fi/feed.xml', '/fi/tags/aluekehitys/', '/fi/subscribe', '/sv/subscribe'];
const jobs = [];
for (let i = 0; i < signups; i++) jobs.push({ signup: i });
for (let i = 0; i < pages; i++) jobs.push({ path: paths[i % paths.length] });
// Interleave deterministically.
jobs.sort((a, b) => ((a.signup ?? a.path.length * 7919) % 97) - ((b.signup ?? b.path.length * 7919) % 97));

const statuses = {};
const latencies = [];
let errors = 0;
let accepted = 0;
let next = 0;
const start = performance.now();
async function client() {
  while (next < jobs.length) {
    const job = jobs[next++];
    const t0 = performance.now();
    try {
      const res = job.signup !== undefined
        ? await fetch(`${base}/fi/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `email=load${job.signup}%40example.org&lists=citizens&lang=fi`,
        })
        : await fetch(base + job.path);
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      if (job.signup !== undefined && res.status === 200) accepted++;
    } catch (e) {
      errors++;
    }
    latencies.push(performance.now() - t0);
  }
}
await Promise.all(Array.from({ length: clients }, client));
const seconds = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
console.log(JSON.stringify({
  requests: jobs.length, signups, clients, seconds, statuses, errors, accepted_signups: accepted,
  p50_ms: pct(0.5), p99_ms: pct(0.99), max_ms: latencies[latencies.length - 1],
}));
