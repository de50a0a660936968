#!/usr/bin/env python3
"""Parses every feed under a built pressroom with feedparser.

A feed passes when feedparser reports no error (bozo), its channel language
is the language of its directory, and it holds as many items as there are
release pages it should list: every release page of that language (or with
that keyword), capped at the feed size.
Usage: check_feeds.py PUBLIC_DIR
"""
import pathlib
import re
import sys

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
        if problems:
            failures += 1
            print(f"  FAIL {rel}: " + "; ".join(problems))
        else:
            print(f"  ok   {rel} ({len(d.entries)} items, {lang})")
    print(f"feedparser: {len(feeds) - failures} of {len(feeds)} feeds pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
