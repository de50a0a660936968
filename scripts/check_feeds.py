#!/usr/bin/env python3
"""Parses every feed under a built pressroom with feedparser.

A feed passes when feedparser reports no error (bozo), its channel language
is the language of its directory, and it holds as many items as there are
release pages it should list: every release page of that language (or with
that keyword), capped at the feed size. Each item's content (what Feedly or
NetNewsWire show) holds what the release's page shows journalists: its
lead, its contact people and the "About" heading.
Usage: check_feeds.py PUBLIC_DIR
"""
import html
import pathlib
import re
import sys
from urllib.parse import urlparse

import feedparser

CAP = 50  # [site] feed_items in the sample's pressroom.toml



def release_pages(public: pathlib.Path, lang: str):
    """Release pages of a language: /{lang}/{slug}/index.html holding a
    release's article; not tags, pagination, search or standing pages
    (whose address may be a slug of their own, like /fi/mediayhteydet/)."""
    for p in sorted((public / lang).glob("*/index.html")):
        name = p.parent.name
        if name in ("tags", "page", "archive", "search"):
            continue
        if '<article class="release' in p.read_text(encoding="utf-8"):
            yield p


def text(fragment: str) -> str:
    """A fragment of HTML as the words a reader sees."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page_parts(page: str):
    """What an item's content must hold, read from its page: the lead, the
    contact people's names and the "About" heading."""
    parts = [text(m) for m in re.findall(r'<p class="lead">(.*?)</p>', page, re.S)]
    contacts = re.search(r'<section class="contacts".*?</section>', page, re.S)
    if contacts:
        parts += [text(m) for m in re.findall(r"<strong>(.*?)</strong>", contacts.group(0), re.S)]
    parts += [text(m) for m in re.findall(r'<h2 id="about-h">(.*?)</h2>', page, re.S)]
    return [p for p in parts if p]


def content_problems(public: pathlib.Path, entry) -> list:
    """What the item's content lacks of its page."""
    page_path = public / urlparse(entry.get("link", "")).path.lstrip("/") / "index.html"
    if not page_path.is_file():
        return [f"item {entry.get('title')!r}: no page at {page_path}"]
    content = text(entry.get("content", [{}])[0].get("value", ""))
    return [
        f"item {entry.get('title')!r}: content lacks {part!r}"
        for part in page_parts(page_path.read_text(encoding="utf-8"))
        if part not in content
    ]


def main() -> int:
    public = pathlib.Path(sys.argv[1])
    feeds = sorted(public.rglob("feed.xml"))
    if not feeds:
        print("no feeds found", file=sys.stderr)
        return 1
    failures = 0
    for feed in feeds:
        rel = feed.relative_to(public)
        lang = rel.parts[0]
        pages = list(release_pages(public, lang))
        if len(rel.parts) == 4 and rel.parts[1] == "tags":
            tag_href = f'href="/{lang}/tags/{rel.parts[2]}/"'
            expected = sum(1 for p in pages if tag_href in p.read_text(encoding="utf-8"))
        else:
            expected = len(pages)
        expected = min(expected, CAP)
        d = feedparser.parse(feed.read_bytes())
        problems = []
        if d.bozo:
            problems.append(f"parse error: {d.bozo_exception}")
        if d.feed.get("language") != lang:
            problems.append(f"language {d.feed.get('language')!r}, expected {lang!r}")
        if len(d.entries) != expected:
            problems.append(f"{len(d.entries)} items, expected {expected}")
        for e in d.entries:
            if not re.match(r"^https?://", e.get("link", "")):
                problems.append(f"item link {e.get('link')!r} is not absolute")
            if not e.get("published_parsed"):
                problems.append(f"item {e.get('title')!r} has no parseable pubDate")
            problems += content_problems(public, e)
        if problems:
            failures += 1
            print(f"  FAIL {rel}: " + "; ".join(problems))
        else:
            print(f"  ok   {rel} ({len(d.entries)} items, {lang})")
    print(f"feedparser: {len(feeds) - failures} of {len(feeds)} feeds pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
