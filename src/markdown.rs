//! Markdown: one entry point for HTML (links rewritten, raw HTML sanitised by
//! an allow-list) and one for plain text (links as `text (url)`), both from the
//! same Markdown source.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use url::Url;

/// How relative links (`assets/report.pdf`, `/fi/`) are written, and
/// where a link to another release's file leads.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    form: LinkForm<'a>,
    pages: PageOf,
}

/// The form of a rewritten relative link.
#[derive(Debug, Clone, Copy)]
enum LinkForm<'a> {
    /// Root-relative, under the site's base path (web pages).
    Site(&'a str),
    /// Absolute, under the base URL (feeds and email).
    Absolute(&'a Url),
    /// Marked for `to_html_pair`, which fills in both forms.
    Marked,
}

/// The site path of the page that a link to another document stands for
/// (`fi/regional-strategy-2040/` and the fragment), or `None` when the
/// link is not to such a document. Markdown knows no file naming of its
/// own: `crate::release::page_of_file` is the one pressroom passes.
pub type PageOf = fn(&str) -> Option<String>;

/// A [`PageOf`] that knows no documents.
pub fn no_pages(_: &str) -> Option<String> {
    None
}

impl<'a> Links<'a> {
    /// Root-relative links under the site's base path (web pages).
    pub fn site(base_path: &'a str, pages: PageOf) -> Self {
        Self {
            form: LinkForm::Site(base_path),
            pages,
        }
    }

    /// Absolute links under the base URL (feeds and email).
    pub fn absolute(base: &'a Url, pages: PageOf) -> Self {
        Self {
            form: LinkForm::Absolute(base),
            pages,
        }
    }

    /// The page a link to another document stands for.
    pub fn page_of(&self, dest: &str) -> Option<String> {
        (self.pages)(dest)
    }

    /// Rewrites a link destination found in a release.
    pub fn rewrite(&self, dest: &str) -> String {
        if !is_local(dest) {
            return dest.to_string();
        }
        if let Some(page) = self.page_of(dest) {
            return self.rewrite(&page);
        }
        match self.form {
            LinkForm::Site(base_path) => match dest.strip_prefix('/') {
                Some(_) => dest.to_string(),
                None => format!("{base_path}{dest}"),
            },
            // `join` resolves a root-relative link against the origin.
            LinkForm::Absolute(base) => base
                .join(dest)
                .map_or_else(|_| dest.to_string(), |u| u.to_string()),
            LinkForm::Marked => match dest.strip_prefix('/') {
                Some(_) => format!("{ORIGIN_MARK}{dest}"),
                None => format!("{BASE_MARK}{dest}"),
            },
        }
    }
}

/// Characters a file name keeps in a link; the rest are percent-encoded.
const PATH_PART: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A file path under `releases/` (`assets/q?x=1#y.pdf`) as a link
/// destination: each part percent-encoded, so that `?`, `#`, `:` and
/// spaces stay part of the name.
pub fn file_link(path: &str) -> String {
    path.split('/')
        .map(|part| percent_encoding::utf8_percent_encode(part, PATH_PART).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A link that points into the pressroom itself (no scheme, not a fragment).
pub fn is_local(dest: &str) -> bool {
    !(dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || dest.contains(':'))
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tag_attributes("td", ["colspan", "rowspan"]);
    b.add_tag_attributes("th", ["colspan", "rowspan", "scope"]);
    b.add_generic_attributes(["lang"]);
    b
});

/// Sanitises HTML against the allow-list (no script, style, iframe or event handlers).
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The release pages that are not out yet (drafts, under embargo,
/// email-only): a link to one is written as its text alone, so that a
/// published page or email never reveals an address before its time.
#[derive(Debug, Clone, Default)]
pub struct Unpublished {
    /// Site paths below the base: `fi/budget-2032/`.
    pages: std::collections::HashSet<String>,
    base_path: String,
}

impl Unpublished {
    /// Hides links to the pages `pages` (`fi/slug/`) of a site under
    /// `base_path` (`/` or `/press/`).
    pub fn new(pages: impl IntoIterator<Item = String>, base_path: &str) -> Self {
        Self {
            pages: pages.into_iter().collect(),
            base_path: base_path.to_string(),
        }
    }

    /// Whether a link to `dest` (a release file, or a path on the site)
    /// reaches a page that is not out yet.
    pub fn hides(&self, dest: &str, links: &Links<'_>) -> bool {
        if self.pages.is_empty() || !is_local(dest) {
            return false;
        }
        let page = match links.page_of(dest) {
            Some(page) => page,
            None => match dest.strip_prefix(self.base_path.as_str()) {
                Some(rest) if dest.starts_with('/') => rest.to_string(),
                _ => return false,
            },
        };
        let path = page.split(['#', '?']).next().unwrap_or_default();
        let path = path.strip_suffix("index.html").unwrap_or(path);
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let dir = decoded.trim_end_matches('/');
        self.pages.contains(&format!("{dir}/"))
    }
}

/// Renders Markdown to sanitised HTML. A `#` heading becomes `<h2>`, since the
/// release title is the page's only `<h1>`.
pub fn to_html(md: &str, links: Links<'_>) -> String {
    to_html_hiding(md, links, &Unpublished::default())
}

/// As [`to_html`], with links to the pages in `hidden` written as text.
pub fn to_html_hiding(md: &str, links: Links<'_>, hidden: &Unpublished) -> String {
    // Links do not nest: one flag says whether the open one is hidden.
    let mut hiding = false;
    let events = Parser::new_ext(md, options()).filter_map(|ev| match ev {
        Event::Start(Tag::Link { ref dest_url, .. }) if hidden.hides(dest_url, &links) => {
            hiding = true;
            None
        }
        Event::End(TagEnd::Link) if hiding => {
            hiding = false;
            None
        }
        ev => Some(ev),
    });
    let events = events.map(|ev| match ev {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from(links.rewrite(&dest_url)),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::from(links.rewrite(&dest_url)),
            title,
            id,
        }),
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(HeadingLevel::H2))
        }
        other => other,
    });
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitize(&html)
}

/// Stands for the base of a relative link while the HTML is sanitised once;
/// a private-use character, so no text or URL scheme can contain it.
const BASE_MARK: char = '\u{E000}';
/// Stands for the origin of a root-relative link (`/fi/…`).
const ORIGIN_MARK: char = '\u{E001}';
const BASE_MARK_HREF: &str = "%EE%80%80";
const ORIGIN_MARK_HREF: &str = "%EE%80%81";

/// Renders and sanitises once, then returns the HTML twice: with
/// root-relative links (web pages) and with absolute links (feeds, email).
pub fn to_html_pair(md: &str, base: &Url, pages: PageOf) -> (String, String) {
    to_html_pair_hiding(md, base, pages, &Unpublished::default())
}

/// As [`to_html_pair`], with links to the pages in `hidden` written as text.
pub fn to_html_pair_hiding(
    md: &str,
    base: &Url,
    pages: PageOf,
    hidden: &Unpublished,
) -> (String, String) {
    let clean;
    let md = if md.contains([BASE_MARK, ORIGIN_MARK])
        || md.contains(BASE_MARK_HREF)
        || md.contains(ORIGIN_MARK_HREF)
    {
        clean = md
            .replace([BASE_MARK, ORIGIN_MARK], "")
            .replace(BASE_MARK_HREF, "")
            .replace(ORIGIN_MARK_HREF, "");
        clean.as_str()
    } else {
        md
    };
    let links = Links {
        form: LinkForm::Marked,
        pages,
    };
    let marked = to_html_hiding(md, links, hidden);
    let origin = base.origin().ascii_serialization();
    // pulldown-cmark percent-encodes link destinations.
    let site = marked
        .replace(BASE_MARK_HREF, base.path())
        .replace(ORIGIN_MARK_HREF, "");
    let abs = marked
        .replace(BASE_MARK_HREF, base.as_str())
        .replace(ORIGIN_MARK_HREF, &origin);
    (site, abs)
}

/// The plain text of the first paragraph (a lead when the release has no `summary`).
pub fn first_paragraph(md: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ev in Parser::new_ext(md, options()) {
        match ev {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) if inside => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// What a release's check looks at in `md`, read in one pass: every local
/// link and image destination, and the number of columns of every table,
/// each with its byte offset.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BodyRefs {
    pub local_links: Vec<(String, usize)>,
    pub table_widths: Vec<(usize, usize)>,
}

/// The local links and the tables' widths of `md` (see [`BodyRefs`]).
pub fn body_refs(md: &str) -> BodyRefs {
    let mut refs = BodyRefs::default();
    for (ev, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match ev {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if is_local(&dest_url) =>
            {
                refs.local_links.push((dest_url.to_string(), range.start));
            }
            Event::Start(Tag::Table(alignments)) => {
                refs.table_widths.push((alignments.len(), range.start));
            }
            _ => {}
        }
    }
    refs
}

/// Every local link and image destination with its byte offset in `md`.
pub fn local_links(md: &str) -> Vec<(String, usize)> {
    body_refs(md).local_links
}

/// Renders Markdown as plain text for the text part of an email.
pub fn to_text(md: &str, links: Links<'_>) -> String {
    to_text_hiding(md, links, &Unpublished::default())
}

/// As [`to_text`], with links to the pages in `hidden` written as text.
pub fn to_text_hiding(md: &str, links: Links<'_>, hidden: &Unpublished) -> String {
    let mut w = TextWriter::default();
    for ev in Parser::new_ext(md, options()) {
        w.event(ev, links, hidden);
    }
    let mut out = w.finish();
    while out.ends_with('\n') {
        out.pop();
    }
    out.push('\n');
    out
}

#[derive(Default)]
struct TextWriter {
    /// A stack of buffers: block quotes and headings are written into their
    /// own buffer and post-processed when they end.
    bufs: Vec<String>,
    lists: Vec<Option<u64>>,
    links: Vec<String>,
    link_text_start: Vec<usize>,
    in_code_block: bool,
}

impl TextWriter {
    fn out(&mut self) -> &mut String {
        if self.bufs.is_empty() {
            self.bufs.push(String::new());
        }
        self.bufs.last_mut().expect("a buffer exists")
    }

    fn blank_line(&mut self) {
        let out = self.out();
        if out.is_empty() {
            return;
        }
        while !out.ends_with("\n\n") {
            out.push('\n');
        }
    }

    fn event(&mut self, ev: Event<'_>, links: Links<'_>, hidden: &Unpublished) {
        match ev {
            Event::Start(tag) => self.start(tag, links, hidden),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if self.in_code_block {
                    for line in t.lines() {
                        let out = self.out();
                        out.push_str("    ");
                        out.push_str(line);
                        out.push('\n');
                    }
                } else {
                    self.out().push_str(&t);
                }
            }
            Event::Code(t) => self.out().push_str(&t),
            Event::SoftBreak => self.out().push(' '),
            Event::HardBreak => self.out().push('\n'),
            Event::Rule => {
                self.blank_line();
                self.out().push_str("----\n\n");
            }
            Event::FootnoteReference(name) => {
                let s = format!("[{name}]");
                self.out().push_str(&s);
            }
            Event::TaskListMarker(done) => self.out().push_str(if done { "[x] " } else { "[ ] " }),
            // Raw HTML has no text form; the words inside inline tags still arrive as text.
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::InlineMath(t) | Event::DisplayMath(t) => self.out().push_str(&t),
        }
    }

    fn start(&mut self, tag: Tag<'_>, links: Links<'_>, hidden: &Unpublished) {
        match tag {
            Tag::Paragraph => {}
            Tag::Heading { .. } | Tag::BlockQuote(_) => {
                self.blank_line();
                self.bufs.push(String::new());
            }
            Tag::CodeBlock(_) => {
                self.blank_line();
                self.in_code_block = true;
            }
            Tag::List(start) => {
                if self.lists.is_empty() {
                    self.blank_line();
                } else if !self.out().ends_with('\n') {
                    self.out().push('\n');
                }
                self.lists.push(start);
            }
            Tag::Item => {
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "- ".to_string(),
                };
                let indent = "   ".repeat(depth);
                let out = self.out();
                out.push_str(&indent);
                out.push_str(&marker);
            }
            Tag::Link { dest_url, .. } => {
                // A hidden link keeps its text and loses its address.
                self.links.push(if hidden.hides(&dest_url, &links) {
                    String::new()
                } else {
                    links.rewrite(&dest_url)
                });
                let len = self.out().len();
                self.link_text_start.push(len);
            }
            Tag::Image { dest_url, .. } => {
                self.links.push(links.rewrite(&dest_url));
                let len = self.out().len();
                self.link_text_start.push(len);
            }
            Tag::Table(_) => self.blank_line(),
            Tag::TableCell => {
                let out = self.out();
                if !out.ends_with('\n') && !out.is_empty() && !out.ends_with("\n\n") {
                    out.push_str(" | ");
                }
            }
            Tag::FootnoteDefinition(name) => {
                self.blank_line();
                let s = format!("[{name}] ");
                self.out().push_str(&s);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph if self.lists.is_empty() => self.blank_line(),
            TagEnd::Heading(level) => {
                let text = self.bufs.pop().unwrap_or_default();
                let underline = match level {
                    HeadingLevel::H1 | HeadingLevel::H2 => '=',
                    _ => '-',
                };
                let width = text.chars().count();
                let out = self.out();
                out.push_str(&text);
                out.push('\n');
                out.extend(std::iter::repeat_n(underline, width));
                out.push_str("\n\n");
            }
            TagEnd::BlockQuote(_) => {
                let text = self.bufs.pop().unwrap_or_default();
                let quoted: String = text
                    .trim_end()
                    .lines()
                    .map(|l| {
                        if l.is_empty() {
                            ">\n".to_string()
                        } else {
                            format!("> {l}\n")
                        }
                    })
                    .collect();
                let out = self.out();
                out.push_str(&quoted);
                out.push('\n');
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.blank_line();
            }
            TagEnd::List(_) => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank_line();
                }
            }
            TagEnd::Item => {
                let out = self.out();
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            TagEnd::Link | TagEnd::Image => {
                let url = self.links.pop().unwrap_or_default();
                let start = self.link_text_start.pop().unwrap_or(0);
                let out = self.out();
                let text = out.get(start..).unwrap_or("").to_string();
                let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                if !url.is_empty() && text != url && text != bare {
                    out.push_str(&format!(" ({url})"));
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => self.out().push('\n'),
            TagEnd::Table => self.blank_line(),
            _ => {}
        }
    }

    fn finish(mut self) -> String {
        while self.bufs.len() > 1 {
            let top = self.bufs.pop().unwrap_or_default();
            self.out().push_str(&top);
        }
        self.bufs.pop().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://press.example.org/").unwrap()
    }

    #[test]
    fn script_style_iframe_and_event_handlers_are_removed() {
        let md = "Hi <script>alert(1)</script><iframe src=x></iframe><b onclick=\"x()\">bold</b>\n\n<style>p{}</style>";
        let html = to_html(md, Links::site("/", no_pages));
        assert!(
            !html.contains("script") && !html.contains("iframe"),
            "{html}"
        );
        assert!(
            !html.contains("onclick") && !html.contains("<style"),
            "{html}"
        );
        assert!(html.contains("<b>bold</b>"), "{html}");
    }

    #[test]
    fn body_refs_finds_local_links_images_and_tables_with_their_offsets() {
        let md = "See [the report](assets/r.pdf), [web](https://example.org/), [top](#top).\n\n\
                  ![map](assets/map.png)\n\n\
                  | a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n\n\
                  [other](2026-01-02-x.sv.md)\n\n\
                  | d |\n|---|\n| 4 |\n";
        let refs = body_refs(md);
        let at = |s: &str| md.find(s).unwrap();
        assert_eq!(
            refs.local_links,
            [
                ("assets/r.pdf".to_string(), at("[the report]")),
                ("assets/map.png".to_string(), at("![map]")),
                ("2026-01-02-x.sv.md".to_string(), at("[other]")),
            ]
        );
        assert_eq!(refs.table_widths, [(3, at("| a |")), (1, at("| d |"))]);
        assert_eq!(local_links(md), refs.local_links);
        assert_eq!(body_refs("No links, no tables."), BodyRefs::default());
    }

    #[test]
    fn relative_links_become_site_or_absolute_urls() {
        let md = "[report](assets/report.pdf) and [web](https://example.org/)";
        assert!(
            to_html(md, Links::site("/press/", no_pages))
                .contains("href=\"/press/assets/report.pdf\"")
        );
        let b = base();
        assert!(
            to_html(md, Links::absolute(&b, no_pages))
                .contains("href=\"https://press.example.org/assets/report.pdf\"")
        );
    }

    #[test]
    fn text_keeps_links_as_text_and_url() {
        let b = base();
        let text = to_text(
            "# Heading\n\nRead [the plan](assets/plan.pdf) or <https://example.org/>.\n\n- one\n- two\n\n> quoted\n",
            Links::absolute(&b, no_pages),
        );
        assert_eq!(
            text,
            "Heading\n=======\n\nRead the plan (https://press.example.org/assets/plan.pdf) or https://example.org/.\n\n- one\n- two\n\n> quoted\n"
        );
    }

    #[test]
    fn one_rendering_gives_both_link_forms() {
        let base = Url::parse("https://press.example.org/news/").unwrap();
        let md = "[a](assets/a.pdf) [b](/fi/) [c](https://x.example/) <a href=\"assets/raw.pdf\">raw</a>";
        let (site, abs) = to_html_pair(md, &base, no_pages);
        assert_eq!(site, to_html(md, Links::site("/news/", no_pages)));
        assert_eq!(abs, to_html(md, Links::absolute(&base, no_pages)));
        assert!(
            abs.contains("href=\"https://press.example.org/fi/\""),
            "{abs}"
        );
    }

    #[test]
    fn level_one_headings_are_demoted_below_the_title() {
        assert_eq!(
            to_html("# A", Links::site("/", no_pages)).trim(),
            "<h2>A</h2>"
        );
    }

    #[test]
    fn first_paragraph_is_plain_text() {
        assert_eq!(
            first_paragraph("## H\n\nThe *lead* text\ngoes on.\n\nMore."),
            "The lead text goes on."
        );
    }

    /// A stand-in for `release::page_of_file`: `DATE-slug.lang.md` is the
    /// page `lang/slug/`.
    fn pages(dest: &str) -> Option<String> {
        let (file, rest) = dest.split_at(dest.find('#').unwrap_or(dest.len()));
        let stem = file.strip_suffix(".md")?;
        let (stem, lang) = stem.rsplit_once('.')?;
        Some(format!("{lang}/{}/{rest}", stem.get(11..)?))
    }

    #[test]
    fn a_link_to_a_page_not_out_yet_keeps_only_its_text() {
        let hidden = Unpublished::new(["fi/budjetti/".to_string()], "/press/");
        let md = "Katso [budjetti](2031-01-15-budjetti.fi.md#luvut), [sama](/press/fi/budjetti/) ja [auki](2026-01-01-auki.fi.md).";
        let html = to_html_hiding(md, Links::site("/press/", pages), &hidden);
        assert!(!html.contains("budjetti/"), "{html}");
        assert!(
            html.contains("Katso budjetti, sama ja <a href=\"/press/fi/auki/\""),
            "{html}"
        );
        let (site, abs) = to_html_pair_hiding(
            md,
            &Url::parse("https://e.org/press/").unwrap(),
            pages,
            &hidden,
        );
        assert!(
            !site.contains("fi/budjetti") && !abs.contains("fi/budjetti"),
            "{site}{abs}"
        );
        let text = to_text_hiding(md, Links::site("/press/", pages), &hidden);
        assert_eq!(text, "Katso budjetti, sama ja auki (/press/fi/auki/).\n");
    }
}
