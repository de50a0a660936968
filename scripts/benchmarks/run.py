#!/usr/bin/env python3
"""Driver of scripts/bench: runs each comparison side by side and reports
medians and ratios. See scripts/bench for what is compared.

Usage: run.py PRESSROOM_BIN [--quick] [--only build,preview,desk,send,scale,bounded,search]
With --only, the named parts run (full sizes unless --quick) and nothing is
written: for measuring one thing while working on it.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
QUICK = "--quick" in sys.argv
PARTS = ["build", "preview", "desk", "send", "scale", "bounded", "search"]
ONLY = next((a.split("=", 1)[1] if "=" in a else sys.argv[i + 2] for i, a in enumerate(sys.argv[1:]) if a.startswith("--only")), None)
ONLY = ONLY.split(",") if ONLY else None
if ONLY and not set(ONLY) <= set(PARTS):
    sys.exit(f"--only takes some of {','.join(PARTS)}")
ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = pathlib.Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
SIZES = [60, 300] if QUICK else [1000, 10000]
RUNS = 1 if QUICK else 3
# Full builds from nothing, each beside Hugo's and a copy of its site: the
# file system's speed wanders over a run, so ratios are taken pair by pair.
BUILD_RUNS = 1 if QUICK else 5
RECIPIENTS = 300 if QUICK else 20000
SCALE = [2000, 8000] if QUICK else [250_000, 1_000_000]
CONCURRENCY = 4
# One way, for the relay across a network (a round trip of twice this).
WAN_DELAY = 0.005
NOW = "2030-01-01T00:00:00Z"
ENV = dict(os.environ, PRESSROOM_SECRET="benchmark-secret-0123456789abcdefghijkl")
ENV.pop("PRESSROOM_RELAYS", None)
ENV.pop("PRESSROOM_DB", None)
results = {"build": [], "send": {}, "scale": [], "bounded": [], "search": [], "commands": []}
# Releases of the search corpus (a third per language).
SEARCH = [300] if QUICK else [10_000, 30_000]
SEARCH_LIMIT_KB = 300
# Hostile input, at N and 2N: work must grow linearly (ratio about 2).
BOUNDED = [5_000, 10_000] if QUICK else [100_000, 200_000]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV, **kw)


def timed(cmd, cwd=None, record=True):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS MB)."""
    if record:
        results["commands"].append(" ".join(map(str, cmd)))
    p = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], cwd=cwd, capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = (int(wall.group(1) or 0), int(wall.group(2)), float(wall.group(3)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return h * 3600 + m * 60 + s, rss / 1024


def count_pages(out, hugo=False):
    """(pages that are not numbered list pages, numbered list pages). Lists
    paginate differently: Hugo from the newest, 20 a page; pressroom from
    the oldest, the list's own page holding 20 to 39. The rest must match."""
    n, paged = 0, 0
    for p in pathlib.Path(out).rglob("*"):
        # Pages the Hugo side has no counterpart of are not counted (but
        # pressroom still builds them): the sitemap (turned off in Hugo's
        # configuration), the archive by year and the search page.
        rel = str(p.relative_to(out))
        if p.suffix in (".html", ".xml") and p.name != "404.html" and not p.name.startswith("sitemap") \
                and "/archive/" not in rel and "/search/" not in rel:
            if "/page/" in rel:
                # Hugo's page/1/ only redirects to the list.
                paged += 0 if hugo and rel.endswith("/page/1/index.html") else 1
            else:
                n += 1
    return n, paged


# Sites the build part made, removed when it ends (see `fresh`).
TRASH = []


def fresh(parent, name):
    """A folder no run has used yet, for a timed command to write a whole
    site into. No timed command follows a removal: ext4 (without a journal,
    as here) skips over every inode freed in the last 30 seconds when it
    allocates one, one block lookup each, so a site written just after
    another was removed pays for that search, quadratic in the files, and
    the tool that runs after the most removals loses. The folders are
    removed when the part ends, and `settle` writes the pages out between
    timed commands so that none pays for another's writeback."""
    path = parent / f"{name}-{len(TRASH)}"
    TRASH.append(path)
    return path


def settle():
    os.sync()


def bench_build():
    try:
        build_sizes()
    finally:
        for path in TRASH:
            shutil.rmtree(path, ignore_errors=True)
        TRASH.clear()


def build_sizes():
    for n in SIZES:
        corpus = WORK / f"corpus-{n}"
        sh([sys.executable, ROOT / "scripts/benchmarks/gen_corpus.py", str(n), str(corpus)])
        pr, hu, cp = [], [], []
        for _ in range(BUILD_RUNS):
            out_p, out_h = fresh(corpus, "out-pressroom"), fresh(corpus, "out-hugo")
            # From nothing: no record and no kept releases either.
            shutil.rmtree(corpus / "pressroom" / ".cache", ignore_errors=True)
            settle()
            pr.append(timed([BIN, "--root", corpus / "pressroom", "build", "--out", out_p, "--now", NOW], record=not pr))
            settle()
            hu.append(timed(["hugo", "--quiet", "--source", corpus / "hugo", "--destination", out_h], record=not hu))
            # The floor for the same files and bytes: a copy of the site
            # just built, into a new folder, as the build's was.
            out_c = fresh(corpus, "out-copy")
            settle()
            cp.append(timed(["cp", "-r", out_p, out_c], record=not cp))
        # Rebuilding over the site just built, with nothing changed: only
        # files whose bytes changed are written (none here).
        noop = []
        for i in range(RUNS):
            settle()
            noop.append(timed([BIN, "--root", corpus / "pressroom", "build", "--out", out_p, "--now", NOW],
                              record=i == 0))
        # One release edited before each rebuild: every page is rendered
        # again and compared, and only the changed files are written.
        edited = sorted((corpus / "pressroom" / "releases").glob("*.fi.md"))[n // 6]
        edit = []
        for i in range(RUNS):
            head, body = edited.read_text().split("\n---\n", 1)
            edited.write_text(head + "\n---\n" + f"Muokattu {i}.\n\n" + body)
            settle()
            edit.append(timed([BIN, "--root", corpus / "pressroom", "build", "--out", out_p, "--now", NOW],
                              record=i == 0))
        # The cron case: one new release (the newest, published) added
        # before each rebuild; the others are read back from what the
        # last build kept.
        newest = max((corpus / "pressroom" / "releases").glob("*.fi.md"),
                     key=lambda f: (f.name[:10] <= NOW[:10], f.name))
        added = []
        for i in range(RUNS):
            head, body = newest.read_text().split("\n---\n", 1)
            head = re.sub(r"(?m)^translation_key: .*$", f"translation_key: bench-new-{i}", head)
            (newest.parent / f"{newest.name[:10]}-bench-new-{i}.fi.md").write_text(head + "\n---\n" + body)
            settle()
            added.append(timed([BIN, "--root", corpus / "pressroom", "build", "--out", out_p, "--now", NOW],
                               record=i == 0))
        for f in newest.parent.glob("*-bench-new-*.fi.md"):
            f.unlink()
        sh([BIN, "--root", corpus / "pressroom", "build", "--out", out_p, "--now", NOW])
        # The same pressroom with every template replaced (ejected, each
        # differing by a comment), so every page renders through the
        # run-time engine; its site must be byte for byte the built-in one.
        themed = corpus / "themed"
        shutil.copytree(corpus / "pressroom", themed, ignore=shutil.ignore_patterns(".cache"))
        sh([BIN, "--root", themed, "templates", "eject"])
        for f in (themed / "templates").rglob("*"):
            if f.suffix in (".html", ".txt", ".xml"):
                f.write_text("{# ours #}" + f.read_text())
        # Side by side: each run builds the built-in site, then the themed
        # one, from scratch, with nothing else running in between. The
        # first pair warms both image caches.
        theme, builtin = [], []
        for i in range(RUNS + 1):
            out_t, out_b = fresh(corpus, "out-themed"), fresh(corpus, "out-builtin")
            settle()
            build_b = [BIN, "--root", corpus / "pressroom", "build", "--force", "--out", out_b, "--now", NOW]
            build_t = [BIN, "--root", themed, "build", "--force", "--out", out_t, "--now", NOW]
            # Each goes first in every other pair.
            if i % 2:
                b = timed(build_b, record=False)
                settle()
                t = timed(build_t, record=i == 1)
            else:
                t = timed(build_t, record=False)
                settle()
                b = timed(build_b, record=False)
            if i > 0:
                builtin.append(b)
                theme.append(t)
        differ = subprocess.run(["diff", "-rq", out_p, out_t], capture_output=True, text=True).stdout
        if differ:
            sys.exit(f"a site built from ejected templates differs at N={n}:\n{differ[:2000]}")
        (pages_p, paged_p), (pages_h, paged_h) = count_pages(out_p), count_pages(out_h, hugo=True)
        if pages_p != pages_h:
            sys.exit(f"page counts differ at N={n}: pressroom {pages_p}, hugo {pages_h}")
        pages_p += paged_p
        row = dict(n=n, pages=pages_p, hugo_pages=pages_h + paged_h,
                   pr_wall=statistics.median(w for w, _ in pr), pr_rss=statistics.median(r for _, r in pr),
                   hu_wall=statistics.median(w for w, _ in hu), hu_rss=statistics.median(r for _, r in hu),
                   pr_noop=statistics.median(w for w, _ in noop),
                   pr_edit=statistics.median(w for w, _ in edit),
                   pr_new=statistics.median(w for w, _ in added),
                   cp_wall=statistics.median(w for w, _ in cp),
                   # Each build against the Hugo build and the copy beside it.
                   vs_hugo=statistics.median(p / h for (p, _), (h, _) in zip(pr, hu)),
                   vs_copy=statistics.median(p / c for (p, _), (c, _) in zip(pr, cp)),
                   pr_builtin=statistics.median(w for w, _ in builtin),
                   pr_themed=statistics.median(w for w, _ in theme))
        results["build"].append(row)
        print(f"build N={n:>6}: {pages_p} pages (Hugo {row['hugo_pages']}: lists are paginated differently); pressroom {row['pr_wall']:.2f} s {row['pr_rss']:.0f} MB; "
              f"hugo {row['hu_wall']:.2f} s {row['hu_rss']:.0f} MB; time ratio {row['vs_hugo']:.2f}, "
              f"memory ratio {row['pr_rss'] / row['hu_rss']:.2f}; no-op rebuild {row['pr_noop']:.2f} s "
              f"({row['pr_noop'] / row['pr_wall']:.2f} of a full build); one edit {row['pr_edit']:.2f} s "
              f"({row['pr_edit'] / row['pr_wall']:.2f}); one new release {row['pr_new']:.2f} s "
              f"({row['pr_new'] / row['pr_wall']:.2f}); a copy of the site {row['cp_wall']:.2f} s (build / copy "
              f"{row['vs_copy']:.2f}); built-in templates {row['pr_builtin']:.2f} s, every "
              f"template replaced {row['pr_themed']:.2f} s ({row['pr_themed'] / row['pr_builtin']:.2f})")


def save_to_served(path, url, edits):
    """Adds a line to the body of `path` `edits` times; for each, the time
    until `url` serves it (polled every 5 ms). Median seconds."""
    import urllib.request
    times = []
    for i in range(edits):
        marker = f"Muokattu {i} {time.time()}"
        head, body = path.read_text().split("\n---\n", 1)
        t0 = time.perf_counter()
        path.write_text(head + "\n---\n" + marker + "\n\n" + body)
        while True:
            try:
                if marker in urllib.request.urlopen(url).read().decode():
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > 120:
                sys.exit(f"{url}: the edit was not served within 120 s")
            time.sleep(0.005)
        times.append(time.perf_counter() - t0)
        time.sleep(0.3)
    return statistics.median(times)


def wait_for(url, seconds=300):
    import urllib.request
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try:
            urllib.request.urlopen(url).read()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer within {seconds} s")


def bench_hugo_server(row, slug, edits):
    """The same edit in `hugo server` (rendering to memory, no live reload
    script): its save-to-served for the same release."""
    hugo_dir = WORK / f"corpus-{row['n']}" / "hugo"
    port = free_port()
    p = subprocess.Popen(["hugo", "server", "--source", hugo_dir, "--port", str(port), "--bind", "127.0.0.1",
                          "--disableLiveReload", "--quiet"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        url = f"http://127.0.0.1:{port}/fi/releases/{slug}/"
        wait_for(url)
        row["hugo_served"] = save_to_served(hugo_dir / "content" / "releases" / f"{slug}.fi.md", url, edits)
    finally:
        p.terminate()
        p.wait()
    results["commands"].append(f"hugo server --source {hugo_dir} --disableLiveReload  # same edit (renders to memory)")


def bench_preview():
    """Save-to-served in `serve --drafts`: one release edited, time until its
    page serves the edit (polled every 5 ms), beside the full build of the
    same corpus from bench_build, and beside `hugo server` for the same edit."""
    import urllib.request
    for row in results["build"]:
        n = row["n"]
        root = WORK / f"corpus-{n}" / "pressroom"
        p = subprocess.Popen([BIN, "--root", root, "serve", "--drafts", "--addr", "127.0.0.1:0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
        try:
            base = re.search(r"http://[^/ ]+", p.stdout.readline()).group(0)
            files = sorted((root / "releases").glob("*.fi.md"))
            f = files[len(files) // 2]
            slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", f.name[: -len(".fi.md")])
            url = f"{base}/fi/{slug}/"
            urllib.request.urlopen(url).read()
            edits = 2 if QUICK else 5
            row["save_served"] = save_to_served(f, url, edits)
        finally:
            p.terminate()
            p.wait()
        bench_hugo_server(row, slug, edits)
        results["commands"].append(f"{BIN} --root {root} serve --drafts  # edit one release, poll its page")
        print(f"preview N={n:>6}: save-to-served {row['save_served'] * 1000:.0f} ms "
              f"({row['save_served'] / row['pr_wall']:.3f} of a full build); "
              f"hugo server {row['hugo_served'] * 1000:.0f} ms (ratio {row['save_served'] / row['hugo_served']:.2f})")


def p95(samples):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def bench_desk():
    """The desk's pages at N releases: an admin signs in; the release list
    and one release's editor are fetched again and again (p95 of the
    latency), beside a page of the built site from the same server (the
    floor: the same HTTP stack, no release read)."""
    import http.cookiejar
    import urllib.parse
    import urllib.request
    for row in results["build"]:
        n = row["n"]
        root = WORK / f"corpus-{n}" / "pressroom"
        sh([BIN, "--root", root, "build", "--now", NOW])
        password = "a long passphrase for the desk"
        subprocess.run([BIN, "--root", root, "users", "add", "bench@example.org", "--name", "Bench Mark",
                        "--role", "admin", "--password-stdin"], input=password + "\n", check=True,
                       capture_output=True, text=True, env=ENV)
        p = subprocess.Popen([BIN, "--root", root, "serve", "--addr", "127.0.0.1:0", "--desk-addr", "127.0.0.1:0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV)
        try:
            site = re.search(r"http://[^/ ]+", p.stdout.readline()).group(0)
            desk = re.search(r"http://[^/ ]+", p.stdout.readline()).group(0)
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            form = opener.open(f"{desk}/desk/login").read().decode()
            csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
            body = urllib.parse.urlencode({"csrf": csrf, "email": "bench@example.org", "password": password}).encode()
            opener.open(urllib.request.Request(f"{desk}/desk/login", data=body, headers={"Sec-Fetch-Site": "same-origin"})).read()
            fi = sorted(root.glob("releases/*.fi.md"))
            f = fi[len(fi) // 3]
            slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", f.name[: -len(".fi.md")])
            pages = {"list": f"{desk}/desk/", "editor": f"{desk}/desk/releases/{slug}/fi",
                     "preview": f"{desk}/desk/releases/{slug}/fi/preview", "site": f"{site}/fi/{slug}/"}
            times = {k: [] for k in pages}
            rounds = 10 if QUICK else 40
            opener.open(pages["list"]).read()  # the first read of the releases fills the desk's cache
            for _ in range(rounds):
                for k, url in pages.items():
                    t0 = time.perf_counter()
                    page = opener.open(url).read()
                    times[k].append(time.perf_counter() - t0)
                    signed_in = {"list": b"csrf", "editor": b"csrf", "preview": b"/desk/preview/"}.get(k)
                    if signed_in and signed_in not in page:
                        sys.exit(f"the desk did not answer {url} signed in")
            for k in pages:
                row[f"desk_{k}"] = p95(times[k])
        finally:
            p.terminate()
            p.wait()
        results["commands"].append(f"{BIN} --root {root} serve --desk-addr 127.0.0.1:0  # GET /desk/, an editor, its preview, a site page; p95")
        print(f"desk N={n:>6}: list p95 {row['desk_list'] * 1000:.1f} ms, editor p95 {row['desk_editor'] * 1000:.1f} ms, "
              f"preview p95 {row['desk_preview'] * 1000:.1f} ms, a site page p95 {row['desk_site'] * 1000:.1f} ms")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def smtp_sink():
    port = free_port()
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    p = subprocess.Popen([sink, *user, "-c", f"127.0.0.1:{port}", "1024"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    sys.exit("smtp-sink did not start")


def room(n, dkim=None, tag=""):
    r = WORK / f"room-{n}{'-dkim' if dkim else ''}{tag}"
    shutil.rmtree(r, ignore_errors=True)
    r.mkdir()
    for name in ("pressroom.toml", "releases", "subscribers"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, r / name)
    for f in (r / "subscribers").glob("pressroom.db*"):
        f.unlink()
    (r / "subscribers" / ".secret").unlink(missing_ok=True)
    csv = r / "readers.csv"
    with csv.open("w") as f:
        f.write("email,name,lang\n")
        for i in range(n):
            f.write(f"reader{i}@example.org,Reader {i},{['fi', 'sv', 'en'][i % 3]}\n")
    return r, csv


def bench_send():
    r, csv = room(RECIPIENTS)
    sh([BIN, "--root", r, "subscribers", "import", csv, "--list", "citizens"])
    # The sample message size: one message to the outbox.
    sh([BIN, "--root", r, "send", "regional-strategy-2040", "--to", "size@example.org"])
    size = max(p.stat().st_size for p in (r / "outbox" / "test").glob("*.eml"))
    sink, port = smtp_sink()
    try:
        src = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
        cmd = [src, "-d", "-c", "-s", str(CONCURRENCY), "-l", str(size), "-m", str(RECIPIENTS), f"127.0.0.1:{port}"]
        results["commands"].append(" ".join(cmd))
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        limit = RECIPIENTS / (time.perf_counter() - t0)

        with (r / "pressroom.toml").open("a") as f:
            f.write(f'relays = ["smtp://127.0.0.1:{port}"]\nconcurrency = {CONCURRENCY}\n')
        wall, rss = timed([BIN, "--root", r, "send", "regional-strategy-2040", "--list", "citizens", "--yes", "--now", NOW])
        pressroom = RECIPIENTS / wall

        # The same send with RSA-2048 DKIM signing on, against what signing
        # alone allows on this machine: `openssl speed` sign/s x cores.
        dkim_rate = openssl_sign = float("nan")
        cores = os.cpu_count() or 1
        n_dkim = max(100, RECIPIENTS // 4)
        if shutil.which("openssl"):
            # Both cores signing at once (`-multi`): what the machine signs.
            speed_cmd = ["openssl", "speed", "-multi", str(cores), "-seconds", "1" if QUICK else "3", "rsa2048"]
            out = subprocess.run(speed_cmd, capture_output=True, text=True).stdout
            m = re.search(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)", out, re.M)
            openssl_sign = float(m.group(1)) if m else float("nan")
            results["commands"].append(" ".join(speed_cmd))
            rd, csv_d = room(n_dkim, dkim=True)
            sh([BIN, "--root", rd, "subscribers", "import", csv_d, "--list", "citizens"])
            sh(["openssl", "genrsa", "-traditional", "-out", str(rd / "dkim.pem"), "2048"])
            with (rd / "pressroom.toml").open("a") as f:
                f.write(f'relays = ["smtp://127.0.0.1:{port}"]\nconcurrency = {CONCURRENCY}\n\n'
                        '[delivery.dkim]\nselector = "bench"\ndomain = "kaislamaa.example.org"\nkey_file = "dkim.pem"\n')
            wall_d, _ = timed([BIN, "--root", rd, "send", "regional-strategy-2040", "--list", "citizens", "--yes", "--now", NOW])
            dkim_rate = n_dkim / wall_d
            # Signing and the loopback SMTP both need the same cores: each
            # message costs a signature plus what smtp-source needs to send
            # one, so the floor together is 1 / (1/sign + 1/send).
            both = 1 / (1 / openssl_sign + 1 / limit)
            print(f"DKIM send {dkim_rate:.0f}/s; openssl speed -multi {cores} rsa2048 {openssl_sign:.0f} sign/s "
                  f"(ratio {dkim_rate / openssl_sign:.2f}); signing + smtp-source {both:.0f}/s (ratio {dkim_rate / both:.2f})")

        # A relay across a network: the same sink behind a proxy that adds
        # WAN_DELAY each way. Round trips, not the CPU, set the pace here.
        n_wan = min(1000, RECIPIENTS)
        wan_port = free_port()
        proxy = subprocess.Popen([sys.executable, str(ROOT / "scripts/benchmarks/delay_proxy.py"), str(wan_port), str(port),
                                  str(WAN_DELAY)], stdout=subprocess.PIPE, text=True)
        try:
            proxy.stdout.readline()
            cmd = [src, "-d", "-c", "-s", str(CONCURRENCY), "-l", str(size), "-m", str(n_wan), f"127.0.0.1:{wan_port}"]
            results["commands"].append(" ".join(cmd) + f"   (through scripts/benchmarks/delay_proxy.py, {WAN_DELAY * 1000:.0f} ms each way)")
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            wan_limit = n_wan / (time.perf_counter() - t0)
            rw, csv_w = room(n_wan, tag="-wan")
            sh([BIN, "--root", rw, "subscribers", "import", csv_w, "--list", "citizens"])
            with (rw / "pressroom.toml").open("a") as f:
                f.write(f'relays = ["smtp://127.0.0.1:{wan_port}"]\nconcurrency = {CONCURRENCY}\n')
            wall_w, _ = timed([BIN, "--root", rw, "send", "regional-strategy-2040", "--list", "citizens", "--yes", "--now", NOW])
            wan = n_wan / wall_w
        finally:
            proxy.terminate()
            proxy.wait()
        print(f"across a {2 * WAN_DELAY * 1000:.0f} ms round trip, {n_wan} messages: smtp-source {wan_limit:.0f}/s, "
              f"pressroom {wan:.0f}/s ({wan / wan_limit:.2f})")

        # mailmerge: the same number of messages of the same size.
        mm = WORK / "mailmerge"
        mm.mkdir(exist_ok=True)
        (mm / "server.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\nusername = bench\n")
        body = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * ((size // 58) + 1))[:size]
        (mm / "template.txt").write_text("TO: {{email}}\nSUBJECT: Bench\nFROM: tiedotteet@kaislamaa.example.org\n\n" + body + "\n")
        n_mm = min(RECIPIENTS, 2000 if not QUICK else RECIPIENTS)
        with (mm / "db.csv").open("w") as f:
            f.write("email\n")
            for i in range(n_mm):
                f.write(f"reader{i}@example.org\n")
        cmd = ["mailmerge", "--no-dry-run", "--no-limit", "--output-format", "raw", "--template", mm / "template.txt",
               "--database", mm / "db.csv", "--config", mm / "server.conf"]
        t0 = time.perf_counter()
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, input="bench\n" * 3)
        mm_rate = n_mm / (time.perf_counter() - t0)
        results["commands"].append(" ".join(map(str, cmd)) + f"   ({n_mm} messages)")
        if p.returncode != 0:
            print(f"mailmerge failed: {p.stderr[-500:]}")
            mm_rate = float("nan")
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait()
    results["send"] = dict(size=size, limit=limit, pressroom=pressroom, pr_rss=rss, mailmerge=mm_rate, recipients=RECIPIENTS,
                           dkim=dkim_rate, n_dkim=n_dkim, openssl_sign=openssl_sign, cores=cores,
                           n_wan=n_wan, wan_limit=wan_limit, wan=wan)
    print(f"send {RECIPIENTS} x {size} B, {CONCURRENCY} connections: smtp-source {limit:.0f}/s, pressroom {pressroom:.0f}/s "
          f"({pressroom / limit:.2f} of the limit, {rss:.0f} MB), mailmerge {mm_rate:.0f}/s (pressroom {pressroom / mm_rate:.1f}x); "
          f"with RSA DKIM {dkim_rate:.0f}/s")


def bench_scale():
    for n in SCALE:
        r, csv = room(n)
        wall_i, rss_i = timed([BIN, "--root", r, "subscribers", "import", csv, "--list", "citizens"])
        wall_d, rss_d = timed([BIN, "--root", r, "send", "regional-strategy-2040", "--list", "citizens", "--dry-run", "--now", NOW])
        results["scale"].append(dict(n=n, import_s=wall_i, import_mb=rss_i, dry_s=wall_d, dry_mb=rss_d))
        print(f"scale N={n:>8}: import {wall_i:.1f} s {rss_i:.0f} MB; send --dry-run {wall_d:.1f} s {rss_d:.0f} MB")
        shutil.rmtree(r, ignore_errors=True)


def bench_search():
    """What one query transfers from the fragmented search index, on a corpus
    with a large vocabulary (gen_corpus.py --rich): search-transfer.mjs runs
    the site's search.js on each language's index with an empty cache."""
    for n in SEARCH:
        corpus = WORK / f"search-{n}"
        sh([sys.executable, ROOT / "scripts/benchmarks/gen_corpus.py", str(n), str(corpus), "--rich"])
        out = corpus / "out"
        wall, rss = timed([BIN, "--root", corpus / "pressroom", "build", "--out", out, "--now", NOW])
        for lang in ["fi", "sv", "en"]:
            cmd = ["node", ROOT / "scripts/node/search-transfer.mjs", out, lang, str(SEARCH_LIMIT_KB)]
            results["commands"].append(" ".join(map(str, cmd)).replace(str(ROOT) + "/", ""))
            r = subprocess.run(cmd, capture_output=True, text=True)
            last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr
            if r.returncode != 0:
                sys.exit(f"search-transfer failed at {n} releases, {lang}:\n{r.stdout}{r.stderr}")
            m = re.search(r"(\d+) releases, (\d+) words, index (\d+) KB in (\d+) files; per query: "
                          r"largest ([\d.]+) KB, median ([\d.]+) KB", last)
            row = dict(n=n, lang=lang, releases=int(m[1]), words=int(m[2]), index_kb=int(m[3]), files=int(m[4]),
                       max_kb=float(m[5]), median_kb=float(m[6]), build_s=wall)
            results["search"].append(row)
            print(f"search N={n:>6} {lang}: {row['releases']} releases, {row['words']} words, index {row['index_kb']} KB "
                  f"in {row['files']} files; a query: largest {row['max_kb']} KB, median {row['median_kb']} KB")
        shutil.rmtree(corpus, ignore_errors=True)


def bounded_room(name, config_extra=""):
    r = WORK / name
    (r / "releases" / "assets").mkdir(parents=True)
    conf = (ROOT / "tests" / "suite" / "common" / "mod.rs").read_text()
    site = conf.split('r#"\n[site]', 1)[1].split('"#', 1)[0]
    (r / "pressroom.toml").write_text("[site]" + site + '[lists.media]\ntitle = "Media"\n' + config_extra)
    return r


def bench_bounded():
    """Work that hostile input could make quadratic, at N and 2N in one run:
    `check` of a release with N unknown front-matter keys (refused, each
    counted), and the size of the site built from N/1000 releases carrying
    the most keywords a release may have (30), each keyword on every release."""
    for n in BOUNDED:
        r = bounded_room(f"keys-{n}")
        keys = "".join(f"k{i}: v\n" for i in range(n))
        (r / "releases" / "2026-01-01-x.fi.md").write_text(f"---\ntitle: X\ndate: 2026-01-01 10:00\n{keys}---\nBody.\n")
        results["commands"].append(f"{BIN} --root {r} check  # {n:,} unknown keys")
        t0 = time.monotonic()
        p = subprocess.run([BIN, "--root", r, "check"], capture_output=True, text=True, env=ENV)
        check_s = time.monotonic() - t0
        if p.returncode != 1 or f"{n} fields that a release does not have" not in p.stderr:
            sys.exit(f"check did not refuse {n:,} unknown keys: {p.stderr[-1000:]}")
        releases = max(n // 1000, 2)
        r = bounded_room(f"tags-{n}")
        tags = ", ".join(f"avainsana {i}" for i in range(30))
        for i in range(releases):
            (r / "releases" / f"2026-01-01-r{i}.fi.md").write_text(
                f"---\ntitle: Tiedote {i}\ndate: 2026-01-01 10:00\ntags: [{tags}]\n---\nTeksti.\n")
        wall, _ = timed([BIN, "--root", r, "build", "--now", NOW])
        size = sum(f.stat().st_size for f in (r / "public").rglob("*") if f.is_file())
        results["bounded"].append(dict(n=n, check_s=check_s, releases=releases, site_mb=size / 1e6, build_s=wall))
        print(f"bounded N={n:>7}: check {check_s:.2f} s; {releases} releases x 30 keywords: site {size / 1e6:.1f} MB in {wall:.2f} s")


def chart():
    """An SVG of build time against size (both tools) and send rates."""
    b = results["build"]
    w, h, pad = 640, 300, 50
    maxy = max(max(r["pr_wall"], r["hu_wall"]) for r in b) * 1.15
    xs = lambda i: pad + i * (w - 2 * pad) / max(1, len(b) - 1)
    ys = lambda v: h - pad - v / maxy * (h - 2 * pad)
    line = lambda key: " ".join(f"{xs(i):.0f},{ys(r[key]):.0f}" for i, r in enumerate(b))
    labels = "".join(f'<text x="{xs(i):.0f}" y="{h - pad + 18}" text-anchor="middle">{r["n"]:,} releases</text>' for i, r in enumerate(b))
    s = results["send"]
    bars = [("smtp-source (limit)", s["limit"]), ("pressroom send", s["pressroom"]), ("mailmerge", s["mailmerge"])]
    maxb = max(v for _, v in bars if v == v) * 1.1
    def bar(i, name, v, colour):
        width = (v if v == v else 0) / maxb * (w - 3 * pad)
        inside = width > 240
        return (f'<rect x="{pad}" y="{h + 40 + i * 34}" width="{width:.0f}" height="24" fill="{colour}"/>'
                f'<text x="{pad + 6 if inside else pad + width + 6:.0f}" y="{h + 57 + i * 34}" fill="{"#fff" if inside else "#1a1a1a"}">{name}: {v:.0f} msg/s</text>')
    bar_svg = "".join(bar(i, name, v, c) for i, ((name, v), c) in enumerate(zip(bars, ["#4a4a4a", "#0b4f8a", "#8a4b0b"])))
    svg = f'''<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 160}" font-family="sans-serif" font-size="13">
<title>pressroom benchmarks: build time against size, send rate</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="{pad}" y="24" font-size="15" font-weight="bold">Build wall time (s, median of {BUILD_RUNS})</text>
<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#888"/>
<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#888"/>
<text x="{pad - 6}" y="{pad}" text-anchor="end">{maxy:.1f}</text><text x="{pad - 6}" y="{h - pad}" text-anchor="end">0</text>
<polyline points="{line('hu_wall')}" fill="none" stroke="#8a4b0b" stroke-width="3"/>
<polyline points="{line('pr_wall')}" fill="none" stroke="#0b4f8a" stroke-width="3"/>
<text x="{w - pad}" y="{ys(b[-1]['hu_wall']) - 8:.0f}" text-anchor="end" fill="#8a4b0b">Hugo</text>
<text x="{w - pad}" y="{ys(b[-1]['pr_wall']) - 8:.0f}" text-anchor="end" fill="#0b4f8a">pressroom</text>
{labels}
<text x="{pad}" y="{h + 28}" font-size="15" font-weight="bold">Send rate to {s["recipients"]:,} recipients, {CONCURRENCY} connections, {s["size"]:,}-byte messages</text>
{bar_svg}
</svg>'''
    (ROOT / "benchmarks").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "chart.svg").write_text(svg)


def report():
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines = [f"Measured by `scripts/bench` on {time.strftime('%Y-%m-%d')}, {cpu} cores, release build. "
             "Each comparison ran side by side in one run; ratios are pressroom/other.", "",
             "![build time and send rate](benchmarks/chart.svg)", "",
             "## Build: pressroom against Hugo", "",
             f"Same generated releases (fi/sv/en, front matter and bodies of a few KB), same pages on both sides (counted: release pages, language indexes and keyword pages paginated by 20, the keyword index, RSS per language and per keyword), except that pressroom numbers list pages from the oldest, its list's own page holding 20 to 39 releases, so it has fewer list pages (the pages column is pressroom's; the others are checked to be equal in number). Median of {BUILD_RUNS} runs; the time ratio is the median of the {BUILD_RUNS} builds' ratios, each against the Hugo build right after it.", "",
             "| releases | pages | pressroom | Hugo | time ratio | pressroom RSS | Hugo RSS | memory ratio |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['pages']:,} | {r['pr_wall']:.2f} s | {r['hu_wall']:.2f} s | {r['vs_hugo']:.2f} | {r['pr_rss']:.0f} MB | {r['hu_rss']:.0f} MB | {r['pr_rss'] / r['hu_rss']:.2f} |")
    lines += ["", "### Against a copy of its own output", "",
              "Each full build (from nothing: no site, no record, no kept releases) is followed by `cp -r` of the "
              "site it made into a fresh folder: the same files and bytes written without rendering anything, "
              f"the floor for a build. Medians of {BUILD_RUNS} runs; the ratio is the median of the {BUILD_RUNS} builds' ratios, each against its own copy. No timed command follows a removal of files (see `fresh` in `scripts/benchmarks/run.py`), and the files written are put on disk (`sync`) before each. Goal: a build at most 1.2 times the copy.", "",
              "| releases | full build | `cp -r` of its site | ratio |", "|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['pr_wall']:.2f} s | {r['cp_wall']:.2f} s | {r['vs_copy']:.2f} |")
    lines += ["", "### Rebuilding", "",
              "`pressroom build` over the site it built a moment before. *No-op*: sources unchanged; the record of "
              "the last build (`.cache/`) shows that no source, asset, setting or output file changed and that no "
              "embargo ended, so nothing is parsed or rendered (the stamps of every source and output file are still "
              "checked). *One edit*: a line added to one release before each rebuild; that release alone is parsed, "
              "the pages whose inputs changed are rendered and compared with the file there, and only the files "
              "whose bytes changed are written. "
              "*One new release* (the cron case): a new release, the newest on the site, added before each rebuild; "
              "it alone is parsed and rendered, the others are read back from what the last build kept "
              "(`.cache/releases.bin`), and only the pages it appears on are rendered. "
              f"Median of {RUNS} runs each. Goals: a no-op at most 0.3 of a full build, one new release at most 0.1.", "",
              "| releases | full build | no-op rebuild | ratio | rebuild after one edit | ratio | one new release | ratio |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['pr_wall']:.2f} s | {r['pr_noop']:.2f} s | {r['pr_noop'] / r['pr_wall']:.2f} | "
                     f"{r['pr_edit']:.2f} s | {r['pr_edit'] / r['pr_wall']:.2f} | "
                     f"{r['pr_new']:.2f} s | {r['pr_new'] / r['pr_wall']:.2f} |")
    lines += ["", "### Your own templates", "",
              "The same pressroom with every template replaced (`pressroom templates eject`, each copy differing by a "
              "comment), so that every page is rendered by minijinja at run time instead of the compiled askama "
              "templates; the site it builds is checked to be byte for byte the built-in one. Full builds "
              "(`--force`), the two alternating (each first in every other pair), after one pair that warms the image caches. "
              f"Median of {RUNS} pairs. Goal: at most 2 times the built-in build.", "",
              "| releases | built-in templates | every template replaced | ratio |", "|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['pr_builtin']:.2f} s | {r['pr_themed']:.2f} s | {r['pr_themed'] / r['pr_builtin']:.2f} |")
    lines += ["", "### Save to served in the writer's preview", "",
              "`pressroom serve --drafts` on the same corpus: one Finnish release is edited (a line added to its body) and its "
              "page is polled every 5 ms until it serves the edit; median of 5 edits. The time includes the 10 ms debounce "
              "of the file watcher. Beside it, `hugo server` (rendering to memory, live reload off) on the Hugo side of the corpus, "
              "the same line added to the same release, its page polled the same way. "
              "Goal: at most 100 ms at 10,000 releases and at most 0.1 of a full build.", "",
              "| releases | full build | save to served | of a full build | `hugo server` | ratio to Hugo |", "|---:|---:|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['pr_wall']:.2f} s | {r['save_served'] * 1000:.0f} ms | {r['save_served'] / r['pr_wall']:.3f} | "
                     f"{r['hugo_served'] * 1000:.0f} ms | {r['save_served'] / r['hugo_served']:.2f} |")
    lines += ["", "### The desk's pages", "",
              "`serve --desk-addr` on the same corpus, an admin signed in: the release list (`/desk/`, every release with its "
              "status), one release's editor and its preview (the page and the email rendered), each fetched again and again, beside a page of the built site from the same "
              "server, interleaved. p95 of the latency, in one run. Goal: each desk page at most 50 ms at 10,000 releases.", "",
              "| releases | release list p95 | editor p95 | preview p95 | a site page p95 | list / site page |", "|---:|---:|---:|---:|---:|---:|"]
    for r in results["build"]:
        lines.append(f"| {r['n']:,} | {r['desk_list'] * 1000:.1f} ms | {r['desk_editor'] * 1000:.1f} ms | "
                     f"{r['desk_preview'] * 1000:.1f} ms | {r['desk_site'] * 1000:.1f} ms | {r['desk_list'] / r['desk_site']:.1f} |")
    s = results["send"]
    both = 1 / (1 / s['openssl_sign'] + 1 / s['limit'])
    lines += ["", "## Send: pressroom against the loopback limit and mailmerge", "",
              f"Postfix `smtp-sink` on loopback receives. {s['recipients']:,} messages of {s['size']:,} bytes (the sample release), {CONCURRENCY} connections, journal on, no DKIM.", "",
              "| sender | messages/s | ratio |", "|---|---:|---:|",
              f"| `smtp-source` (the limit) | {s['limit']:.0f} | 1.00 |",
              f"| pressroom `send` | {s['pressroom']:.0f} | {s['pressroom'] / s['limit']:.2f} of the limit |",
              f"| mailmerge | {s['mailmerge']:.0f} | pressroom is {s['pressroom'] / s['mailmerge']:.1f}x |", "",
              f"pressroom's peak RSS during the send: {s['pr_rss']:.0f} MB. mailmerge sends at most 2,000 of the messages "
              "(one connection per message, so its rate does not change with the count, and 20,000 would take minutes).", "",
              "### With DKIM", "",
              f"RSA-2048 DKIM signing on ({s['n_dkim']:,} messages, same sink), against two limits measured in the same "
              f"run: what the machine signs with every core at once (`openssl speed -multi {s['cores']} rsa2048`), and "
              "that signing plus the loopback send: each message costs a signature and what `smtp-source` needs to send "
              "one, on the same cores, so together 1 / (1/sign + 1/send).", "",
              "| | per second | ratio |", "|---|---:|---:|",
              f"| `openssl speed -multi {s['cores']} rsa2048` (signatures alone) | {s['openssl_sign']:.0f} | 1.00 |",
              f"| signing + `smtp-source` on the same cores | {both:.0f} | {both / s['openssl_sign']:.2f} |",
              f"| pressroom `send` with DKIM | {s['dkim']:.0f} | {s['dkim'] / s['openssl_sign']:.2f} of signing alone, "
              f"{s['dkim'] / both:.2f} of signing + sending |", "",
              "The send shares the cores with `smtp-sink`, so signing alone is a ceiling no sender reaches on this "
              "machine; `cargo bench --bench per_recipient` shows the per-message cost of the signature alone.", "",
              "### A relay across a network", "",
              f"The same sink behind `scripts/benchmarks/delay_proxy.py`, which holds everything {WAN_DELAY * 1000:.0f} ms "
              f"each way (a round trip of {2 * WAN_DELAY * 1000:.0f} ms, a relay in another data centre), "
              f"{s['n_wan']:,} messages, {CONCURRENCY} connections each. Here the round trips set the pace: pressroom sends "
              "the next message's envelope with this one's content (RFC 2920), one round trip a message (two before "
              "2026-12-07); `smtp-source` sends one command at a time and waits for each reply, four round trips a "
              "message, so it is the reference here, not a limit.", "",
              "| sender | messages/s | ratio |", "|---|---:|---:|",
              f"| `smtp-source` | {s['wan_limit']:.0f} | 1.00 |",
              f"| pressroom `send` | {s['wan']:.0f} | {s['wan'] / s['wan_limit']:.2f} |", "",
              "## Scale", "", "| subscribers | import | import RSS | send --dry-run | dry-run RSS |", "|---:|---:|---:|---:|---:|"]
    for r in results["scale"]:
        lines.append(f"| {r['n']:,} | {r['import_s']:.1f} s | {r['import_mb']:.0f} MB | {r['dry_s']:.1f} s | {r['dry_mb']:.0f} MB |")
    b = results["bounded"]
    if len(b) == 2:
        lines += ["", "## Bounded work for hostile input", "",
                  "Input that made pressroom quadratic before, at N and 2N in the same run; linear work doubles (ratio 2), "
                  "quadratic work quadruples. `check` of one release with N unknown front-matter keys (each is counted, the "
                  "first 20 named), and the site built from N/1000 releases each carrying 30 keywords, the most a release may have "
                  "(every keyword on every release: each keyword page and feed lists them all).", "",
                  "| N | `check`, N unknown keys | releases | site size | build |", "|---:|---:|---:|---:|---:|"]
        for r in b:
            lines.append(f"| {r['n']:,} | {r['check_s']:.2f} s | {r['releases']:,} | {r['site_mb']:.1f} MB | {r['build_s']:.2f} s |")
        # /usr/bin/time counts hundredths: a tiny build (the --quick smoke) can take "0.00 s".
        def ratio(key):
            return f"{b[1][key] / b[0][key]:.2f}" if b[0][key] > 0 else "n/a (too fast to time)"
        lines.append(f"| ratio 2N/N | {ratio('check_s')} | {ratio('releases')} | {ratio('site_mb')} | {ratio('build_s')} |")
    if results["search"]:
        lines += ["", "## Search: what one query transfers", "",
                  "The site's full-text index in fragments, on a generated corpus with a large vocabulary "
                  "(`gen_corpus.py N --rich`: 20,000 made-up stems per language with Zipf frequencies, inflections and "
                  "compounds). `scripts/node/search-transfer.mjs` runs the site's own `search.js` with an empty cache "
                  "for each of 40 queries (the 10 most frequent words, 10 random words, 10 three-letter prefixes, "
                  "10 two-word queries) and counts every byte it fetches: the manifest, the word fragments and the "
                  f"release fragments of the first 20 results. Goal: at most {SEARCH_LIMIT_KB} KB for a query at 10,000 releases.", "",
                  "| releases in all | language | its releases | words | whole index | files | a query: largest | median |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for r in results["search"]:
            lines.append(f"| {r['n']:,} | {r['lang']} | {r['releases']:,} | {r['words']:,} | {r['index_kb'] / 1024:.1f} MB | "
                         f"{r['files']:,} | {r['max_kb']:.0f} KB | {r['median_kb']:.0f} KB |")
    # Relative to the repository; $WORK is the run's temporary directory.
    shown = [c.replace(str(BIN), "target/release/pressroom").replace(str(WORK), "$WORK") for c in results["commands"]]
    lines += ["", "## Commands", "", "Run from the repository; `$WORK` stands for the run's temporary directory.", "", "```"] + shown + ["```", ""]
    return "\n".join(lines)


for part in PARTS:
    if ONLY is None or part in ONLY:
        globals()[f"bench_{part}"]()
if ONLY:
    print(f"ran {','.join(ONLY)} only; nothing written")
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(0)
print()
print(report())
if QUICK:
    print("bench smoke: ok (quick sizes; nothing written)")
else:
    chart()
    text = report()
    # (also printed above)
    path = ROOT / "BENCHMARKS.md"
    old = path.read_text() if path.exists() else ""
    keep = old.split("<!-- scripts/bench -->")[0] if "<!-- scripts/bench -->" in old else "# Benchmarks\n\n"
    path.write_text(keep + "<!-- scripts/bench -->\n" + text)
    print(f"wrote {path} and benchmarks/chart.svg")
shutil.rmtree(WORK, ignore_errors=True)
