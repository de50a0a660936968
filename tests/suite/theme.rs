//! A pressroom's own templates: the built-ins copied out with
//! `templates eject` render through the run-time engine byte for byte as
//! askama renders them (the site, every email, the confirmation email);
//! an edited template changes what is built; a broken one is reported with
//! its file and line by `check` and `build`, and the last good site stays.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{NOW, pressroom, sample_root, stderr, stdout};
use pressroom::content::Content;
use pressroom::i18n::Lang;

/// A copy of the sample pressroom (configuration, releases, pages).
fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = sample_root();
    std::fs::copy(
        from.join("pressroom.toml"),
        dir.path().join("pressroom.toml"),
    )
    .unwrap();
    for sub in ["releases", "pages"] {
        copy_tree(&from.join(sub), &dir.path().join(sub));
    }
    std::fs::create_dir_all(dir.path().join("subscribers")).unwrap();
    for e in std::fs::read_dir(from.join("subscribers")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            std::fs::copy(
                &p,
                dir.path().join("subscribers").join(p.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn build(root: &Path, out: &Path) -> std::process::Output {
    pressroom(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--force",
        "--out",
        out.to_str().unwrap(),
        "--now",
        NOW,
    ])
}

/// Ejects every built-in into `root` and makes each template differ from
/// the built-in by a comment, so that all of them render through the engine.
fn eject_all_and_touch(root: &Path) -> usize {
    let o = pressroom(&["--root", root.to_str().unwrap(), "templates", "eject"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut touched = 0;
    for (rel, bytes) in files(&root.join("templates")) {
        let name = rel.to_string_lossy();
        if name.ends_with(".css") || name.ends_with(".js") {
            continue;
        }
        let path = root.join("templates").join(&rel);
        let text = String::from_utf8(bytes).unwrap();
        std::fs::write(&path, format!("{{# ours #}}{text}")).unwrap();
        touched += 1;
    }
    touched
}

#[test]
fn ejected_templates_render_every_page_and_email_exactly_as_the_built_ins() {
    let plain = sample_copy();
    let ours = sample_copy();
    let touched = eject_all_and_touch(ours.path());
    assert_eq!(
        touched, 20,
        "every template but the stylesheet and the script"
    );

    let list = pressroom(&["--root", ours.path().to_str().unwrap(), "templates", "list"]);
    let listed = stdout(&list);
    assert!(
        listed.contains("site/release.html") && listed.contains("yours"),
        "{listed}"
    );
    for line in listed
        .lines()
        .filter(|l| l.contains(".html") || l.contains(".txt"))
    {
        assert!(
            line.contains(" yours "),
            "every template is replaced: {line}"
        );
    }

    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a"), out.path().join("b"));
    let o = build(plain.path(), &a);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = build(ours.path(), &b);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (a, b) = (files(&a), files(&b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let html = a
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .count();
    assert!(html > 30, "{html} pages");
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs:\n--- askama\n{}\n--- engine\n{}",
            path.display(),
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&b[path])
        );
    }

    // Every email of every release, both parts and the curated footer.
    let plain = Content::load(plain.path()).unwrap();
    let ours = Content::load(ours.path()).unwrap();
    assert!(plain.config.theme.is_builtin());
    assert!(!ours.config.theme.is_builtin());
    for (x, y) in plain.releases.iter().zip(&ours.releases) {
        let ex = pressroom::render::email::render(x, &plain.config, &Default::default()).unwrap();
        let ey = pressroom::render::email::render(y, &ours.config, &Default::default()).unwrap();
        assert_eq!(ex, ey, "{}", x.source.path.display());
    }
    for lang in ["fi", "sv", "en"] {
        let lang = Lang::parse(lang).unwrap();
        let link = "https://press.example.org/confirm/abc";
        let cx = pressroom::http::mail::confirmation_parts(&plain.config, &lang, link).unwrap();
        let cy = pressroom::http::mail::confirmation_parts(&ours.config, &lang, link).unwrap();
        assert_eq!(cx, cy, "{lang}");
        assert!(cx.text.contains(link) && cx.html.contains(link));
    }
}

#[test]
fn an_edited_template_and_stylesheet_change_the_site_and_email() {
    let root = sample_copy();
    let r = root.path().to_str().unwrap();
    for name in ["site/release.html", "site/style.css", "email/release.html"] {
        let o = pressroom(&["--root", r, "templates", "eject", name]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("templates/{name}")),
            "{}",
            stdout(&o)
        );
    }
    let t = root.path().join("templates");
    let page = std::fs::read_to_string(t.join("site/release.html")).unwrap();
    std::fs::write(
        t.join("site/release.html"),
        page.replace(
            "<h1>{{ r.title }}</h1>",
            "<h1 class=\"our-title\">{{ r.title|upper }}</h1>",
        ),
    )
    .unwrap();
    let css = std::fs::read_to_string(t.join("site/style.css")).unwrap();
    std::fs::write(
        t.join("site/style.css"),
        format!("{css}\n.our-title {{ letter-spacing: .05em }}\n"),
    )
    .unwrap();
    let mail = std::fs::read_to_string(t.join("email/release.html")).unwrap();
    std::fs::write(
        t.join("email/release.html"),
        mail.replace(
            "<h1>{{ e.title }}</h1>",
            "<h1>{{ e.title }}</h1><p class=\"meta\">Our own line</p>",
        ),
    )
    .unwrap();
    // Ejecting again never overwrites.
    let o = pressroom(&["--root", r, "templates", "eject", "site/release.html"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));

    let out = tempfile::tempdir().unwrap();
    let o = build(root.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let content = Content::load(root.path()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
    let rel = content
        .on_web(now)
        .find(|r| r.lang.as_str() == "fi")
        .unwrap();
    let page = std::fs::read_to_string(
        out.path()
            .join(format!("fi/{}/index.html", rel.slug.as_str())),
    )
    .unwrap();
    assert!(
        page.contains(&format!(
            "<h1 class=\"our-title\">{}</h1>",
            rel.title.to_uppercase()
        )),
        "{page}"
    );
    // The layout around it is still the built-in one.
    assert!(page.contains("class=\"site-footer\""));
    let css = std::fs::read_to_string(out.path().join("style.css")).unwrap();
    assert!(css.contains(".our-title"), "the stylesheet is ours");
    let email =
        pressroom::render::email::render(rel, &content.config, &Default::default()).unwrap();
    assert!(
        email.html.contains("Our own line"),
        "the email template is ours"
    );
}

#[test]
fn a_broken_template_is_reported_with_its_file_and_line_and_the_site_stays() {
    let root = sample_copy();
    let r = root.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = build(root.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = files(out.path());

    // A syntax error: `check` and `build` name the file and line.
    let o = pressroom(&["--root", r, "templates", "eject", "site/list.html"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = root.path().join("templates/site/list.html");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("<h1>{{ heading }}</h1>", "<h1>{{ heading </h1>", 1);
    assert_ne!(broken, text);
    std::fs::write(&path, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("{{ heading </h1>"))
        .unwrap()
        + 1;
    for cmd in [
        &["check"][..],
        &["build", "--out", out.path().to_str().unwrap(), "--now", NOW],
    ] {
        let o = pressroom(&[&["--root", r][..], cmd].concat());
        assert_eq!(o.status.code(), Some(1), "{cmd:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("templates/site/list.html:{line}:"))
                && err.contains("syntax error"),
            "{cmd:?}: {err}"
        );
    }

    // A name the context does not have: found by `check` (it renders a
    // page of every kind), with the line.
    std::fs::write(&path, text.replacen("{{ heading }}", "{{ headline }}", 1)).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("{{ heading }}"))
        .unwrap()
        + 1;
    let o = pressroom(&["--root", r, "check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("templates/site/list.html:{line}:")) && err.contains("undefined"),
        "{err}"
    );
    let o = build(root.path(), out.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("templates/site/list.html"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        files(out.path()),
        before,
        "a failed build leaves the last site as it was"
    );
}

#[test]
fn emails_wear_the_configured_colours() {
    let root = sample_copy();
    let toml = root.path().join("pressroom.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(text.contains("primary = \"#0b4f8a\""));
    std::fs::write(
        &toml,
        text.replace("primary = \"#0b4f8a\"", "primary = \"#1d5c3a\""),
    )
    .unwrap();
    let content = Content::load(root.path()).unwrap();
    let r = content
        .releases
        .iter()
        .find(|r| r.publication.email)
        .unwrap();
    let email = pressroom::render::email::render(r, &content.config, &Default::default()).unwrap();
    assert!(email.html.contains("background: #1d5c3a"), "{}", email.html);
    assert!(!email.html.contains("#0b4f8a"), "{}", email.html);
    let lang = Lang::parse("fi").unwrap();
    let confirm =
        pressroom::http::mail::confirmation_parts(&content.config, &lang, "https://x.example/")
            .unwrap();
    assert!(
        confirm.html.contains("background: #1d5c3a"),
        "{}",
        confirm.html
    );
}

/// A template that would loop for ever (loops inside loops over long
/// ranges) is stopped by the engine's step budget: `check` and `build`
/// end with an error naming the template and its line.
#[test]
fn a_template_that_never_ends_is_stopped_and_named() {
    let root = sample_copy();
    let r = root.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = root.path().join("templates/site");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("page.html"),
        "{% extends \"site/base.html\" %}{% block content %}\n{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}{% endblock %}\n",
    )
    .unwrap();
    for cmd in [
        &["check"][..],
        &["build", "--out", out.path().to_str().unwrap(), "--now", NOW],
    ] {
        let o = pressroom(&[&["--root", r][..], cmd].concat());
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("templates/site/page.html:2:") && err.contains("steps"),
            "{cmd:?}: {err}"
        );
    }
}
