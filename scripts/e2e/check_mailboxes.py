#!/usr/bin/env python3
"""Checks the mailboxes filled by scripts/e2e-smtp.

Each of COUNT mailboxes (reader{i}) must hold exactly one message that parses,
has the expected headers, a text part before an HTML part, the language of
reader i (fi, sv, en in turn), two DKIM signatures (RSA-SHA256 first, then
Ed25519-SHA256) that both verify against the test keys, and a SpamAssassin
score (local tests only, ALL_TRUSTED not counted) below 1.0 for one message of
each language.
Usage: check_mailboxes.py MAILDIR_ROOT COUNT RSA_PUBKEY_B64 ED25519_PUBKEY_B64
"""
import email
import email.policy
import pathlib
import re
import subprocess
import sys

import dkim

root, count = pathlib.Path(sys.argv[1]), int(sys.argv[2])
rsa_pub = pathlib.Path(sys.argv[3]).read_text().strip()
ed_pub = pathlib.Path(sys.argv[4]).read_text().strip()
records = {
    b"e2e._domainkey.kaislamaa.example.org": f"v=DKIM1; k=rsa; p={rsa_pub}".encode(),
    b"e2e-ed25519._domainkey.kaislamaa.example.org": f"v=DKIM1; k=ed25519; p={ed_pub}".encode(),
}


def dns(name, timeout=5):
    return records.get(name.rstrip(b"."))


def signatures(raw):
    """(algorithm, verified) for each DKIM-Signature, top first."""
    d = dkim.DKIM(raw)
    out = []
    sigs = [v for n, v in d.headers if n.lower() == b"dkim-signature"]
    for i, v in enumerate(sigs):
        a = re.search(rb"a=([^;]+)", re.sub(rb"\s+", b"", v)).group(1).decode()
        try:
            ok = dkim.DKIM(raw).verify(idx=i, dnsfunc=dns)
        except dkim.ValidationError:
            ok = False
        out.append((a, ok))
    return out


LANGS = ["fi", "sv", "en"]
TITLES = {
    "fi": "Maakuntavaltuusto hyväksyi Kaislamaan strategian vuoteen 2040",
    "sv": "Landskapsfullmäktige godkände Kaislamaas strategi fram till 2040",
    "en": "Regional assembly adopts the Kaislamaa strategy for 2040",
}
problems = []
spam_checked = {}
for i in range(count):
    box = root / f"reader{i}" / "new"
    files = sorted(box.iterdir()) if box.is_dir() else []
    if len(files) != 1:
        problems.append(f"reader{i}: {len(files)} messages, expected 1")
        continue
    # Maildir stores LF line ends; DKIM is computed over CRLF.
    raw = files[0].read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    lang = LANGS[i % 3]
    want = {
        "From": "tiedotteet@kaislamaa.example.org",
        "To": f"reader{i}@inbox.example.org",
        "Subject": TITLES[lang],
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    for h, v in want.items():
        if v not in str(msg.get(h, "")):
            problems.append(f"reader{i}: header {h} is {msg.get(h)!r}, expected {v!r}")
    for h in ("Message-ID", "Date", "List-Id", "List-Unsubscribe", "DKIM-Signature"):
        if not msg.get(h):
            problems.append(f"reader{i}: no {h} header")
    if not re.match(r"^<https://tiedotteet\.kaislamaa\.example\.org/unsubscribe/[\w.-]+>$", str(msg.get("List-Unsubscribe", ""))):
        problems.append(f"reader{i}: List-Unsubscribe is {msg.get('List-Unsubscribe')!r}")
    if "with ESMTPS" not in str(msg.get_all("Received", [])) and "TLS" not in str(msg.get_all("Received", [])):
        problems.append(f"reader{i}: not received over TLS: {msg.get_all('Received')}")
    parts = [p.get_content_type() for p in msg.iter_parts()] if msg.is_multipart() else []
    if msg.get_content_type() != "multipart/alternative" or parts != ["text/plain", "text/html"]:
        problems.append(f"reader{i}: structure {msg.get_content_type()} {parts}")
    else:
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        if TITLES[lang] not in text or not re.search(rf'<html lang="{lang}"[\s>]', html):
            problems.append(f"reader{i}: not in {lang}")
        link = re.search(r"https://tiedotteet\.kaislamaa\.example\.org/unsubscribe/[\w.-]+", text)
        if not link or link.group(0) not in str(msg.get("List-Unsubscribe")):
            problems.append(f"reader{i}: the footer's unsubscribe link differs from List-Unsubscribe")
    sigs = signatures(raw)
    if sigs != [("rsa-sha256", True), ("ed25519-sha256", True)]:
        problems.append(f"reader{i}: DKIM signatures {sigs}, expected RSA then Ed25519, both verifying")
    if lang not in spam_checked:
        # ALL_TRUSTED (a bonus for mail that only crossed trusted hosts, as
        # here) is not counted: the score must hold on the open Internet.
        out = subprocess.run(["spamassassin", "-L", "-t", "--cf=score ALL_TRUSTED 0"], input=raw, capture_output=True, timeout=120).stdout.decode("utf-8", "replace")
        m = re.search(r"X-Spam-Status: \w+, score=(-?[\d.]+)[^\n]*(?:\n\t[^\n]*)*", out)
        score = float(m.group(1)) if m else 99.0
        spam_checked[lang] = score
        print(f"  SpamAssassin ({lang}): {m.group(0) if m else 'no result'}")
        if score >= 1.0:
            problems.append(f"reader{i}: SpamAssassin score {score} >= 1.0")

for p in problems[:30]:
    print("  FAIL", p)
if problems:
    print(f"{len(problems)} problems in {count} mailboxes")
    sys.exit(1)
print(f"  {count} mailboxes hold exactly one message each; headers, parts, language and both DKIM signatures check out")
print(f"  SpamAssassin scores: {spam_checked}")
