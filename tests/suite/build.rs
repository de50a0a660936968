//! Building the sample pressroom into a temporary directory: the files that
//! must exist, the ones that must not (drafts, embargoes, email-only), and
//! every internal link and image on every page.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{NOW, pressroom, stderr};

const BASE: &str = "https://tiedotteet.kaislamaa.example.org/";

fn build_sample(now: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let root = crate::common::sample_root();
    let o = pressroom(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--out",
        out.path().join("public").to_str().unwrap(),
        "--now",
        now,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v = vec![];
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(files(&p))
        } else {
            v.push(p)
        }
    }
    v.sort();
    v
}

/// Every value of `attr="…"` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    html.match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// The file a site URL resolves to, if it is one of ours.
fn target(public: &Path, url: &str) -> Option<PathBuf> {
    let path = if let Some(rest) = url.strip_prefix(BASE) {
        format!("/{rest}")
    } else if url.starts_with('/') && !url.starts_with("//") {
        url.to_string()
    } else {
        return None;
    };
    let path = path.split(['#', '?']).next().unwrap();
    let p = public.join(path.trim_start_matches('/'));
    Some(if path.ends_with('/') {
        p.join("index.html")
    } else {
        p
    })
}

#[test]
fn the_keyword_index_is_a_list_of_keywords_linked_from_every_page() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let index = fs::read_to_string(public.join("fi/tags/index.html")).unwrap();
    assert_eq!(
        index.matches("Kaikki avainsanat</h1>").count(),
        1,
        "{index}"
    );
    assert_eq!(index.matches("<h2").count(), 0, "a second heading: {index}");
    assert!(!index.contains("Ei julkaistuja tiedotteita."), "{index}");
    assert!(
        index.contains("<a href=\"/fi/tags/liikenne/\">liikenne ("),
        "{index}"
    );
    for page in [
        "fi/index.html",
        "fi/regional-strategy-2040/index.html",
        "sv/index.html",
    ] {
        let html = fs::read_to_string(public.join(page)).unwrap();
        let lang = &page[..2];
        assert!(
            html.contains(&format!("<a href=\"/{lang}/tags/\">")),
            "{page} does not link to the keywords"
        );
    }
}

#[test]
fn a_language_index_is_titled_with_the_site_title_alone() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let fi = fs::read_to_string(public.join("fi/index.html")).unwrap();
    assert!(
        fi.contains("<title>Kaislamaan liiton tiedotteet</title>"),
        "{fi}"
    );
    let tag = fs::read_to_string(public.join("fi/tags/liikenne/index.html")).unwrap();
    assert!(
        tag.contains("<title>Avainsana: liikenne – Kaislamaan liiton tiedotteet</title>"),
        "{tag}"
    );
    let sv = fs::read_to_string(public.join("sv/landskapsstrategi-2040/index.html")).unwrap();
    assert!(sv.contains(">Kort om Kaislamaa förbund</h2>"), "{sv}");
    assert!(sv.contains(">Mer information</h2>"), "{sv}");
}

#[test]
fn the_sample_builds_into_pages_feeds_and_assets() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    for f in [
        "index.html",
        "404.html",
        "style.css",
        "fi/index.html",
        "sv/index.html",
        "en/index.html",
        "fi/regional-strategy-2040/index.html",
        "sv/landskapsstrategi-2040/index.html",
        "en/regional-strategy-2040/index.html",
        "fi/feed.xml",
        "sv/feed.xml",
        "en/feed.xml",
        "fi/tags/index.html",
        "fi/tags/liikenne/index.html",
        "fi/tags/liikenne/feed.xml",
        "sv/tags/regional-utveckling/feed.xml",
        "fi/summer-jobs/index.html",
        "assets/regional-strategy-2040.pdf",
        "assets/kaislalahti-shore.png",
    ] {
        assert!(public.join(f).is_file(), "{f} is missing");
    }
}

#[test]
fn drafts_embargoed_and_email_only_releases_appear_nowhere() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    for slug in [
        "budget-2032",
        "council-meeting-agenda",
        "november-newsletter",
    ] {
        assert!(!public.join("fi").join(slug).exists(), "{slug} has a page");
        for f in files(&public) {
            if f.extension().is_some_and(|e| e == "html" || e == "xml") {
                let text = fs::read_to_string(&f).unwrap();
                assert!(
                    !text.contains(slug),
                    "{slug} is mentioned in {}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn an_embargoed_release_appears_once_its_time_has_come() {
    let before = build_sample("2031-01-15T09:59:00+02:00");
    assert!(
        !before
            .path()
            .join("public/fi/budget-2032/index.html")
            .exists()
    );
    let after = build_sample("2031-01-15T10:00:00+02:00");
    assert!(
        after
            .path()
            .join("public/fi/budget-2032/index.html")
            .exists()
    );
    let feed = fs::read_to_string(after.path().join("public/fi/feed.xml")).unwrap();
    assert!(feed.contains("fi/budget-2032/"));
}

#[test]
fn every_internal_link_and_image_resolves_to_a_built_file() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let mut missing = BTreeSet::new();
    let mut checked = 0;
    for f in files(&public) {
        if f.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = fs::read_to_string(&f).unwrap();
        for url in attr_values(&html, "href")
            .into_iter()
            .chain(attr_values(&html, "src"))
        {
            if let Some(t) = target(&public, url) {
                checked += 1;
                if !t.is_file() {
                    missing.insert(url.to_string());
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} links checked");
    // The subscription form is served by `pressroom serve`, not built.
    let expected: BTreeSet<String> = ["/fi/subscribe", "/sv/subscribe", "/en/subscribe"]
        .map(String::from)
        .into();
    assert_eq!(missing, expected);
}

#[test]
fn release_pages_link_their_language_versions_both_ways() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let fi = fs::read_to_string(public.join("fi/regional-strategy-2040/index.html")).unwrap();
    let sv = fs::read_to_string(public.join("sv/landskapsstrategi-2040/index.html")).unwrap();
    assert!(fi.contains(r#"<link rel="alternate" hreflang="sv" href="https://tiedotteet.kaislamaa.example.org/sv/landskapsstrategi-2040/">"#));
    assert!(sv.contains(r#"<link rel="alternate" hreflang="fi" href="https://tiedotteet.kaislamaa.example.org/fi/regional-strategy-2040/">"#));
    assert!(sv.contains(r#"<a href="/en/regional-strategy-2040/" hreflang="en" lang="en">"#));
    assert!(fi.contains("<html lang=\"fi\">") && sv.contains("<html lang=\"sv\">"));
    assert!(fi.contains("26. lokakuuta 2026") && sv.contains("26 oktober 2026"));
}

#[test]
fn language_indexes_list_releases_newest_first() {
    let out = build_sample(NOW);
    let index = fs::read_to_string(out.path().join("public/fi/index.html")).unwrap();
    let order: Vec<usize> = [
        "rail-connection-study",
        "regional-strategy-2040",
        "eu-funding-call",
        "summer-jobs",
    ]
    .iter()
    .map(|s| {
        index
            .find(&format!("/fi/{s}/"))
            .unwrap_or_else(|| panic!("{s} not listed"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
}

#[test]
fn feed_guids_survive_rebuilds_and_edits() {
    let guids = |feed: &str| -> Vec<String> {
        feed.match_indices("<guid")
            .map(|(i, _)| feed[i..].split("</guid>").next().unwrap().to_string())
            .collect()
    };
    let a = build_sample(NOW);
    let first = guids(&fs::read_to_string(a.path().join("public/fi/feed.xml")).unwrap());

    // Copy the sample, edit a title and date, rebuild later.
    let copy = tempfile::tempdir().unwrap();
    let root = crate::common::sample_root();
    fs::copy(
        root.join("pressroom.toml"),
        copy.path().join("pressroom.toml"),
    )
    .unwrap();
    fs::create_dir_all(copy.path().join("subscribers")).unwrap();
    fs::copy(
        root.join("subscribers/media.csv"),
        copy.path().join("subscribers/media.csv"),
    )
    .unwrap();
    fs::create_dir_all(copy.path().join("releases/assets")).unwrap();
    for f in files(&root.join("releases")) {
        let rel = f.strip_prefix(root.join("releases")).unwrap();
        fs::copy(&f, copy.path().join("releases").join(rel)).unwrap();
    }
    let p = copy
        .path()
        .join("releases/2026-11-03-rail-connection-study.fi.md");
    let text = fs::read_to_string(&p)
        .unwrap()
        .replace("title: Selvitys", "title: Korjattu otsikko – selvitys")
        .replace("date: 2026-11-03 09:00", "date: 2026-11-03 11:00");
    fs::write(&p, text).unwrap();
    let out = copy.path().join("out");
    let o = pressroom(&[
        "--root",
        copy.path().to_str().unwrap(),
        "build",
        "--out",
        out.to_str().unwrap(),
        "--now",
        "2026-12-01T00:00:00Z",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let second = guids(&fs::read_to_string(out.join("fi/feed.xml")).unwrap());
    assert_eq!(first, second);
    assert_eq!(first.len(), 4);
}

/// Lists are paginated from the oldest: page 1 holds the oldest 20, and the
/// list's own address the newest, with those that do not fill a page yet.
/// A new release changes the newest page only; the numbered pages keep
/// their addresses and their bytes until the newest page can leave a full
/// page behind.
#[test]
fn long_lists_are_paginated_from_the_oldest_and_old_pages_stay_as_they_are() {
    let release = |i: usize| {
        let (month, day) = (1 + (i - 1) / 28, 1 + (i - 1) % 28);
        (
            format!("2026-{month:02}-{day:02}-r{i}.fi.md"),
            format!(
                "---\ntitle: Tiedote {i}\ndate: 2026-{month:02}-{day:02} 12:00\ntags: [kaikki]\n---\nTeksti.\n"
            ),
        )
    };
    let releases: Vec<(String, String)> = (1..=45).map(release).collect();
    let refs: Vec<(&str, &str)> = releases
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = crate::common::temp_pressroom(&refs);
    let root = dir.path().to_str().unwrap();
    let out = dir.path().join("public");
    let build = || {
        let o = pressroom(&["--root", root, "build", "--now", NOW]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    build();
    let read = |rel: &str| fs::read_to_string(out.join(rel)).unwrap();
    let titles = |html: &str| -> Vec<usize> {
        html.split("<h2><a href=\"/fi/r")
            .skip(1)
            .map(|s| s[..s.find('/').unwrap()].parse().unwrap())
            .collect()
    };
    // 45 releases: page 1 the oldest 20, the front page the newest 25.
    let front = read("fi/index.html");
    let page1 = read("fi/page/1/index.html");
    assert_eq!(titles(&page1), (1..=20).rev().collect::<Vec<_>>());
    assert_eq!(titles(&front), (21..=45).rev().collect::<Vec<_>>());
    assert!(!out.join("fi/page/2").exists());
    assert!(
        front.contains(r#"href="/fi/page/1/" rel="next""#),
        "{front}"
    );
    assert!(page1.contains(r#"href="/fi/" rel="prev""#), "{page1}");
    assert!(page1.contains(" (Sivu 1)</title>"), "{page1}");
    assert!(
        page1.contains(r#"<span aria-current="page">Sivu 1</span>"#),
        "{page1}"
    );
    let tag_page1 = read("fi/tags/kaikki/page/1/index.html");

    // Up to 59 releases, page 1 stays as it was, byte for byte.
    for i in 46..=59 {
        let (name, text) = release(i);
        fs::write(dir.path().join("releases").join(name), text).unwrap();
    }
    build();
    assert_eq!(read("fi/page/1/index.html"), page1);
    assert_eq!(read("fi/tags/kaikki/page/1/index.html"), tag_page1);
    assert_eq!(titles(&read("fi/index.html")).len(), 39);

    // The 60th leaves page 2 behind (21 to 40); page 1 now leads to it.
    let (name, text) = release(60);
    fs::write(dir.path().join("releases").join(name), text).unwrap();
    build();
    assert_eq!(
        titles(&read("fi/page/2/index.html")),
        (21..=40).rev().collect::<Vec<_>>()
    );
    assert_eq!(
        titles(&read("fi/index.html")),
        (41..=60).rev().collect::<Vec<_>>()
    );
    let page1_now = read("fi/page/1/index.html");
    assert_eq!(titles(&page1_now), (1..=20).rev().collect::<Vec<_>>());
    assert!(
        page1_now.contains(r#"href="/fi/page/2/" rel="prev""#),
        "{page1_now}"
    );
}

#[test]
fn build_refuses_to_replace_a_directory_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let root = crate::common::sample_root();
    let o = pressroom(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to replace"), "{}", stderr(&o));
    assert!(dir.path().join("precious.txt").is_file());
}

#[test]
fn a_rebuild_replaces_the_previous_site_whole() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    fs::write(public.join("stale.html"), "old").unwrap();
    let root = crate::common::sample_root();
    let o = pressroom(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--out",
        public.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!public.join("stale.html").exists());
    assert!(public.join("fi/index.html").is_file());
    let leftovers: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

/// A release in a temporary pressroom, with `releases/assets` holding a
/// regular file and two symbolic links: to a secret outside the pressroom
/// and to the subscriber list inside it.
#[cfg(unix)]
#[test]
fn symlinks_in_assets_are_never_published_and_check_names_them() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-11-01-bridge.fi.md",
        "---\ntitle: Silta\ndate: 2026-11-01 09:00\nsummary: Silta avataan.\n---\nTeksti.\n",
    )]);
    let root = dir.path();
    fs::write(root.join("releases/assets/map.pdf"), b"%PDF-1.4 map").unwrap();
    let secret = tempfile::NamedTempFile::new().unwrap();
    fs::write(secret.path(), b"SMTP_PASSWORD=hunter2").unwrap();
    std::os::unix::fs::symlink(secret.path(), root.join("releases/assets/env.txt")).unwrap();
    fs::create_dir_all(root.join("subscribers")).unwrap();
    fs::write(
        root.join("subscribers/media.csv"),
        "email\njournalist@example.org\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        root.join("subscribers/media.csv"),
        root.join("releases/assets/media.csv"),
    )
    .unwrap();
    let r = root.to_str().unwrap();
    let o = pressroom(&["--root", r, "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    for name in ["releases/assets/env.txt", "releases/assets/media.csv"] {
        assert!(
            err.contains(name) && err.contains("symbolic link"),
            "{name}: {err}"
        );
    }
    let out = root.join("public");
    let build = || {
        pressroom(&[
            "--root",
            r,
            "build",
            "--out",
            out.to_str().unwrap(),
            "--now",
            NOW,
        ])
    };
    let o = build();
    assert_ne!(o.status.code(), Some(0), "the build refuses");
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing half-published");
    // Without the links, the regular file is published.
    fs::remove_file(root.join("releases/assets/env.txt")).unwrap();
    fs::remove_file(root.join("releases/assets/media.csv")).unwrap();
    let o = build();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        fs::read(out.join("assets/map.pdf")).unwrap(),
        b"%PDF-1.4 map"
    );
}

/// A rebuild writes only the files whose bytes changed: the others keep
/// their inode and modification time (what rsync and caches look at).
#[cfg(unix)]
#[test]
fn a_rebuild_writes_only_the_files_that_changed() {
    use std::os::unix::fs::MetadataExt;
    let release = |title: &str, body: &str| {
        format!("---\ntitle: {title}\ndate: 2026-01-02 12:00\n---\n{body}\n")
    };
    let dir = crate::common::temp_pressroom(&[
        ("2026-01-02-first.fi.md", &release("Ensimmäinen", "Teksti.")),
        ("2026-01-02-second.fi.md", &release("Toinen", "Teksti.")),
    ]);
    let root = dir.path().to_str().unwrap();
    let out = dir.path().join("public");
    let build_at = |now: &str| {
        let o = pressroom(&["--root", root, "build", "--now", now]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        crate::common::stdout(&o)
    };
    let build = || build_at(NOW);
    let count = |report: &str, label: &str| -> u64 {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} in {report}"))
    };
    let first_report = build();
    assert_eq!(count(&first_report, "files unchanged"), 0, "{first_report}");
    let inode = |rel: &str| fs::metadata(out.join(rel)).unwrap().ino();
    let (first, second, style) = (
        inode("fi/first/index.html"),
        inode("fi/second/index.html"),
        inode("style.css"),
    );
    // Nothing changed: nothing is written, a day later either (the feeds
    // say when their items last changed, not when they were built).
    let again = build();
    assert_eq!(count(&again, "files written"), 0, "{again}");
    assert_eq!(inode("fi/first/index.html"), first);
    let feed = inode("fi/feed.xml");
    let next_day = build_at("2026-11-23T08:00:00+02:00");
    assert_eq!(count(&next_day, "files written"), 0, "{next_day}");
    assert_eq!(inode("fi/feed.xml"), feed);
    // One body changed: its page is new, the other page and the stylesheet
    // are the very same files.
    fs::write(
        dir.path().join("releases/2026-01-02-second.fi.md"),
        release("Toinen", "Uusi teksti."),
    )
    .unwrap();
    let edited = build();
    assert!(count(&edited, "files written") >= 1, "{edited}");
    assert_ne!(inode("fi/second/index.html"), second);
    assert!(
        fs::read_to_string(out.join("fi/second/index.html"))
            .unwrap()
            .contains("Uusi teksti.")
    );
    assert_eq!(inode("fi/first/index.html"), first);
    assert_eq!(inode("style.css"), style);
    // A release removed: its page and folder go, nothing else is touched,
    // and no temporary file is left.
    fs::remove_file(dir.path().join("releases/2026-01-02-second.fi.md")).unwrap();
    let removed = build();
    assert!(count(&removed, "files removed") >= 1, "{removed}");
    assert!(!out.join("fi/second").exists());
    assert_eq!(inode("fi/first/index.html"), first);
    let leftovers: Vec<_> = files(&out)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".pressroom-new"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Sets the modification time of every release file an hour back, as if
/// they had been saved long before the build (a file changed just before a
/// build is looked at again by the next one).
#[cfg(unix)]
fn age_releases(root: &Path, by_secs: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(by_secs);
    for e in fs::read_dir(root.join("releases")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(then)
                .unwrap();
        }
    }
}

/// The record of a build knows each file and folder of the site by its
/// stamp, and the next build looks at each of them instead of reading the
/// folders: what a person changes in the site by hand is seen all the same.
#[cfg(unix)]
#[test]
fn a_site_changed_by_hand_is_seen_without_reading_its_folders() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-01-02-first.fi.md",
        "---\ntitle: Ensimmäinen\ndate: 2026-01-02 12:00\n---\nTeksti.\n",
    )]);
    age_releases(dir.path(), 3600);
    let root = dir.path().to_str().unwrap();
    let out = dir.path().join("public");
    let build = || {
        let o = pressroom(&["--root", root, "build", "--now", NOW]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        crate::common::stdout(&o)
    };
    let rendered = |report: &str| report.starts_with("Built ");
    let up_to_date = |report: &str| report.starts_with("Up to date: ");
    assert!(rendered(&build()));
    assert!(up_to_date(&build()));
    // A page written over with bytes of its size, and its old time put back.
    let page = out.join("fi/first/index.html");
    overwrite_keeping_time(&page);
    assert!(rendered(&build()));
    assert!(
        fs::read_to_string(&page).unwrap().contains("<html"),
        "the page is the build's again"
    );
    assert!(up_to_date(&build()));
    // A folder put deep inside, empty: a change too.
    fs::create_dir_all(out.join("fi/first/extra")).unwrap();
    assert!(rendered(&build()), "a folder added is a change");
    assert!(!out.join("fi/first/extra").exists(), "and it goes");
    assert!(up_to_date(&build()));
    // A file in a new folder.
    fs::create_dir_all(out.join("fi/first/extra")).unwrap();
    fs::write(out.join("fi/first/extra/stray.html"), "x").unwrap();
    assert!(rendered(&build()));
    assert!(!out.join("fi/first/extra/stray.html").exists());
    assert!(up_to_date(&build()));
    // A page written over and a release added at once: the pages the new
    // release leaves as they were are not skipped, the changed one is
    // made again.
    overwrite_keeping_time(&page);
    fs::write(
        dir.path().join("releases/2026-01-03-second.fi.md"),
        "---\ntitle: Toinen\ndate: 2026-01-03 12:00\n---\nTeksti.\n",
    )
    .unwrap();
    age_releases(dir.path(), 3600);
    assert!(rendered(&build()));
    assert!(
        fs::read_to_string(&page).unwrap().contains("<html"),
        "the page is the build's again"
    );
    assert!(out.join("fi/second/index.html").is_file());
    assert!(up_to_date(&build()));
}

/// Writes `page` over with bytes of its size and puts its time back.
fn overwrite_keeping_time(page: &Path) {
    let meta = fs::metadata(page).unwrap();
    fs::write(page, "y".repeat(meta.len() as usize)).unwrap();
    fs::File::options()
        .write(true)
        .open(page)
        .unwrap()
        .set_modified(meta.modified().unwrap())
        .unwrap();
}

#[cfg(unix)]
#[test]
fn a_build_with_nothing_changed_renders_nothing_and_every_kind_of_change_is_seen() {
    use std::os::unix::fs::PermissionsExt;
    let release =
        |title: &str, date: &str| format!("---\ntitle: {title}\ndate: {date}\n---\nTeksti.\n");
    let dir = crate::common::temp_pressroom(&[
        (
            "2026-01-02-first.fi.md",
            &release("Ensimmäinen", "2026-01-02 12:00"),
        ),
        (
            "2026-12-01-later.fi.md",
            &release("Myöhemmin", "2026-12-01 10:00"),
        ),
    ]);
    age_releases(dir.path(), 3600);
    let root = dir.path().to_str().unwrap();
    let out = dir.path().join("public");
    let build_with = |args: &[&str]| {
        let mut all = vec!["--root", root, "build"];
        all.extend(args);
        let o = pressroom(&all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        crate::common::stdout(&o)
    };
    let build = || build_with(&["--now", NOW]);
    let rendered = |report: &str| report.starts_with("Built ");
    let up_to_date = |report: &str| report.starts_with("Up to date: ");

    assert!(rendered(&build()));
    let again = build();
    assert!(up_to_date(&again), "{again}");
    assert!(
        again.contains("files written (new or changed)               0"),
        "{again}"
    );
    // The record is private to the pressroom, never in the site.
    let cache = dir.path().join(".cache");
    assert_eq!(
        fs::metadata(&cache).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let kept: Vec<_> = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // The record of the build, and the releases it parsed and viewed.
    assert_eq!(kept.len(), 2, "{kept:?}");
    for file in &kept {
        assert_eq!(
            fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600,
            "{file:?}"
        );
    }
    assert!(
        files(&out)
            .iter()
            .all(|p| !p.to_string_lossy().contains("later"))
    );
    assert!(rendered(&build_with(&["--now", NOW, "--force"])));

    // The embargo ends between two builds: the release is on the web.
    let after = "2026-12-02T08:00:00+02:00";
    assert!(rendered(&build_with(&["--now", after])));
    assert!(out.join("fi/later/index.html").is_file());
    assert!(up_to_date(&build_with(&["--now", after])));

    // A release edited.
    let first = dir.path().join("releases/2026-01-02-first.fi.md");
    fs::write(&first, release("Ensimmäinen, korjattu", "2026-01-02 12:00")).unwrap();
    age_releases(dir.path(), 1800);
    assert!(rendered(&build()));
    assert!(
        fs::read_to_string(out.join("fi/first/index.html"))
            .unwrap()
            .contains("korjattu")
    );
    assert!(up_to_date(&build()));

    // A page of the site deleted, or a stray file put there.
    fs::remove_file(out.join("fi/first/index.html")).unwrap();
    assert!(rendered(&build()));
    assert!(out.join("fi/first/index.html").is_file());
    fs::write(out.join("fi/stray.html"), "x").unwrap();
    assert!(rendered(&build()));
    assert!(!out.join("fi/stray.html").exists());

    // The configuration changed.
    let toml = dir.path().join("pressroom.toml");
    let text = fs::read_to_string(&toml).unwrap();
    fs::write(&toml, format!("{text}\n# edited\n")).unwrap();
    assert!(rendered(&build()));
    assert!(up_to_date(&build()));

    // An asset added.
    let asset = dir.path().join("releases/assets/map.txt");
    fs::write(&asset, "kartta").unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    fs::File::options()
        .write(true)
        .open(&asset)
        .unwrap()
        .set_modified(then)
        .unwrap();
    assert!(rendered(&build()));
    assert!(out.join("assets/map.txt").is_file());
    assert!(up_to_date(&build()));

    // A release saved just now: its stamp may not show a second save within
    // the same clock tick, so builds read it again until it is older, but
    // only it: the pages that do not show it are not rendered again.
    fs::write(&first, release("Ensimmäinen, taas", "2026-01-02 12:00")).unwrap();
    assert!(rendered(&build()));
    let second = build();
    assert!(rendered(&second), "{second}");
    assert!(not_rendered(&second) > 0, "{second}");
}

#[test]
fn text_pasted_from_a_word_processor_is_shown_clean_and_check_says_where() {
    let release = "---\ntitle: Lautta\ndate: 2026-01-02 12:00\ncontacts:\n  - name: Liisa\n    phone: ”+358 40 123 4567”\nattachments:\n  - title: Aikataulu (PDF)\n    src: assets/aikataulu.pdf\n---\nTeksti.\n";
    let dir = crate::common::temp_pressroom(&[("2026-01-02-lautta.fi.md", release)]);
    fs::write(
        dir.path().join("releases/assets/aikataulu.pdf"),
        vec![b'x'; 617],
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    let o = pressroom(&["--root", root, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = fs::read_to_string(dir.path().join("public/fi/lautta/index.html")).unwrap();
    assert!(
        page.contains("<a href=\"tel:+358401234567\">+358 40 123 4567</a>"),
        "{page}"
    );
    assert!(!page.contains('”'), "{page}");
    assert!(
        page.contains(">Aikataulu</a> <span class=\"filemeta\">(PDF, 617 tavua)</span>"),
        "{page}"
    );
    let o = pressroom(&["--root", root, "check"]);
    let all = format!("{}{}", crate::common::stdout(&o), stderr(&o));
    assert!(
        all.contains("2026-01-02-lautta.fi.md:4:1: warning: contacts[0].phone"),
        "{all}"
    );
    assert!(all.contains("phone: \"+358 40 123 4567\""), "{all}");
}

#[test]
fn a_link_to_another_release_file_goes_to_that_release_page() {
    let first = "---\ntitle: Lautta\ndate: 2026-01-02 12:00\n---\nKatso myös [sillan avaus](2026-01-01-silta.fi.md#aikataulu) ja [ruotsiksi](./2026-01-01-silta.sv.md).\n";
    let fi = "---\ntitle: Silta\ndate: 2026-01-01 12:00\n---\nTeksti.\n";
    let sv = "---\ntitle: Bron\ndate: 2026-01-01 12:00\n---\nText.\n";
    let dir = crate::common::temp_pressroom(&[
        ("2026-01-02-lautta.fi.md", first),
        ("2026-01-01-silta.fi.md", fi),
        ("2026-01-01-silta.sv.md", sv),
    ]);
    let root = dir.path().to_str().unwrap();
    let o = pressroom(&["--root", root, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = fs::read_to_string(dir.path().join("public/fi/lautta/index.html")).unwrap();
    assert!(page.contains("href=\"/fi/silta/#aikataulu\""), "{page}");
    assert!(page.contains("href=\"/sv/silta/\""), "{page}");
    let feed = fs::read_to_string(dir.path().join("public/fi/feed.xml")).unwrap();
    assert!(feed.contains("/fi/silta/#aikataulu"), "{feed}");

    // A target whose front matter gives it another slug: the file name does
    // not tell its page, and check says which address to use.
    fs::write(
        dir.path().join("releases/2026-01-01-silta.fi.md"),
        "---\ntitle: Silta\ndate: 2026-01-01 12:00\nslug: uusi-silta\n---\nTeksti.\n",
    )
    .unwrap();
    let o = pressroom(&["--root", root, "check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("2026-01-02-lautta.fi.md:5:")
            && err.contains("link to /fi/uusi-silta/ instead"),
        "{err}"
    );
}

#[test]
fn every_language_has_its_not_found_page_and_the_root_one_speaks_all() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let sv = fs::read_to_string(public.join("sv/404.html")).unwrap();
    assert!(
        sv.contains("<html lang=\"sv\">") && sv.contains("Sidan hittades inte"),
        "{sv}"
    );
    let root = fs::read_to_string(public.join("404.html")).unwrap();
    for (lang, text, home) in [
        ("fi", "Sivua ei löytynyt", "/fi/"),
        ("sv", "Sidan hittades inte", "/sv/"),
        ("en", "Page not found", "/en/"),
    ] {
        assert!(
            root.contains(&format!("<span lang=\"{lang}\">{text}</span>")),
            "{root}"
        );
        assert!(
            root.contains(&format!("<a href=\"{home}\" hreflang=\"{lang}\">")),
            "{root}"
        );
    }
}

#[test]
fn the_sample_has_the_pages_the_law_and_journalists_ask_for_in_every_language() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    for (lang, contacts, statement, privacy) in [
        (
            "fi",
            "Mediayhteydet",
            "Saavutettavuusseloste",
            "Tietosuojaseloste",
        ),
        (
            "sv",
            "Mediakontakter",
            "Tillgänglighetsutlåtande",
            "Dataskyddsbeskrivning",
        ),
        (
            "en",
            "Media contacts",
            "Accessibility statement",
            "Privacy notice",
        ),
    ] {
        // Finnish and Swedish pages have addresses in their language.
        let (contacts_at, statement_at) = match lang {
            "fi" => ("mediayhteydet", "saavutettavuus"),
            "sv" => ("mediakontakter", "tillganglighet"),
            _ => ("contacts", "accessibility"),
        };
        let page =
            fs::read_to_string(public.join(format!("{lang}/{contacts_at}/index.html"))).unwrap();
        assert!(page.contains(&format!("<h1>{contacts}</h1>")), "{page}");
        assert!(page.contains("href=\"tel:+358207001010\""), "{page}");
        let statement_page =
            fs::read_to_string(public.join(format!("{lang}/{statement_at}/index.html"))).unwrap();
        assert!(statement_page.contains(&format!("<h1>{statement}</h1>")));
        // Every page links to both, and to the privacy notice.
        let index = fs::read_to_string(public.join(format!("{lang}/index.html"))).unwrap();
        for want in [
            format!("<a href=\"/{lang}/{contacts_at}/\">{contacts}</a>"),
            format!("<a href=\"/{lang}/{statement_at}/\">{statement}</a>"),
            format!(">{privacy}</a>"),
        ] {
            assert!(index.contains(&want), "{lang}: {want}");
        }
    }
    let css = fs::read_to_string(public.join("style.css")).unwrap();
    assert!(
        css.contains("--accent: #0b4f8a") && css.contains("--on-accent: #ffffff"),
        "{css}"
    );
    assert!(public.join("assets/kaislamaa-logo.svg").is_file());
    let sv = fs::read_to_string(public.join("sv/index.html")).unwrap();
    assert!(
        sv.contains(
            "<img class=\"logo\" src=\"/assets/kaislamaa-logo.svg\" alt=\"Kaislamaa förbund\""
        ),
        "{sv}"
    );
}

#[test]
fn shared_links_get_a_preview_card_and_search_engines_a_sitemap() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let page = fs::read_to_string(public.join("sv/landskapsstrategi-2040/index.html")).unwrap();
    for want in [
        "<meta property=\"og:type\" content=\"article\">",
        "<meta property=\"og:title\" content=\"Landskapsfullmäktige godkände",
        "<meta property=\"og:locale\" content=\"sv_FI\">",
        "<meta property=\"og:locale:alternate\" content=\"fi_FI\">",
        "<meta property=\"og:image\" content=\"https://tiedotteet.kaislamaa.example.org/assets/kaislalahti-shore.png\">",
        "<meta name=\"twitter:card\" content=\"summary_large_image\">",
        "<link rel=\"alternate\" type=\"application/rss+xml\"",
    ] {
        assert!(page.contains(want), "{want}\n{page}");
    }
    let contacts = fs::read_to_string(public.join("fi/mediayhteydet/index.html")).unwrap();
    assert!(contacts.contains("<link rel=\"alternate\" type=\"application/rss+xml\""));
    // The same page in the other languages, in the switcher and for
    // search engines.
    assert!(
        contacts.contains("<a href=\"/sv/mediakontakter/\" hreflang=\"sv\" lang=\"sv\">")
            && contacts.contains(
                "<link rel=\"alternate\" hreflang=\"en\" href=\"https://tiedotteet.kaislamaa.example.org/en/contacts/\">"
            ),
        "{contacts}"
    );
    assert!(contacts.contains("<meta name=\"twitter:card\" content=\"summary\">"));

    let index = fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(index.contains("<sitemapindex"), "{index}");
    // Release pages by year, the rest in one file.
    let year = fs::read_to_string(public.join("sitemap-2026.xml")).unwrap();
    assert!(year.contains("<loc>https://tiedotteet.kaislamaa.example.org/sv/landskapsstrategi-2040/</loc><lastmod>2026-10-26</lastmod>"), "{year}");
    assert!(!year.contains("mediayhteydet"), "{year}");
    let sitemap = crate::common::sitemaps(&public);
    assert!(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"fi\" href=\"https://tiedotteet.kaislamaa.example.org/fi/regional-strategy-2040/\"/>"), "{sitemap}");
    assert!(
        sitemap.contains("<loc>https://tiedotteet.kaislamaa.example.org/fi/mediayhteydet/</loc>")
    );
    // Drafts and embargoed releases are not announced.
    assert!(!sitemap.contains("council-meeting-agenda"), "{sitemap}");
    let robots = fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(robots.contains("Sitemap: https://tiedotteet.kaislamaa.example.org/sitemap.xml"));
}

#[test]
fn a_release_in_one_language_is_listed_in_the_others_marked_with_its_language() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    // The summer jobs release is in Finnish only.
    let sv = fs::read_to_string(public.join("sv/index.html")).unwrap();
    assert!(
        sv.contains("<a href=\"/fi/summer-jobs/\" hreflang=\"fi\" lang=\"fi\">"),
        "{sv}"
    );
    assert!(
        sv.contains("<span class=\"in-lang\">på finska</span>"),
        "{sv}"
    );
    let en = fs::read_to_string(public.join("en/index.html")).unwrap();
    assert!(
        en.contains("<span class=\"in-lang\">in Finnish</span>"),
        "{en}"
    );
    // A release with a version in the language is listed once, as itself.
    assert_eq!(sv.matches("regional-strategy-2040/").count(), 0, "{sv}");
    assert_eq!(sv.matches("/sv/landskapsstrategi-2040/").count(), 1, "{sv}");
    // Not in the language's feed: that is its own releases.
    let feed = fs::read_to_string(public.join("sv/feed.xml")).unwrap();
    assert!(!feed.contains("summer-jobs"), "{feed}");
}

#[test]
fn a_correction_is_shown_on_the_page_and_the_feed_says_when_it_was_made() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let page = fs::read_to_string(public.join("fi/rail-connection-study/index.html")).unwrap();
    assert!(
        page.contains("<aside class=\"correction\" aria-label=\"Korjaus\"><p><strong>Korjaus <time datetime=\"2026-11-04T11:30:00+00:00\">"),
        "{page}"
    );
    assert!(page.contains("Oikea aika on syksy 2027."), "{page}");
    let feed = fs::read_to_string(public.join("fi/feed.xml")).unwrap();
    assert!(
        feed.contains("<atom:updated>2026-11-04T11:30:00+00:00</atom:updated>"),
        "{feed}"
    );
    assert!(feed.contains("<description><![CDATA[Korjaus 4. marraskuuta 2026 klo 13.30: Tiedotteen ensimmäisessä versiossa"), "{feed}");
    // Without a time of correction, check asks for one.
    let dir = crate::common::temp_pressroom(&[(
        "2026-01-02-lautta.fi.md",
        "---\ntitle: Lautta\ndate: 2026-01-02 12:00\ncorrection: Aikataulu korjattu.\n---\nTeksti.\n",
    )]);
    let o = pressroom(&["--root", dir.path().to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("2026-01-02-lautta.fi.md:4:1: error: a 'correction' needs 'updated'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn each_language_has_a_search_page_with_its_index_and_an_archive_by_year() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let search = fs::read_to_string(public.join("fi/search/index.html")).unwrap();
    // Without JavaScript: the archive years; the form waits for its script.
    assert!(search.contains("<form id=\"search-form\" role=\"search\" method=\"get\" hidden data-index=\"/fi/search/fragments/index.json\""), "{search}");
    assert!(
        search.contains("<a href=\"/fi/archive/2026/\">2026 ("),
        "{search}"
    );
    assert!(
        search.contains("<script src=\"/search.js\" defer></script>"),
        "{search}"
    );
    // The index in fragments: the manifest, word fragments, release
    // fragments. A word only in a release's text finds it.
    let fragments = public.join("fi/search/fragments");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(fragments.join(name)).unwrap()).unwrap()
    };
    let manifest = read("index.json");
    let releases: Vec<serde_json::Value> = (0..manifest["n"].as_u64().unwrap())
        .step_by(manifest["r"].as_u64().unwrap() as usize)
        .enumerate()
        .flat_map(|(i, _)| read(&format!("r{i}.json")).as_array().unwrap().clone())
        .collect();
    let urls: Vec<&str> = releases.iter().map(|r| r[1].as_str().unwrap()).collect();
    // Only the language's own releases, and no draft.
    assert!(urls.iter().all(|u| u.starts_with("/fi/")), "{urls:?}");
    assert!(!urls.contains(&"/fi/council-meeting-agenda/"), "{urls:?}");
    let found = |word: &str| -> Vec<&str> {
        let firsts = manifest["w"].as_array().unwrap();
        let i = firsts.partition_point(|f| f.as_str().unwrap() <= word) - 1;
        let f = read(&format!("w{i}.json"));
        let Some(at) = f["w"].as_array().unwrap().iter().position(|w| w == word) else {
            return vec![];
        };
        let mut doc = 0;
        f["p"][f["s"][at].as_u64().unwrap() as usize]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                doc += n.as_u64().unwrap() >> 4;
                urls[doc as usize]
            })
            .collect()
    };
    // In the text only; a compound's part.
    assert_eq!(found("kilometrin"), ["/fi/rail-connection-study/"]);
    assert!(found("maakuntastrategia").contains(&"/fi/regional-strategy-2040/"));
    assert!(found("strategia").contains(&"/fi/regional-strategy-2040/"));
    assert!(
        found("asialista").is_empty(),
        "a draft's words are not in the index"
    );
    let archive = fs::read_to_string(public.join("fi/archive/2026/index.html")).unwrap();
    assert!(archive.contains("<h1>Arkisto 2026</h1>"), "{archive}");
    assert!(
        archive.contains("href=\"/fi/regional-strategy-2040/\""),
        "{archive}"
    );
    assert!(public.join("search.js").is_file());
    let index_page = fs::read_to_string(public.join("sv/index.html")).unwrap();
    assert!(
        index_page.contains("<a href=\"/sv/search/\">Sök</a>"),
        "{index_page}"
    );
}

#[test]
fn a_large_picture_gets_a_web_sized_copy_that_pages_feeds_and_email_use() {
    let release = "---\ntitle: Ranta\ndate: 2026-01-02 12:00\nimage:\n  src: assets/ranta.png\n  alt: Ranta aamulla.\n  credit: Aino Rantanen\n---\nTeksti.\n";
    let dir = crate::common::temp_pressroom(&[("2026-01-02-ranta.fi.md", release)]);
    let big = image::RgbImage::from_fn(2400, 1000, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, 90])
    });
    image::DynamicImage::ImageRgb8(big)
        .save(dir.path().join("releases/assets/ranta.png"))
        .unwrap();
    let root = dir.path().to_str().unwrap();
    let o = pressroom(&["--root", root, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let public = dir.path().join("public");
    let copy = image::image_dimensions(public.join("assets/_web/ranta-1200.png")).unwrap();
    assert_eq!(copy, (1200, 500));
    assert!(
        public.join("assets/ranta.png").is_file(),
        "the original is published too"
    );
    let page = fs::read_to_string(public.join("fi/ranta/index.html")).unwrap();
    assert!(
        page.contains("<img src=\"/assets/_web/ranta-1200.png\" alt=\"Ranta aamulla.\" width=\"1200\" height=\"500\" srcset=\"/assets/_web/ranta-1200.png 1200w, /assets/ranta.png 2400w\""),
        "{page}"
    );
    assert!(page.contains("<a class=\"download\" href=\"/assets/ranta.png\" download>Lataa alkuperäinen kuva</a> <span class=\"filemeta\">(PNG, "), "{page}");
    assert!(
        page.contains("<span class=\"credit\">Kuva: Aino Rantanen</span>"),
        "{page}"
    );
    let feed = fs::read_to_string(public.join("fi/feed.xml")).unwrap();
    assert!(
        feed.contains("/assets/_web/ranta-1200.png\" alt=\"Ranta aamulla.\""),
        "{feed}"
    );
    // Made once: the next build reads the copy from the cache.
    let cached: Vec<_> = fs::read_dir(dir.path().join(".cache/images"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1);
}

#[test]
fn no_release_or_standing_page_takes_another_page_s_address() {
    // Before this check, a release with the slug `search` replaced the
    // search page, and a standing page a release of the same address.
    let room = crate::common::temp_pressroom(&[
        (
            "2026-11-01-a.fi.md",
            "---\ntitle: Haku\ndate: 2026-11-01 09:00\nslug: search\n---\nTeksti.\n",
        ),
        (
            "2026-11-02-ferry.fi.md",
            "---\ntitle: Lautta\ndate: 2026-11-02 09:00\n---\nTeksti.\n",
        ),
    ]);
    let pages = room.path().join("pages");
    fs::create_dir_all(&pages).unwrap();
    fs::write(
        pages.join("contacts.fi.md"),
        "---\ntitle: Yhteystiedot\nslug: ferry\n---\nSoita.\n",
    )
    .unwrap();
    fs::write(
        pages.join("about.fi.md"),
        "---\ntitle: Tietoa\nslug: tags\n---\nTeksti.\n",
    )
    .unwrap();
    let o = pressroom(&["--root", room.path().to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for want in [
        "releases/2026-11-01-a.fi.md:4:1: error: /fi/search/ is the address of the site's own page",
        "pages/contacts.fi.md:3:1: error: /fi/ferry/ is already the address of",
        "pages/about.fi.md:3:1: error: /fi/tags/ is the address of the site's own page",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
}

/// Everything under `dir` as text (file names and the text of each file).
fn all_text(dir: &Path) -> String {
    files(dir)
        .iter()
        .map(|f| {
            format!(
                "{}\n{}\n",
                f.display(),
                String::from_utf8_lossy(&fs::read(f).unwrap())
            )
        })
        .collect()
}

/// The files of a draft, an embargoed and a not-yet-due email-only release
/// stay out of the site until a published release uses them; a file that
/// a published release also uses goes out with it.
#[test]
fn an_embargo_holds_for_the_files_a_release_carries() {
    let dir = crate::common::temp_pressroom(&[
        (
            "2026-11-01-open.fi.md",
            "---\ntitle: Avoin\ndate: 2026-11-01 09:00\nimage:\n  src: assets/shared.png\n  alt: Kuva\n---\nLue myös [tuleva tiedote](2031-01-15-budget.fi.md).\n",
        ),
        (
            "2031-01-15-budget.fi.md",
            "---\ntitle: Talousarvio\ndate: 2031-01-15 10:00\ntags: [talous]\nimage:\n  src: assets/shared.png\n  alt: Kuva\nattachments:\n  - title: Talousarvio\n    src: assets/budget-secret.pdf\n---\nKatso ![kaavio](assets/chart-secret.png) ja [liite](/assets/annex%20secret.pdf).\n",
        ),
        (
            "2026-11-02-draft.fi.md",
            "---\ntitle: Luonnos\ndate: 2026-11-02 09:00\ndraft: true\nimage:\n  src: assets/draft-secret.png\n  alt: Kuva\n---\nTeksti.\n",
        ),
        (
            "2031-01-16-letter.fi.md",
            "---\ntitle: Kirje\ndate: 2031-01-16 09:00\nweb: false\nlists: [media]\nattachments:\n  - title: Kirje\n    src: assets/letter-secret.pdf\n---\nTeksti.\n",
        ),
    ]);
    let root = dir.path();
    let assets = root.join("releases/assets");
    let png = fs::read(crate::common::sample_root().join("releases/assets/kaislalahti-shore.png"))
        .unwrap();
    for f in ["shared.png", "chart-secret.png", "draft-secret.png"] {
        fs::write(assets.join(f), &png).unwrap();
    }
    for f in ["budget-secret.pdf", "annex secret.pdf", "letter-secret.pdf"] {
        fs::write(assets.join(f), b"%PDF-1.4 secret").unwrap();
    }
    fs::write(
        assets.join("furniture.svg"),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let o = pressroom(&["--root", root.to_str().unwrap(), "check"]);
    assert!(
        stderr(&o).contains("releases/2026-11-01-open.fi.md:8:10:")
            && stderr(&o).contains("links to 2031-01-15-budget.fi.md, which comes out later"),
        "{}",
        stderr(&o)
    );
    let out = root.join("public");
    let build = |now: &str| {
        let o = pressroom(&[
            "--root",
            root.to_str().unwrap(),
            "build",
            "--out",
            out.to_str().unwrap(),
            "--now",
            now,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    build(NOW);
    assert!(
        out.join("assets/shared.png").is_file(),
        "used by a published release"
    );
    assert!(
        out.join("assets/furniture.svg").is_file(),
        "used by no release"
    );
    let text = all_text(&out);
    for secret in ["secret", "budget", "talous"] {
        assert!(
            !text.contains(secret),
            "'{secret}' is out before its release"
        );
    }
    let page = fs::read_to_string(out.join("fi/open/index.html")).unwrap();
    assert!(
        page.contains("Lue myös tuleva tiedote."),
        "the link's text stays"
    );
    // Once the embargo lifts, its files go out with it; the draft's never.
    build("2031-01-15T10:00:00+02:00");
    for f in ["budget-secret.pdf", "chart-secret.png", "annex secret.pdf"] {
        assert!(out.join("assets").join(f).is_file(), "{f} is missing");
    }
    let page = fs::read_to_string(out.join("fi/open/index.html")).unwrap();
    assert!(
        page.contains("href=\"/fi/budget/\""),
        "linked once it is out"
    );
    assert!(!out.join("assets/letter-secret.pdf").exists());
    assert!(!out.join("assets/draft-secret.png").exists());
    // The email-only release's file is out when its email is.
    build("2031-01-16T09:00:00+02:00");
    assert!(out.join("assets/letter-secret.pdf").is_file());
    assert!(!out.join("assets/draft-secret.png").exists());
}

/// A build that was killed leaves its staging folder (`.public.partial-PID`);
/// the next build removes it, and a failed build leaves none.
#[test]
fn staging_folders_of_interrupted_builds_are_cleaned_up() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-11-01-bridge.fi.md",
        "---\ntitle: Silta\ndate: 2026-11-01 09:00\n---\nTeksti.\n",
    )]);
    let root = dir.path();
    // The number of a process that has ended.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let left = root.join(format!(".public.partial-{dead}"));
    fs::create_dir_all(left.join("fi")).unwrap();
    fs::write(left.join("fi/index.html"), vec![b'x'; 100_000]).unwrap();
    let unrelated = root.join(".public.partial-notes");
    fs::create_dir_all(&unrelated).unwrap();
    let r = root.to_str().unwrap();
    let o = pressroom(&["--root", r, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!left.exists(), "the interrupted build's folder is gone");
    assert!(unrelated.exists(), "only staging folders are removed");
    // A first build that fails (a broken template) leaves no staging folder.
    fs::remove_dir_all(root.join("public")).unwrap();
    fs::create_dir_all(root.join("templates/site")).unwrap();
    fs::write(
        root.join("templates/site/page.html"),
        "{{ nothing.here() }}",
    )
    .unwrap();
    fs::create_dir_all(root.join("pages")).unwrap();
    fs::write(
        root.join("pages/about.fi.md"),
        "---\ntitle: Tietoa\n---\nTeksti.\n",
    )
    .unwrap();
    let o = pressroom(&["--root", r, "build", "--now", NOW]);
    assert_ne!(o.status.code(), Some(0));
    let staging: Vec<_> = fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".public.partial-")
        })
        .map(|e| e.file_name())
        .collect();
    assert_eq!(staging, [std::ffi::OsString::from(".public.partial-notes")]);
}

/// A PNG whose header says `width` × `height` pixels, with almost no data.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        // CRC-32 of type and data.
        let mut crc = 0xffff_ffffu32;
        for b in &body {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        c.extend_from_slice(&(!crc).to_be_bytes());
        c
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// A picture too large for the build to make its web copy is reported by
/// `check` too, naming the file, before anyone builds.
#[test]
fn check_reports_the_picture_that_build_would_refuse() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-11-01-bridge.fi.md",
        "---\ntitle: Silta\ndate: 2026-11-01 09:00\nimage:\n  src: assets/huge.png\n  alt: Silta\n---\nTeksti.\n",
    )]);
    let root = dir.path();
    fs::write(
        root.join("releases/assets/huge.png"),
        png_header_only(40_000, 40_000),
    )
    .unwrap();
    let r = root.to_str().unwrap();
    let o = pressroom(&["--root", r, "build", "--now", NOW]);
    assert_ne!(o.status.code(), Some(0), "the build refuses it");
    let o = pressroom(&["--root", r, "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("releases/assets/huge.png:1:1:")
            && stderr(&o).contains("40000 × 40000 pixels"),
        "{}",
        stderr(&o)
    );
}

/// A file name with `?`, `#` or a space is linked percent-encoded and
/// reaches the file; a hidden file (`.draft.pdf`) cannot be attached.
#[test]
fn attachment_names_are_encoded_in_links_and_hidden_files_refused() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-11-01-bridge.fi.md",
        "---\ntitle: Silta\ndate: 2026-11-01 09:00\nattachments:\n  - title: Kysymys\n    src: \"assets/q?x=1#y z.pdf\"\n---\nTeksti.\n",
    )]);
    let root = dir.path();
    fs::write(root.join("releases/assets/q?x=1#y z.pdf"), b"%PDF-1.4 q").unwrap();
    let r = root.to_str().unwrap();
    let o = pressroom(&["--root", r, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = fs::read_to_string(root.join("public/fi/bridge/index.html")).unwrap();
    let href = "/assets/q%3Fx%3D1%23y%20z.pdf";
    assert!(page.contains(&format!("href=\"{href}\"")), "{page}");
    let file = percent_encoding::percent_decode_str(href)
        .decode_utf8()
        .unwrap();
    assert!(
        root.join("public").join(&file[1..]).is_file(),
        "the link reaches the file"
    );

    fs::write(root.join("releases/assets/.draft.pdf"), b"%PDF-1.4 d").unwrap();
    let text = "---\ntitle: Silta\ndate: 2026-11-01 09:00\nattachments:\n  - title: Luonnos\n    src: assets/.draft.pdf\n---\nTeksti.\n";
    fs::write(root.join("releases/2026-11-01-bridge.fi.md"), text).unwrap();
    let o = pressroom(&["--root", r, "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("2026-11-01-bridge.fi.md:6:")
            && stderr(&o).contains("has a name beginning with '.'"),
        "{}",
        stderr(&o)
    );
}

/// A plain-text lead goes into the feed's HTML description escaped: markup
/// written in `summary` reaches feed readers as text, never as HTML.
#[test]
fn markup_in_a_plain_text_summary_stays_text_in_the_feed() {
    let dir = crate::common::temp_pressroom(&[(
        "2026-11-01-bridge.fi.md",
        "---\ntitle: Silta\ndate: 2026-11-01 09:00\nsummary: \"Silta <img src=x onerror=alert(1)> & <b>auki</b>\"\n---\nTeksti.\n",
    )]);
    let r = dir.path().to_str().unwrap();
    let o = pressroom(&["--root", r, "build", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let feed = fs::read_to_string(dir.path().join("public/fi/feed.xml")).unwrap();
    let start = feed
        .find("<description><![CDATA[Silta")
        .expect("the item's description");
    let description = &feed[start..start + feed[start..].find("]]>").unwrap()];
    assert!(
        description
            .contains("Silta &lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;auki&lt;/b&gt;"),
        "{description}"
    );
    assert!(
        !description.contains("<img") && !description.contains("<b>"),
        "{description}"
    );
}

/// Each language's front page has the site's description in its language
/// and names the other languages' front pages as hreflang alternates; the
/// root has the default language's description.
#[test]
fn language_front_pages_have_a_description_and_alternates() {
    let out = build_sample(NOW);
    let config = crate::common::sample_root().join("pressroom.toml");
    let toml = fs::read_to_string(config).unwrap();
    assert!(
        toml.contains("[site.description]"),
        "the sample sets a description"
    );
    // The root (the choice of language) too, in the default language.
    let root = fs::read_to_string(out.path().join("public/index.html")).unwrap();
    let fi = fs::read_to_string(out.path().join("public/fi/index.html")).unwrap();
    let description = |html: &str| {
        html.lines()
            .find(|l| l.starts_with("<meta name=\"description\""))
            .map(str::to_string)
    };
    assert!(description(&root).is_some(), "the root has no description");
    assert_eq!(description(&root), description(&fi));
    for lang in ["fi", "sv", "en"] {
        let html =
            fs::read_to_string(out.path().join(format!("public/{lang}/index.html"))).unwrap();
        assert!(
            html.contains("<meta name=\"description\" content=\""),
            "{lang}: no description"
        );
        for other in ["fi", "sv", "en"] {
            assert!(
                html.contains(&format!(
                    "<link rel=\"alternate\" hreflang=\"{other}\" href=\"{BASE}{other}/\">"
                )),
                "{lang}: no alternate for {other}"
            );
        }
    }
}

/// A copy of the sample whose logo is the PNG picture in its assets.
fn sample_with_png_logo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::common::sample_root();
    for sub in ["releases", "pages"] {
        copy_tree(&root.join(sub), &dir.path().join(sub));
    }
    let toml = fs::read_to_string(root.join("pressroom.toml"))
        .unwrap()
        .replace("assets/kaislamaa-logo.svg", "assets/kaislalahti-shore.png");
    fs::write(dir.path().join("pressroom.toml"), toml).unwrap();
    fs::create_dir_all(dir.path().join("subscribers")).unwrap();
    for e in fs::read_dir(root.join("subscribers")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            fs::copy(
                &p,
                dir.path().join("subscribers").join(p.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn a_feed_item_holds_the_release_as_its_page_shows_it_and_the_channel_its_logo() {
    let out = build_sample(NOW);
    let feed = fs::read_to_string(out.path().join("public/fi/feed.xml")).unwrap();
    let item = feed
        .split("<item>")
        .find(|i| i.contains("regional-strategy-2040"))
        .expect("the strategy's item");
    // The page's parts that a reader of content:encoded needs.
    let page = fs::read_to_string(
        out.path()
            .join("public/fi/regional-strategy-2040/index.html"),
    )
    .unwrap();
    let lead = page
        .split("<p class=\"lead\">")
        .nth(1)
        .and_then(|r| r.split("</p>").next())
        .expect("the page's lead");
    assert!(item.contains(lead), "the lead: {item}");
    assert!(
        item.contains("<h2>Lisätietoja</h2>"),
        "the contacts: {item}"
    );
    assert!(item.contains("<a href=\"tel:"), "a phone link: {item}");
    assert!(
        item.contains("<h2>Liitteet</h2>"),
        "the attachments: {item}"
    );
    assert!(item.contains("lyhyesti</h2>"), "the About text: {item}");
    assert!(item.contains("<figure><img"), "the picture: {item}");
    assert!(
        item.contains("<media:content ") && item.contains("medium=\"image\""),
        "media:content: {item}"
    );
    // An SVG logo is not a channel image (RSS 2.0 allows GIF, JPEG, PNG).
    assert!(!feed.contains("<image>"), "{feed}");

    let png = sample_with_png_logo();
    let public = png.path().join("public");
    let o = pressroom(&[
        "--root",
        png.path().to_str().unwrap(),
        "build",
        "--out",
        public.to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let feed = fs::read_to_string(public.join("fi/feed.xml")).unwrap();
    assert!(
        feed.contains(&format!(
            "<image><url>{BASE}assets/kaislalahti-shore.png</url>"
        )),
        "{feed}"
    );
}

#[test]
fn the_logo_has_its_width_and_every_page_names_an_icon() {
    let out = build_sample(NOW);
    let public = out.path().join("public");
    let page = fs::read_to_string(public.join("fi/index.html")).unwrap();
    let logo = page
        .split("<img class=\"logo\"")
        .nth(1)
        .and_then(|r| r.split('>').next())
        .expect("the logo");
    let svg =
        fs::read_to_string(crate::common::sample_root().join("releases/assets/kaislamaa-logo.svg"))
            .unwrap();
    let view_box: Vec<f64> = svg
        .split("viewBox=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let width = (48.0 * view_box[2] / view_box[3]).round() as usize;
    assert!(logo.contains(&format!("width=\"{width}\"")), "{logo}");
    // The logo is the icon; without one, the build's favicon.svg.
    assert!(
        page.contains("<link rel=\"icon\" href=\"/assets/kaislamaa-logo.svg\">"),
        "{page}"
    );
    let favicon = fs::read_to_string(public.join("favicon.svg")).unwrap();
    assert!(
        favicon.starts_with("<svg") && favicon.contains(">K</text>"),
        "{favicon}"
    );
}

/// Every file under `dir` (but the build marker) with its bytes.
fn site_bytes(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != ".pressroom-build"))
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            (rel, fs::read(&p).unwrap())
        })
        .collect()
}

/// A release with keywords, for the rebuild tests.
fn tagged_release(title: &str, date: &str, tags: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n---\nTeksti {title}.\n")
}

/// 24 Finnish releases five to a page, two keywords, and a Swedish one
/// under embargo until 2026-12-01 that the fifth links to.
fn rebuild_room() -> tempfile::TempDir {
    let mut files_in: Vec<(String, String)> = (1..=24)
        .map(|i| {
            (
                format!("2026-01-{i:02}-r{i}.fi.md"),
                tagged_release(
                    &format!("Tiedote {i}"),
                    &format!("2026-01-{i:02} 12:00"),
                    if i % 2 == 0 { "satama" } else { "koulu" },
                ),
            )
        })
        .collect();
    files_in.push((
        "2026-12-01-later.sv.md".into(),
        tagged_release("Senare", "2026-12-01 10:00", "hamn"),
    ));
    // A link to the embargoed release: its text alone until it is out.
    files_in[4]
        .1
        .push_str("\nKatso [myöhempi](2026-12-01-later.sv.md).\n");
    let named: Vec<(&str, &str)> = files_in
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let dir = crate::common::temp_pressroom(&named);
    let toml = dir.path().join("pressroom.toml");
    let text = fs::read_to_string(&toml).unwrap();
    fs::write(&toml, text.replace("[site]\n", "[site]\npage_size = 5\n")).unwrap();
    age_releases(dir.path(), 3600);
    dir
}

/// Builds the pressroom at `root` into `out` at `now`, and from nothing
/// (`--force`, neither the record nor the kept releases) into `fresh`:
/// the two sites must be the same, byte for byte. Returns the first
/// build's summary.
fn build_and_compare(root: &Path, out: &Path, fresh: &Path, now: &str, what: &str) -> String {
    let build = |out: &Path, more: &[&str]| {
        let mut args = vec![
            "--root",
            root.to_str().unwrap(),
            "build",
            "--out",
            out.to_str().unwrap(),
            "--now",
            now,
        ];
        args.extend(more);
        let o = pressroom(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        crate::common::stdout(&o)
    };
    let report = build(out, &[]);
    build(fresh, &["--force"]);
    assert_eq!(
        site_bytes(out).keys().collect::<Vec<_>>(),
        site_bytes(fresh).keys().collect::<Vec<_>>(),
        "after {what}: the same files"
    );
    for (rel, bytes) in site_bytes(out) {
        assert!(
            bytes == fs::read(fresh.join(&rel)).unwrap(),
            "after {what}: {rel} differs from a full build"
        );
    }
    report
}

/// Writes a release file saved long before the build (only this file: the
/// others keep their stamps, and a build does not read them again).
#[cfg(unix)]
fn write_aged(root: &Path, name: &str, text: &str) {
    let path = root.join("releases").join(name);
    fs::write(&path, text).unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(1800);
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(then)
        .unwrap();
}

/// The releases a build keeps for the next one, damaged (a build killed
/// while writing them, a disk error) or replaced by something else: what
/// cannot be read back is parsed again, and the site is as a build from
/// nothing makes it.
#[cfg(unix)]
#[test]
fn kept_releases_that_cannot_be_read_back_are_parsed_again() {
    let dir = rebuild_room();
    let (root, out) = (dir.path(), dir.path().join("public"));
    let fresh = |n: u32| dir.path().join(format!("fresh-{n}"));
    build_and_compare(root, &out, &fresh(1), NOW, "the first build");
    write_aged(
        root,
        "2026-01-10-r10.fi.md",
        &tagged_release("Tiedote kymmenen", "2026-01-10 12:00", "satama"),
    );
    let report = build_and_compare(root, &out, &fresh(2), NOW, "a title edited");
    assert_eq!(read_again(&report), Some(1), "{report}");

    let kept = dir.path().join(".cache/releases.bin");
    let mut bytes = fs::read(&kept).unwrap();
    // Just after the header: the first record, and so all that follow.
    bytes[40..104].fill(0xA5);
    fs::write(&kept, &bytes).unwrap();
    write_aged(
        root,
        "2026-01-09-r9.fi.md",
        &tagged_release("Tiedote yhdeksän", "2026-01-09 12:00", "koulu"),
    );
    let report = build_and_compare(root, &out, &fresh(3), NOW, "the kept releases damaged");
    assert_eq!(read_again(&report), None, "all read again: {report}");

    fs::write(&kept, b"not what a build writes").unwrap();
    write_aged(
        root,
        "2026-01-08-r8.fi.md",
        &tagged_release("Tiedote kahdeksan", "2026-01-08 12:00", "satama"),
    );
    let report = build_and_compare(root, &out, &fresh(4), NOW, "the kept releases overwritten");
    assert_eq!(read_again(&report), None, "all read again: {report}");
    // Written anew: the next build reads back what it needs.
    write_aged(
        root,
        "2026-01-07-r7.fi.md",
        &tagged_release("Tiedote seitsemän", "2026-01-07 12:00", "koulu"),
    );
    let report = build_and_compare(root, &out, &fresh(5), NOW, "one more edit");
    assert_eq!(read_again(&report), Some(1), "{report}");
}

/// How many release files a build's summary says it read again (`None`:
/// all of them, or it does not say).
fn read_again(report: &str) -> Option<u64> {
    report
        .lines()
        .find(|l| l.contains("release files read (new or changed)"))
        .and_then(|l| l.split_whitespace().last())
        .map(|n| n.parse().unwrap())
}

/// What a build's summary says it did not render again.
fn not_rendered(report: &str) -> u64 {
    report
        .lines()
        .find(|l| l.contains("not rendered (inputs as before)"))
        .and_then(|l| l.split_whitespace().last())
        .map_or(0, |n| n.parse().unwrap())
}

/// A rebuild after releases changed renders only the pages whose inputs
/// changed (the others are not even read), and leaves exactly the site a
/// build from nothing makes: after a release is added, edited (its title
/// is on index pages), re-tagged and deleted, and after an embargo ends.
/// Anything else changing (the configuration, a file of the site) makes
/// it look at every page again.
#[cfg(unix)]
#[test]
fn a_rebuild_after_release_changes_skips_unchanged_pages_and_matches_a_full_build() {
    let dir = rebuild_room();
    let toml = dir.path().join("pressroom.toml");
    let out = dir.path().join("public");
    let skipped = not_rendered;
    let mut step = 0;
    let mut check = |now: &str, what: &str| -> String {
        step += 1;
        let fresh = dir.path().join(format!("fresh-{step}"));
        build_and_compare(dir.path(), &out, &fresh, now, what)
    };
    let report = check(NOW, "the first build");
    // The summary says why every page was rendered, when it was.
    let whole = |report: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix("every page rendered: "))
            .map(str::to_string)
    };
    assert_eq!(
        whole(&report).as_deref(),
        Some("no record of an earlier build into this folder"),
        "{report}"
    );
    let page = out.join("fi/r3/index.html");
    let inode = || std::os::unix::fs::MetadataExt::ino(&fs::metadata(&page).unwrap());
    let before = inode();

    let write = |name: &str, text: String| write_aged(dir.path(), name, &text);
    write(
        "2026-02-01-new.fi.md",
        tagged_release("Uusi", "2026-02-01 12:00", "satama"),
    );
    let report = check(NOW, "a release added");
    // The 24 other releases' pages at least (every index page shifts).
    assert!(
        skipped(&report) >= 24,
        "untouched pages are not rendered: {report}"
    );
    assert!(out.join("fi/new/index.html").is_file());
    assert_eq!(read_again(&report), Some(1), "{report}");
    assert_eq!(whole(&report), None, "{report}");
    write(
        "2026-01-10-r10.fi.md",
        tagged_release("Tiedote kymmenen", "2026-01-10 12:00", "satama"),
    );
    let report = check(NOW, "a title edited");
    assert_eq!(read_again(&report), Some(1), "{report}");
    write(
        "2026-01-11-r11.fi.md",
        tagged_release("Tiedote 11", "2026-01-11 12:00", "satama, uusi"),
    );
    check(NOW, "keywords changed");
    fs::remove_file(dir.path().join("releases/2026-01-12-r12.fi.md")).unwrap();
    age_releases(dir.path(), 1700);
    check(NOW, "a release deleted");
    assert!(!out.join("fi/r12/index.html").exists());
    let linking = out.join("fi/r5/index.html");
    assert!(!fs::read_to_string(&linking).unwrap().contains("sv/later/"));
    let report = check("2026-12-02T08:00:00+02:00", "an embargo ended");
    assert!(out.join("sv/later/index.html").is_file(), "{report}");
    assert!(
        fs::read_to_string(&linking).unwrap().contains("sv/later/"),
        "the link is live now"
    );
    assert_eq!(
        inode(),
        before,
        "an untouched release page is never rewritten"
    );

    // Not the releases: every page is looked at again.
    fs::write(
        &toml,
        format!("{}\n# edited\n", fs::read_to_string(&toml).unwrap()),
    )
    .unwrap();
    let report = check("2026-12-02T08:00:00+02:00", "the configuration edited");
    assert_eq!(skipped(&report), 0, "{report}");
    assert_eq!(
        whole(&report).as_deref(),
        Some("pressroom.toml changed since the last build"),
        "{report}"
    );
    fs::write(out.join("fi/r3/index.html"), "tampered").unwrap();
    write(
        "2026-01-13-r13.fi.md",
        tagged_release("Tiedote 13 b", "2026-01-13 12:00", "koulu"),
    );
    let report = check(
        "2026-12-02T08:00:00+02:00",
        "a page of the site changed by hand",
    );
    assert_eq!(skipped(&report), 0, "{report}");
    assert_eq!(
        whole(&report).as_deref(),
        Some("a file of the site changed since the last build"),
        "{report}"
    );
}
