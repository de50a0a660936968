#!/usr/bin/env python3
"""Generates the same N releases as a pressroom and as a Hugo site.

Deterministic: release i is in fi, sv or en (a third each, grouped in
threes by translation_key), with realistic front matter (title, date, summary,
tags, lists, contacts) and a body of a few KB. The Hugo site gets equivalent
content files, configuration and templates: release pages, language indexes
(paginated by 20), keyword pages (paginated) and RSS per language and per
keyword.

With --rich, the text of each release also draws on a large vocabulary
per language (20,000 made-up stems with Zipf frequencies, Finnish and
Swedish inflections and two-stem compounds), as real prose does: the
search benchmark measures its index on that.

Usage: gen_corpus.py N OUT_DIR [--rich]   (writes OUT_DIR/pressroom and OUT_DIR/hugo)
"""
import pathlib
import random
import shutil
import sys

N = int(sys.argv[1])
OUT = pathlib.Path(sys.argv[2])
RICH = "--rich" in sys.argv[3:]
ROOT = pathlib.Path(__file__).resolve().parents[2]
LANGS = ["fi", "sv", "en"]
WORDS = {
    "fi": "maakunta liitto kunta kehitys hanke rahoitus liikenne rata tie energia tuuli aurinko nuoret koulutus työ yritys kaava luonto vesi järvi metsä palvelu terveys kulttuuri matkailu yhteistyö raja strategia talous asukas kylä kaupunki".split(),
    "sv": "landskap förbund kommun utveckling projekt finansiering trafik bana väg energi vind sol unga utbildning arbete företag plan natur vatten sjö skog service hälsa kultur turism samarbete gräns strategi ekonomi invånare by stad".split(),
    "en": "region council municipality development project funding transport rail road energy wind solar youth education work business plan nature water lake forest service health culture tourism cooperation border strategy economy resident village town".split(),
}


SYLLABLES = {
    "fi": "ka ko ku ki ke ta to tu ti te la lo lu li le ma mo mu mi me na no nu ni ne pa po pu pi pe sa so su si se va vo vu vi ve ja jo ju ha ho hu hi he ra ro ru ri re aa ää yy öö ai ei oi uu".split(),
    "sv": "ka ko ku ki ke ta to tu ti te la lo lu li le ma mo mu mi me na no nu ni ne pa po pu pi pe sa so su si se va vo vi ve sk st fr gr bl tr än ör å ä ö".split(),
    "en": "ka ko ku ki ke ta to tu ti te la lo lu li le ma mo mu mi me na no nu ni ne pa po pu pi pe sa so su si se va vo vi ve th sh ch st tr ing er".split(),
}
ENDINGS = {
    "fi": ["", "", "", "n", "ssa", "sta", "lla", "lle", "a", "t", "ksi", "en", "ista", "ille", "na"],
    "sv": ["", "", "", "en", "et", "er", "ar", "na", "s", "erna", "arna"],
    "en": ["", "", "", "s", "ed", "ing", "er"],
}


def vocabulary(lang):
    rng = random.Random(lang)
    stems = set()
    while len(stems) < 20000:
        stems.add("".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 4))))
    stems = sorted(stems)
    rng.shuffle(stems)
    # Compounds: a tenth of the stems are two others joined (Swedish with a linking s at times).
    for i in range(0, len(stems), 10):
        a, b = rng.choice(stems[:5000]), rng.choice(stems[:5000])
        stems[i] = a + ("s" if lang == "sv" and rng.random() < 0.4 else "") + b
    cum, total = [], 0.0
    for rank in range(len(stems)):
        total += 1 / (rank + 1)
        cum.append(total)
    return stems, cum


VOCABULARY = {lang: vocabulary(lang) for lang in LANGS} if RICH else {}


def sentence(rng, lang, n):
    if RICH:
        stems, cum = VOCABULARY[lang]
        w = [rng.choice(WORDS[lang]) if rng.random() < 0.3 else s + rng.choice(ENDINGS[lang])
             for s in rng.choices(stems, cum_weights=cum, k=n)]
    else:
        w = [rng.choice(WORDS[lang]) for _ in range(n)]
    return " ".join(w).capitalize() + "."


def release(i):
    rng = random.Random(i)
    lang = LANGS[i % 3]
    group = i // 3
    day = 1 + group % 28
    month = 1 + (group // 28) % 12
    year = 2010 + group // (28 * 12)
    title = sentence(rng, lang, 6)[:-1]
    tags = sorted({rng.choice(WORDS[lang]) for _ in range(3)})
    summary = sentence(rng, lang, 24)
    paras = ["\n".join(sentence(rng, lang, 14) for _ in range(5)) for _ in range(6)]
    body = f"{paras[0]}\n\n## {sentence(rng, lang, 3)[:-1]}\n\n" + "\n\n".join(paras[1:4]) + "\n\n- " + "\n- ".join(sentence(rng, lang, 8) for _ in range(4)) + "\n\n" + "\n\n".join(paras[4:])
    return dict(lang=lang, slug=f"release-{group:06d}", key=f"group-{group:06d}", date=f"{year:04d}-{month:02d}-{day:02d} {8 + i % 9:02d}:00",
                iso=f"{year:04d}-{month:02d}-{day:02d}T{8 + i % 9:02d}:00:00+02:00", file_date=f"{year:04d}-{month:02d}-{day:02d}",
                title=title, summary=summary, tags=tags, body=body)


def write_pressroom(base, rels):
    if base.exists():
        shutil.rmtree(base)
    (base / "subscribers").mkdir(parents=True)
    shutil.copy(ROOT / "pressroom.toml", base / "pressroom.toml")
    # The sample's assets: its configuration names its logo.
    shutil.copytree(ROOT / "releases" / "assets", base / "releases" / "assets")
    shutil.copy(ROOT / "subscribers" / "media.csv", base / "subscribers" / "media.csv")
    for r in rels:
        tags = ", ".join(r["tags"])
        text = f"""---
title: "{r['title']}"
date: {r['date']}
translation_key: {r['key']}
summary: >-
  {r['summary']}
tags: [{tags}]
lists: [citizens]
contacts:
  - name: Anna Example
    role: Communications
    phone: "+358 40 765 4321"
    email: anna@example.org
---
{r['body']}
"""
        (base / "releases" / f"{r['file_date']}-{r['slug']}.{r['lang']}.md").write_text(text, encoding="utf-8")


HUGO_CONFIG = """baseURL = "https://tiedotteet.kaislamaa.example.org/"
defaultContentLanguage = "fi"
defaultContentLanguageInSubdir = true
disableKinds = ["section", "sitemap", "robotsTXT"]
enableRobotsTXT = false
[pagination]
pagerSize = 20
[taxonomies]
tag = "tags"
[outputs]
home = ["html", "rss"]
page = ["html"]
taxonomy = ["html"]
term = ["html", "rss"]
[services.rss]
limit = 50
[languages.fi]
languageName = "Suomi"
title = "Kaislamaan liiton tiedotteet"
weight = 1
[languages.sv]
languageName = "Svenska"
title = "Kaislamaa förbunds pressmeddelanden"
weight = 2
[languages.en]
languageName = "English"
title = "Regional Council of Kaislamaa – press releases"
weight = 3
"""

LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html>
<html lang="{{ .Site.Language.Lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} – {{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
{{ range .Translations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">{{ end }}
<link rel="stylesheet" href="/style.css"></head>
<body><a class="skip-link" href="#main">Skip</a>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav><ul>{{ range .Site.Home.AllTranslations }}<li><a href="{{ .RelPermalink }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul></nav></header>
<main id="main">{{ block "main" . }}{{ end }}</main>
<footer><p>Kaislamaan liitto</p></footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date | time.Format ":date_long" }}</time></p>
<p class="lead">{{ .Params.summary }}</p>
<div class="body">{{ .Content }}</div>
<section><h2>Contacts</h2><ul>{{ range .Params.contacts }}<li>{{ .name }}, {{ .role }}, <a href="tel:{{ .phone }}">{{ .phone }}</a>, <a href="mailto:{{ .email }}">{{ .email }}</a></li>{{ end }}</ul></section>
<section><h2>Keywords</h2><ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul></section>
{{ with .Translations }}<section><h2>Other languages</h2><ul>{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Language.LanguageName }}: {{ .Title }}</a></li>{{ end }}</ul></section>{{ end }}
</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ol>{{ range .Paginator.Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Date | time.Format ":date_long" }}</p><p>{{ .Params.summary }}</p></li>{{ end }}</ol>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "index.html": """{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<ol>{{ range (.Paginate (where .Site.RegularPages "Type" "releases")).Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Date | time.Format ":date_long" }}</p><p>{{ .Params.summary }}</p></li>{{ end }}</ol>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }} ({{ .Count }})</a></li>{{ end }}</ul>{{ end }}
""",
    "404.html": """{{ define "main" }}<h1>404</h1>{{ end }}
""",
}


def write_hugo(base, rels):
    if base.exists():
        shutil.rmtree(base)
    (base / "content" / "releases").mkdir(parents=True)
    (base / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in LAYOUTS.items():
        p = base / "layouts" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    for r in rels:
        tags = ", ".join(f'"{t}"' for t in r["tags"])
        text = f"""---
title: "{r['title']}"
date: {r['iso']}
translationKey: {r['key']}
slug: {r['slug']}
summary: "{r['summary']}"
tags: [{tags}]
contacts:
  - name: Anna Example
    role: Communications
    phone: "+358 40 765 4321"
    email: anna@example.org
---
{r['body']}
"""
        (base / "content" / "releases" / f"{r['slug']}.{r['lang']}.md").write_text(text, encoding="utf-8")


rels = [release(i) for i in range(N)]
write_pressroom(OUT / "pressroom", rels)
write_hugo(OUT / "hugo", rels)
print(f"{N} releases in {OUT}/pressroom and {OUT}/hugo")
