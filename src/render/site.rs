//! The static website: language indexes (paginated), release pages, tag pages
//! and the feeds beside them, written through an `Output` as they are rendered.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::markdown;
use crate::sharded::{self, Sharded};

use askama::Template;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::feed::{self, FeedSpec};
use super::{Html, LinkView, OrgView, ReleaseView, Urls, search};
use crate::content::Content;
use crate::i18n::Lang;
use crate::i18n::{self, Strings};
use crate::release::Release;
use crate::theme::optional;

/// Where rendered files go (a directory, or memory in tests). Paths are
/// relative, with `/` separators, e.g. `fi/some-slug/index.html`.
pub trait Output: Sync {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()>;
    /// `rel` is part of this render but was not rendered again: its inputs
    /// are the same as last time (see [`Memo`]), so the file stays as it is.
    fn unchanged(&self, _rel: &str) {}
}

/// What a long-running preview remembers between renders: each release's
/// view (its Markdown rendered and sanitised) and a fingerprint of the
/// inputs of every page and feed. A page whose inputs did not change is
/// not rendered again. The fingerprints cover the releases a page shows;
/// whatever else a page depends on (the configuration, the assets, the
/// templates) must [`clear`](Memo::clear) the memo when it changes.
#[derive(Default)]
pub struct Memo {
    /// Views by release file, sharded so that parallel renders do not wait
    /// on one lock.
    views: Sharded<sharded::HashMap<std::ffi::OsString, (u64, Arc<ReleaseView>)>>,
    /// Inputs of each file and the round that last visited it: as of the
    /// last finished render, and, for the files already visited, of the
    /// render under way.
    inputs: Sharded<sharded::HashMap<String, (u64, u64)>>,
    /// The number of the render under way.
    round: AtomicU64,
}

impl Memo {
    /// A memo that knows the inputs `pages` had in an earlier process's
    /// render (a build's [record](crate::build::record::Record)), and no
    /// release views: the next render renders only the pages whose inputs
    /// differ (and every release view, once).
    pub fn with_inputs(pages: impl IntoIterator<Item = (String, u64)>) -> Self {
        let memo = Self::default();
        for (rel, inputs) in pages {
            memo.inputs.shard(&rel).insert(rel, (inputs, 0));
        }
        memo
    }

    /// The inputs of every file as of the last finished render, to record.
    pub fn inputs(&self) -> BTreeMap<String, u64> {
        // Put in order on every core, then the map built in one go (tens
        // of thousands of paths, inserted one by one, were compared at
        // every step).
        let mut all = vec![];
        self.inputs.for_each(|m| {
            all.extend(m.iter().map(|(rel, (inputs, _))| (rel.clone(), *inputs)));
        });
        all.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        all.into_iter().collect()
    }

    /// Adds the view an earlier process made of the release in the file
    /// `path` under `key` (the build's cache, see [`crate::build::cache`]).
    pub fn seed_view(&self, path: std::ffi::OsString, key: u64, view: Arc<ReleaseView>) {
        self.views.shard(path.as_os_str()).insert(path, (key, view));
    }

    /// Every view kept, by release file, with the key it was made under.
    pub fn views(&self) -> Vec<(std::ffi::OsString, u64, Arc<ReleaseView>)> {
        let mut out = vec![];
        self.views.for_each(|m| {
            out.extend(m.iter().map(|(p, (k, v))| (p.clone(), *k, v.clone())));
        });
        out
    }

    /// Forgets the pages, not the views (which are keyed by what they are
    /// made from): the next render renders every page.
    pub fn forget_pages(&self) {
        self.inputs.clear();
    }

    /// Forgets everything: the next render renders every page.
    pub fn clear(&self) {
        self.views.clear();
        self.inputs.clear();
    }

    /// A render begins: every file it produces through the memo is marked
    /// as visited in this round.
    pub fn begin(&self) {
        self.round.fetch_add(1, Ordering::Relaxed);
    }

    /// The render under way succeeded: forgets the files it did not
    /// visit and returns them (they are no longer part of the site).
    pub fn sweep(&self) -> Vec<String> {
        let round = self.round.load(Ordering::Relaxed);
        let mut gone = vec![];
        self.inputs.for_each(|m| {
            m.retain(|rel, (_, seen)| {
                let keep = *seen == round;
                if !keep {
                    gone.push(rel.clone());
                }
                keep
            });
        });
        gone
    }

    /// The render under way failed: what the files hold is not known for
    /// sure any more, so everything is forgotten.
    pub fn abandon(&self) {
        self.inputs.clear();
    }

    /// Records `inputs` for `rel` (a file of the render under way); true
    /// when the last render had the same.
    pub fn fresh(&self, rel: &str, inputs: u64) -> bool {
        let round = self.round.load(Ordering::Relaxed);
        let mut shard = self.inputs.shard(rel);
        match shard.get_mut(rel) {
            Some(old) => std::mem::replace(old, (inputs, round)).0 == inputs,
            None => {
                shard.insert(rel.to_string(), (inputs, round));
                false
            }
        }
    }

    /// For a group of files made together (the files under `prefix`):
    /// when the last render made them all from `inputs`, records them as
    /// files of this render and returns them; else none.
    fn fresh_group(&self, prefix: &str, inputs: u64) -> Option<Vec<String>> {
        let round = self.round.load(Ordering::Relaxed);
        let mut rels = vec![];
        let mut same = true;
        self.inputs.for_each(|m| {
            for (rel, (old, _)) in m.iter() {
                if rel.starts_with(prefix) {
                    same &= *old == inputs;
                    rels.push(rel.clone());
                }
            }
        });
        if !same || rels.is_empty() {
            return None;
        }
        for rel in &rels {
            if let Some(e) = self.inputs.shard(rel.as_str()).get_mut(rel.as_str()) {
                e.1 = round;
            }
        }
        Some(rels)
    }

    fn view(&self, r: &Release, key: u64, make: impl FnOnce() -> ReleaseView) -> Arc<ReleaseView> {
        let path = r.source.path.as_os_str();
        if let Some((k, v)) = self.views.shard(path).get(path)
            && *k == key
        {
            return v.clone();
        }
        let v = Arc::new(make());
        self.views
            .shard(path)
            .insert(path.to_owned(), (key, v.clone()));
        v
    }
}

/// A fingerprint of `parts`.
pub fn fingerprint(parts: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone, Serialize)]
pub struct Alternate {
    pub lang: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    pub title: String,
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LangLink {
    pub lang: String,
    pub name: String,
    pub href: String,
    pub title: String,
    pub current: bool,
}

/// What the shared layout (`site/base.html`) shows.
#[derive(Debug, Serialize)]
pub struct Layout<'a> {
    pub lang: &'a str,
    pub t: &'static Strings,
    pub title: String,
    pub site_title: &'a str,
    pub description: String,
    pub canonical: String,
    pub alternates: Vec<Alternate>,
    #[serde(serialize_with = "optional")]
    pub feed: Option<FeedLink>,
    pub base: String,
    pub home: String,
    pub lang_links: Vec<LangLink>,
    pub org: &'a OrgView,
    pub subscribe: String,
    /// The language's keyword index.
    pub keywords: String,
    /// The language's search page.
    pub search: String,
    /// Open Graph: `article` for a release, else `website`.
    pub og_type: &'static str,
    /// The title a link preview shows (a release's own title).
    pub og_title: String,
    /// `fi_FI`: the page's language and the site's country.
    pub locale: String,
    /// The other site languages, as locales.
    pub locale_alternates: Vec<String>,
    /// A picture for link previews (absolute address).
    #[serde(serialize_with = "optional")]
    pub image: Option<super::Picture>,
    /// A writer's preview: the page reloads itself when the site changes.
    pub live_reload: bool,
}

#[derive(Template, Serialize)]
#[template(path = "site/release.html")]
struct ReleasePage<'a> {
    page: Layout<'a>,
    r: ReleaseTemplateData<'a>,
}

/// A release view plus its links to other language versions.
#[derive(Serialize)]
struct ReleaseTemplateData<'a> {
    title: &'a str,
    date_iso: &'a str,
    date_text: &'a str,
    #[serde(serialize_with = "optional")]
    updated: &'a Option<super::When>,
    #[serde(serialize_with = "optional")]
    correction: &'a Option<String>,
    lead: &'a str,
    has_summary: bool,
    #[serde(serialize_with = "optional")]
    image: &'a Option<super::ImageView>,
    body: &'a Html,
    attachments: &'a [super::AttachmentView],
    contacts: &'a [super::ContactView],
    tags: &'a [LinkView],
    translations: Vec<LangLink>,
    #[serde(serialize_with = "optional")]
    banner: &'a Option<String>,
    #[serde(serialize_with = "optional")]
    email_view: &'a Option<super::LinkView>,
}

#[derive(Serialize)]
pub struct ListItem<'a> {
    pub title: &'a str,
    pub href: String,
    pub date_iso: &'a str,
    pub date_text: &'a str,
    pub lead: &'a str,
    /// A release in another language than the list's (it has no version
    /// in the list's language): its language, and "in Swedish" in the
    /// list's language.
    #[serde(serialize_with = "optional")]
    pub other_lang: Option<OtherLang<'a>>,
}

/// The language of a release listed among another language's.
#[derive(Serialize)]
pub struct OtherLang<'a> {
    /// `sv`.
    pub lang: &'a str,
    /// "på finska".
    pub in_lang: &'static str,
}

/// Where a page of a list is. Pages are numbered from the oldest: the
/// list's own address is the last page, with the newest releases.
#[derive(Serialize)]
pub struct Pagination {
    /// This page's number.
    pub current: usize,
    /// The number of pages (the last page's number).
    pub total: usize,
    /// The page of newer releases.
    #[serde(serialize_with = "optional")]
    pub prev: Option<String>,
    /// The page of older releases.
    #[serde(serialize_with = "optional")]
    pub next: Option<String>,
}

#[derive(Template, Serialize)]
#[template(path = "site/list.html")]
struct ListPage<'a> {
    page: Layout<'a>,
    heading: String,
    items: Vec<ListItem<'a>>,
    #[serde(serialize_with = "optional")]
    pagination: Option<Pagination>,
}

#[derive(Template, Serialize)]
#[template(path = "site/keywords.html")]
struct KeywordsPage<'a> {
    page: Layout<'a>,
    keywords: Vec<LinkView>,
}

#[derive(Template, Serialize)]
#[template(path = "site/languages.html")]
struct LanguagesPage<'a> {
    page: Layout<'a>,
    choices: Vec<LangLink>,
}

#[derive(Template, Serialize)]
#[template(path = "site/not_found.html")]
struct NotFoundPage<'a> {
    page: Layout<'a>,
}

/// A sitemap file (`sitemap-pages.xml`, `sitemap-2026.xml`, …): pages a
/// search engine should know, with their language versions (`hreflang`).
#[derive(Template, Serialize)]
#[template(path = "site/sitemap.xml", escape = "html")]
struct Sitemap<'a> {
    urls: &'a [SitemapUrl],
}

/// The most addresses one sitemap file may hold (sitemaps.org); a year
/// with more goes on in `sitemap-2026-2.xml`, `sitemap-2026-3.xml`, ….
pub const SITEMAP_MAX_URLS: usize = 50_000;

#[derive(Serialize)]
struct SitemapUrl {
    loc: String,
    /// `YYYY-MM-DD`.
    #[serde(serialize_with = "optional")]
    lastmod: Option<String>,
    alternates: Vec<Alternate>,
}

/// A language's search page: the search form (shown by its script) and the
/// archive years (the page without JavaScript).
#[derive(Template, Serialize)]
#[template(path = "site/search.html")]
struct SearchPage<'a> {
    page: Layout<'a>,
    /// The search index's address.
    index: String,
    script: String,
    years: Vec<LinkView>,
}

/// A standing page (`pages/NAME.LANG.md`).
#[derive(Template, Serialize)]
#[template(path = "site/page.html")]
struct StandingPage<'a> {
    page: Layout<'a>,
    title: &'a str,
    body: Html,
}

/// The root's not-found page: the same words in every site language.
#[derive(Template, Serialize)]
#[template(path = "site/not_found_all.html")]
struct NotFoundAllPage<'a> {
    page: Layout<'a>,
    all: Vec<NotFoundChoice<'a>>,
}

#[derive(Serialize)]
struct NotFoundChoice<'a> {
    lang: &'a str,
    t: &'static Strings,
    home: String,
}

/// Counts of what a build wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub releases: usize,
    pub pages: usize,
    pub feeds: usize,
    pub languages: usize,
    pub tags: usize,
}

struct LangCtx<'a> {
    lang: &'a Lang,
    org: OrgView,
    /// Web releases in this language, newest first.
    views: Vec<&'a ReleaseView>,
    /// What the language's index lists: its releases, and those of other
    /// languages that have no version in it (marked with their language),
    /// newest first.
    listed: Vec<&'a ReleaseView>,
    /// Tag slug → (display name, releases).
    tags: BTreeMap<&'a str, (&'a str, Vec<&'a ReleaseView>)>,
    /// What the items of the language's feeds share.
    feed_items: feed::Items,
}

struct Site<'a> {
    content: &'a Content,
    /// [`SITEMAP_MAX_URLS`], smaller in tests.
    sitemap_max: usize,
    urls: Urls,
    now: DateTime<Utc>,
    memo: Option<&'a Memo>,
    out: &'a dyn Output,
    /// Release pages not out yet: links to them are text.
    hidden: markdown::Unpublished,
}

impl<'a> Site<'a> {
    /// Writes `rel`, rendering it only when its `inputs` changed since the
    /// memo's last render (always, without a memo).
    fn emit<B: AsRef<[u8]>>(
        &self,
        rel: &str,
        inputs: impl Hash,
        render: impl FnOnce() -> io::Result<B>,
    ) -> io::Result<()> {
        if let Some(memo) = self.memo
            && memo.fresh(rel, fingerprint((rel, inputs)))
        {
            self.out.unchanged(rel);
            return Ok(());
        }
        self.out.write(rel, render()?.as_ref())
    }

    /// Like [`emit`](Self::emit) for the files that `render` makes together
    /// under `prefix` (names under it, and their bytes): when their inputs
    /// are as last time, none is made again.
    fn emit_group(
        &self,
        prefix: &str,
        inputs: impl Hash,
        render: impl FnOnce() -> Vec<(String, String)>,
    ) -> io::Result<()> {
        let inputs = fingerprint((prefix, inputs));
        if let Some(memo) = self.memo
            && let Some(rels) = memo.fresh_group(prefix, inputs)
        {
            for rel in rels {
                self.out.unchanged(&rel);
            }
            return Ok(());
        }
        for (name, bytes) in render() {
            let rel = format!("{prefix}{name}");
            if let Some(memo) = self.memo {
                memo.fresh(&rel, inputs);
            }
            self.out.write(&rel, bytes.as_bytes())?;
        }
        Ok(())
    }

    /// `page` rendered with the template `name` (the pressroom's own, when
    /// it replaces the built-in).
    fn page<T: Template + serde::Serialize>(&self, name: &str, page: &T) -> io::Result<String> {
        render_page(&self.content.config, name, page)
    }

    fn layout(&self, cx: &'a LangCtx<'a>, title: String, rel: &str) -> Layout<'a> {
        let mut page = Layout::new(
            &self.content.config,
            &self.urls,
            cx.lang,
            &cx.org,
            title,
            rel,
        );
        page.lang_links = self.lang_links(cx.lang, &BTreeMap::new());
        page.live_reload = self.content.show_unpublished;
        page
    }

    /// One link per site language: to `targets[lang]` when given, else that language's index.
    fn lang_links(
        &self,
        current: &Lang,
        targets: &BTreeMap<&Lang, (String, String)>,
    ) -> Vec<LangLink> {
        let site = &self.content.config.site;
        site.languages
            .iter()
            .map(|l| {
                let (href, title) = targets.get(l).cloned().unwrap_or_else(|| {
                    (
                        self.urls.path(&Urls::lang_index(l)),
                        site.title(l).to_string(),
                    )
                });
                LangLink {
                    lang: l.to_string(),
                    name: i18n::strings(l).language_name.to_string(),
                    href,
                    title,
                    current: l == current,
                }
            })
            .collect()
    }

    fn release_page(
        &self,
        cx: &'a LangCtx<'a>,
        v: &'a ReleaseView,
        by_key: &sharded::HashMap<&str, Vec<&ReleaseView>>,
    ) -> io::Result<String> {
        let order = |l: &Lang| {
            self.content
                .config
                .site
                .languages
                .iter()
                .position(|x| x == l)
        };
        let mut translations: Vec<&ReleaseView> = v
            .translation_key
            .as_deref()
            .and_then(|k| by_key.get(k))
            .map(|vs| vs.iter().filter(|t| t.lang != v.lang).copied().collect())
            .unwrap_or_default();
        translations.sort_by_key(|t| order(&t.lang));
        let mut targets: BTreeMap<&Lang, (String, String)> = BTreeMap::new();
        for t in &translations {
            targets.insert(&t.lang, (self.urls.path(&t.rel_path), t.title.clone()));
        }
        let mut page = self.layout(
            cx,
            format!("{} – {}", v.title, self.content.config.site.title(cx.lang)),
            &v.rel_path,
        );
        page.description = v.lead.clone();
        page.og_type = "article";
        page.og_title = v.title.clone();
        page.image = v.image_abs.as_ref().map(|i| super::Picture {
            src: i.src.clone(),
            alt: i.alt.clone(),
        });
        page.lang_links = self.lang_links(cx.lang, &targets);
        if !translations.is_empty() {
            page.alternates.push(Alternate {
                lang: v.lang.to_string(),
                href: v.url.clone(),
            });
            for t in &translations {
                page.alternates.push(Alternate {
                    lang: t.lang.to_string(),
                    href: t.url.clone(),
                });
            }
        }
        let translations = page
            .lang_links
            .iter()
            .filter(|l| targets.contains_key(&Lang::parse(&l.lang).expect("site language")))
            .cloned()
            .collect();
        let r = ReleaseTemplateData {
            title: &v.title,
            date_iso: &v.date_iso,
            date_text: &v.date_text,
            updated: &v.updated,
            correction: &v.correction,
            lead: &v.lead,
            has_summary: v.has_summary,
            image: &v.image,
            body: &v.body,
            attachments: &v.attachments,
            contacts: &v.contacts,
            tags: &v.tags,
            translations,
            banner: &v.banner,
            email_view: &v.email_view,
        };
        self.page("site/release.html", &ReleasePage { page, r })
    }

    /// A paginated list of `views` (newest first) at `rel_dir`, numbered
    /// from the oldest: page 1 (`page/1/`) holds the oldest
    /// `page_size` releases, page 2 the next, and so on; the list's own
    /// address is the last page, with the newest releases and the ones that
    /// do not fill a page yet (so it holds `page_size` to twice that, less
    /// one). A new release changes the last page only, until it is full
    /// enough to leave a numbered page behind: an old page keeps its address
    /// and its content. Returns how many pages.
    fn list_pages(
        &self,
        cx: &'a LangCtx<'a>,
        rel_dir: &str,
        heading: &str,
        views: &[&'a ReleaseView],
        feed: Option<FeedLink>,
    ) -> io::Result<usize> {
        let size = self.content.config.site.page_size.max(1);
        let count = views.len();
        let numbered = if count >= 2 * size {
            count / size - 1
        } else {
            0
        };
        let last = numbered + 1;
        let page_rel = |n: usize| {
            if n == last {
                rel_dir.to_string()
            } else {
                format!("{rel_dir}page/{n}/")
            }
        };
        let chunk = |n: usize| -> &[&'a ReleaseView] {
            if n == last {
                &views[..count - numbered * size]
            } else {
                &views[count - n * size..count - (n - 1) * size]
            }
        };
        let render_page = |n: usize| -> io::Result<String> {
            let items = chunk(n)
                .iter()
                .map(|v| ListItem {
                    title: &v.title,
                    href: self.urls.path(&v.rel_path),
                    date_iso: &v.date_iso,
                    date_text: &v.date_text,
                    lead: &v.lead,
                    other_lang: (&v.lang != cx.lang).then(|| OtherLang {
                        lang: v.lang.as_str(),
                        in_lang: i18n::in_language(cx.lang, &v.lang),
                    }),
                })
                .collect();
            let site_title = self.content.config.site.title(cx.lang);
            // The language's index is the site's own list: its title is
            // the site's ("Kaislamaan liiton tiedotteet"), not "Tiedotteet –
            // Kaislamaan liiton tiedotteet".
            let index = rel_dir == Urls::lang_index(cx.lang);
            let title = match (n == last, index) {
                (true, true) => site_title.to_string(),
                (true, false) => format!("{heading} – {site_title}"),
                (false, true) => format!("{site_title} ({} {n})", cx.t().page),
                (false, false) => format!("{heading} ({} {n}) – {site_title}", cx.t().page),
            };
            let mut page = self.layout(cx, title, &page_rel(n));
            if let Some(f) = &feed {
                page.feed = Some(f.clone());
            }
            // A language's front page: the site's description in its
            // language, and the other languages' front pages as alternates.
            if index && n == last {
                let site = &self.content.config.site;
                if let Some(d) = &site.description {
                    page.description = d.get(cx.lang, &site.default_lang).to_string();
                }
                if site.languages.len() > 1 {
                    page.alternates = site
                        .languages
                        .iter()
                        .map(|l| Alternate {
                            lang: l.to_string(),
                            href: self.urls.abs(&Urls::lang_index(l)),
                        })
                        .collect();
                }
            }
            self.page(
                "site/list.html",
                &ListPage {
                    page,
                    heading: heading.to_string(),
                    items,
                    pagination: (last > 1).then(|| Pagination {
                        current: n,
                        total: last,
                        prev: (n < last).then(|| self.urls.path(&page_rel(n + 1))),
                        next: (n > 1).then(|| self.urls.path(&page_rel(n - 1))),
                    }),
                },
            )
        };
        for n in 1..=last {
            // A page's own releases, where its links lead, and the number of
            // pages (which a template of one's own may show).
            let inputs = (
                heading,
                n,
                last,
                chunk(n).iter().map(|v| v.fingerprint).collect::<Vec<_>>(),
                feed.as_ref().map(|f| (&f.title, &f.href)),
            );
            let rel = format!("{}index.html", page_rel(n));
            self.emit(&rel, inputs, || render_page(n))?;
        }
        Ok(last)
    }

    fn feed_spec(&self, cx: &LangCtx<'_>, rel: &str, title: String, page_rel: &str) -> FeedSpec {
        let site = &self.content.config.site;
        FeedSpec {
            title,
            link: self.urls.abs(page_rel),
            description: site
                .description
                .as_ref()
                .map(|d| d.get(cx.lang, &site.default_lang).to_string())
                .unwrap_or_else(|| site.title(cx.lang).to_string()),
            self_url: self.urls.abs(rel),
            lang: cx.lang.clone(),
            cap: site.feed_items,
            now: self.now,
            image: self.channel_image(cx),
        }
    }

    /// The feed channel's `<image>`: the logo when RSS allows its kind.
    fn channel_image(&self, cx: &LangCtx<'_>) -> Option<super::feed::ChannelImage> {
        let logo = cx.org.logo.as_ref()?;
        let kind = mime_guess::from_path(&logo.src).first()?;
        if !matches!(kind.essence_str(), "image/png" | "image/jpeg" | "image/gif") {
            return None;
        }
        let url = self.urls.base().join(&logo.src).ok()?;
        Some(super::feed::ChannelImage {
            url: url.to_string(),
        })
    }

    /// Every language's pages and feeds, the languages side by side, and
    /// beside them the pages that span them (the front page, the pages not
    /// found, the sitemap): each language has parts that go one page at a
    /// time (its lists, its search index), and the sitemap lists every
    /// page. Returns each language's (pages, feeds).
    fn every_language(
        &self,
        contexts: &'a [LangCtx<'a>],
        default: &LangCtx<'_>,
        by_key: &sharded::HashMap<&str, Vec<&ReleaseView>>,
    ) -> io::Result<Vec<(usize, usize)>> {
        let (languages, spanning) = rayon::join(
            || {
                contexts
                    .par_iter()
                    .map(|cx| -> io::Result<(usize, usize)> {
                        let (pages, feeds) = self.language(cx, by_key)?;
                        let pages = pages + self.standing_pages(cx)? + self.withdrawn_pages(cx)?;
                        Ok((pages, feeds))
                    })
                    .collect::<io::Result<Vec<_>>>()
            },
            || -> io::Result<()> {
                self.front_page(contexts, default)?;
                self.not_found_pages(contexts, default)?;
                self.sitemap(contexts, by_key)
            },
        );
        spanning?;
        languages
    }

    /// A language's search index under `dir` (see [`search`]): its word
    /// fragments made together, when any of the language's releases
    /// changed; each release fragment when one of its releases did (a new
    /// release changes the last one); and the manifest.
    fn search_index(&self, cx: &'a LangCtx<'a>, dir: &str) -> io::Result<()> {
        let oldest_first: Vec<&ReleaseView> = cx.views.iter().rev().copied().collect();
        let doc = |v: &'a ReleaseView| search::Doc {
            title: &v.title,
            url: self.urls.path(&v.rel_path),
            date_text: &v.date_text,
            date_iso: &v.date_iso,
            lead: &v.lead,
            words: &v.words,
        };
        let all = fingerprints(&cx.views);
        // The releases as the index sees them and its word fragments, made
        // once for the word fragments and the manifest, if either is made.
        let made = std::cell::OnceCell::new();
        let index = || {
            made.get_or_init(|| {
                let docs: Vec<search::Doc> = oldest_first.iter().map(|v| doc(v)).collect();
                let words = search::word_index(cx.lang.as_str(), &docs);
                (docs, words)
            })
        };
        self.emit_group(&format!("{dir}w"), &all, || {
            index()
                .1
                .files
                .iter()
                .map(|(name, json)| (name["w".len()..].to_string(), json.clone()))
                .collect()
        })?;
        for (i, chunk) in oldest_first
            .chunks(search::RELEASES_PER_FRAGMENT)
            .enumerate()
        {
            self.emit(&format!("{dir}r{i}.json"), fingerprints(chunk), || {
                let docs: Vec<search::Doc> = chunk.iter().map(|v| doc(v)).collect();
                Ok(search::release_fragment(&docs))
            })?;
        }
        self.emit(&format!("{dir}index.json"), &all, || {
            let (docs, words) = index();
            Ok(search::manifest(docs, words))
        })
    }

    /// Everything under `/{lang}/`; returns (pages, feeds).
    fn language(
        &self,
        cx: &'a LangCtx<'a>,
        by_key: &sharded::HashMap<&str, Vec<&ReleaseView>>,
    ) -> io::Result<(usize, usize)> {
        // The search index (its word index is made on one core) beside
        // the language's pages.
        let (search, pages) = rayon::join(
            || self.search_index(cx, &Urls::search_fragments(cx.lang)),
            || self.language_pages(cx, by_key),
        );
        search?;
        pages
    }

    /// The pages and feeds of a language but its search index.
    fn language_pages(
        &self,
        cx: &'a LangCtx<'a>,
        by_key: &sharded::HashMap<&str, Vec<&ReleaseView>>,
    ) -> io::Result<(usize, usize)> {
        let t = cx.t();
        let lang = cx.lang;
        let site_title = self.content.config.site.title(lang);
        cx.views.par_iter().try_for_each(|v| {
            let versions: Vec<u64> = v
                .translation_key
                .as_deref()
                .and_then(|k| by_key.get(k))
                .map(|vs| vs.iter().map(|t| t.fingerprint).collect())
                .unwrap_or_default();
            self.emit(
                &format!("{}index.html", v.rel_path),
                (v.fingerprint, versions),
                || self.release_page(cx, v, by_key),
            )
        })?;
        let mut pages = cx.views.len();
        let index = Urls::lang_index(lang);
        pages += self.list_pages(cx, &index, t.releases, &cx.listed, None)?;
        let feed_rel = format!("{lang}/feed.xml");
        let spec = self.feed_spec(cx, &feed_rel, site_title.to_string(), &index);
        self.emit(&feed_rel, (&spec.title, fingerprints(&cx.views)), || {
            feed::render(&spec, &cx.views, &cx.feed_items)
        })?;

        let tag_results: Vec<io::Result<usize>> = cx
            .tags
            .par_iter()
            .map(|(slug, (name, views))| {
                let rel = Urls::tag(lang, slug);
                let feed_rel = format!("{rel}feed.xml");
                let title = format!("{} – {name}", site_title);
                let spec = self.feed_spec(cx, &feed_rel, title.clone(), &rel);
                self.emit(&feed_rel, (&spec.title, fingerprints(views)), || {
                    feed::render(&spec, views, &cx.feed_items)
                })?;
                let feed = FeedLink {
                    title,
                    href: self.urls.path(&feed_rel),
                };
                self.list_pages(
                    cx,
                    &rel,
                    &format!("{}: {name}", t.releases_tagged),
                    views,
                    Some(feed),
                )
            })
            .collect();
        for r in tag_results {
            pages += r?;
        }
        // The keyword index.
        let tags_rel = Urls::keywords(lang);
        let counts: Vec<(&str, &str, usize)> = cx
            .tags
            .iter()
            .map(|(slug, (name, views))| (*slug, *name, views.len()))
            .collect();
        self.emit(&format!("{tags_rel}index.html"), counts, || {
            self.keyword_index(cx, &tags_rel)
        })?;
        pages += self.archive_and_search(cx)?;
        Ok((pages + 1, 1 + cx.tags.len()))
    }

    /// The language's archive (a page per year, paginated) and its search
    /// page with the search index it reads (`/{lang}/search/fragments/`,
    /// see [`search`]);
    /// returns how many pages.
    fn archive_and_search(&self, cx: &'a LangCtx<'a>) -> io::Result<usize> {
        use chrono::Datelike;
        let (t, lang) = (cx.t(), cx.lang);
        let tz = self.content.config.site.timezone;
        let mut years: BTreeMap<i32, Vec<&ReleaseView>> = BTreeMap::new();
        for v in &cx.views {
            years
                .entry(v.date.with_timezone(&tz).year())
                .or_default()
                .push(v);
        }
        let mut pages = 0;
        for (year, views) in &years {
            let rel = Urls::archive(lang, *year);
            pages += self.list_pages(cx, &rel, &format!("{} {year}", t.archive), views, None)?;
        }
        let dir = Urls::search_fragments(lang);
        let index = format!("{dir}index.json");
        let counts: Vec<(i32, usize)> = years.iter().map(|(y, v)| (*y, v.len())).collect();
        let rel = Urls::search(lang);
        self.emit(&format!("{rel}index.html"), &counts, || {
            let site_title = self.content.config.site.title(lang);
            let mut page = self.layout(cx, format!("{} – {site_title}", t.search), &rel);
            page.description = t.search_label.to_string();
            self.page(
                "site/search.html",
                &SearchPage {
                    page,
                    index: self.urls.path(&index),
                    script: self.urls.path("search.js"),
                    years: counts
                        .iter()
                        .rev()
                        .map(|(y, n)| LinkView {
                            name: format!("{y} ({n})"),
                            href: self.urls.path(&Urls::archive(lang, *y)),
                        })
                        .collect(),
                },
            )
        })?;
        Ok(pages + 1)
    }

    /// The sitemap: `sitemap.xml` is an index of `sitemap-pages.xml` (the
    /// front page, each language's index, keyword index and keyword pages,
    /// and the standing pages) and one file per year of releases
    /// (`sitemap-2026.xml`: every release page of that year, with its
    /// language versions), each with the day it last changed. A new
    /// release changes its year's file and the index; the other years'
    /// files keep their bytes, and are not made again. A file over
    /// [`SITEMAP_MAX_URLS`] addresses continues in `sitemap-2026-2.xml`, ….
    fn sitemap(
        &self,
        contexts: &[LangCtx<'a>],
        by_key: &sharded::HashMap<&str, Vec<&ReleaseView>>,
    ) -> io::Result<()> {
        let versions = |v: &ReleaseView| -> &[&ReleaseView] {
            v.translation_key
                .as_deref()
                .and_then(|k| by_key.get(k))
                .filter(|vs| vs.len() > 1)
                .map_or(&[], Vec::as_slice)
        };
        let mut years: BTreeMap<&str, Vec<&ReleaseView>> = BTreeMap::new();
        for cx in contexts {
            for v in &cx.views {
                years
                    .entry(v.date_iso.get(..4).unwrap_or("0000"))
                    .or_default()
                    .push(v);
            }
        }
        let mut files = vec![];
        // The pages: changed when a language's newest release day, a
        // keyword or a standing page changes.
        let newest: Vec<Option<&str>> = contexts
            .iter()
            .map(|cx| cx.views.first().and_then(|v| v.date_iso.get(..10)))
            .collect();
        let pages: Vec<_> = self
            .content
            .pages
            .iter()
            .map(|p| (&p.lang, &p.slug))
            .collect();
        let count = 1 + contexts.iter().map(|cx| 2 + cx.tags.len()).sum::<usize>() + pages.len();
        let inputs = (
            contexts
                .iter()
                .map(|cx| (cx.lang, cx.tags.keys().collect::<Vec<_>>()))
                .collect::<Vec<_>>(),
            &newest,
            &pages,
        );
        let lastmod = newest.iter().flatten().max().map(|d| d.to_string());
        files.extend(
            self.sitemap_files("sitemap-pages", count, inputs, &lastmod, || {
                self.sitemap_page_urls(contexts)
            })?,
        );
        for (year, views) in &years {
            // What the year's file says of each release: its address, the
            // day it last changed, and its versions' addresses.
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for v in views {
                (&v.url, sitemap_day(v)).hash(&mut h);
                for t in versions(v) {
                    (&t.lang, &t.url).hash(&mut h);
                }
                // Where one release's versions end.
                0xffu8.hash(&mut h);
            }
            let inputs = h.finish();
            let lastmod = views
                .iter()
                .filter_map(|v| sitemap_day(v))
                .max()
                .map(str::to_string);
            let name = format!("sitemap-{year}");
            files.extend(
                self.sitemap_files(&name, views.len(), inputs, &lastmod, || {
                    views
                        .iter()
                        .map(|v| SitemapUrl {
                            loc: v.url.clone(),
                            lastmod: sitemap_day(v).map(str::to_string),
                            alternates: versions(v)
                                .iter()
                                .map(|t| Alternate {
                                    lang: t.lang.to_string(),
                                    href: t.url.clone(),
                                })
                                .collect(),
                        })
                        .collect()
                })?,
            );
        }
        self.emit("sitemap.xml", &files, || {
            Ok(sitemap_index(files.iter().map(|(rel, lastmod)| {
                (self.urls.abs(rel), lastmod.as_deref())
            })))
        })
    }

    /// The sitemap files `NAME.xml`, `NAME-2.xml`, … of `count` addresses
    /// made by `urls`, whose content is known by `inputs`; each made only
    /// when `inputs` changed. Returns each file with the day it last
    /// changed (`lastmod`).
    fn sitemap_files(
        &self,
        name: &str,
        count: usize,
        inputs: impl Hash,
        lastmod: &Option<String>,
        urls: impl FnOnce() -> Vec<SitemapUrl>,
    ) -> io::Result<Vec<(String, Option<String>)>> {
        let parts = count.div_ceil(self.sitemap_max).max(1);
        let made = std::cell::OnceCell::new();
        let mut urls = Some(urls);
        let mut files = vec![];
        for i in 0..parts {
            let rel = match i {
                0 => format!("{name}.xml"),
                _ => format!("{name}-{}.xml", i + 1),
            };
            self.emit(&rel, (&inputs, i, parts, self.sitemap_max), || {
                let all = made.get_or_init(|| urls.take().map(|f| f()).unwrap_or_default());
                let from = (i * self.sitemap_max).min(all.len());
                let to = ((i + 1) * self.sitemap_max).min(all.len());
                self.page(
                    "site/sitemap.xml",
                    &Sitemap {
                        urls: &all[from..to],
                    },
                )
            })?;
            files.push((rel, lastmod.clone()));
        }
        Ok(files)
    }

    /// The addresses of `sitemap-pages.xml`, in order.
    fn sitemap_page_urls(&self, contexts: &[LangCtx<'a>]) -> Vec<SitemapUrl> {
        let plain = |rel: &str| SitemapUrl {
            loc: self.urls.abs(rel),
            lastmod: None,
            alternates: vec![],
        };
        let mut urls = vec![plain("")];
        for cx in contexts {
            urls.push(SitemapUrl {
                alternates: contexts
                    .iter()
                    .map(|c| Alternate {
                        lang: c.lang.to_string(),
                        href: self.urls.abs(&Urls::lang_index(c.lang)),
                    })
                    .collect(),
                lastmod: cx
                    .views
                    .first()
                    .and_then(|v| v.date_iso.get(..10))
                    .map(str::to_string),
                ..plain(&Urls::lang_index(cx.lang))
            });
            urls.push(plain(&Urls::keywords(cx.lang)));
            urls.extend(cx.tags.keys().map(|slug| plain(&Urls::tag(cx.lang, slug))));
            for p in self.content.pages.iter().filter(|p| &p.lang == cx.lang) {
                urls.push(plain(&p.rel()));
            }
        }
        urls
    }

    /// The language's standing pages (`pages/NAME.LANG.md`); returns how
    /// many.
    fn standing_pages(&self, cx: &'a LangCtx<'a>) -> io::Result<usize> {
        let mut n = 0;
        for p in self.content.pages.iter().filter(|p| &p.lang == cx.lang) {
            let rel = p.rel();
            // The same page in the other languages (`contacts.sv.md`).
            let versions: Vec<&crate::content::standing::Page> = self
                .content
                .pages
                .iter()
                .filter(|o| o.name == p.name && o.lang != p.lang)
                .collect();
            self.emit(&format!("{rel}index.html"), (p, &versions), || {
                let site_title = self.content.config.site.title(cx.lang);
                let mut page = self.layout(cx, format!("{} – {site_title}", p.title), &rel);
                let targets: BTreeMap<&Lang, (String, String)> = versions
                    .iter()
                    .map(|o| (&o.lang, (self.urls.path(&o.rel()), o.title.clone())))
                    .collect();
                page.lang_links = self.lang_links(cx.lang, &targets);
                if !versions.is_empty() {
                    page.alternates = std::iter::once(p)
                        .chain(versions.iter().copied())
                        .map(|o| Alternate {
                            lang: o.lang.to_string(),
                            href: self.urls.abs(&o.rel()),
                        })
                        .collect();
                }
                page.description = markdown::first_paragraph(&p.body);
                self.page(
                    "site/page.html",
                    &StandingPage {
                        page,
                        title: &p.title,
                        body: Html::pair_from_markdown(&p.body, self.urls.base(), &self.hidden).0,
                    },
                )
            })?;
            n += 1;
        }
        Ok(n)
    }

    /// The page left at the address of each release of `cx`'s language
    /// withdrawn by now: its title, and when it was withdrawn. Nothing else
    /// of it stays on the site (its text, picture, feeds and indexes go).
    fn withdrawn_pages(&self, cx: &'a LangCtx<'a>) -> io::Result<usize> {
        let mut n = 0;
        for r in self.content.releases.iter().map(Arc::as_ref).filter(|r| {
            &r.lang == cx.lang
                && r.publication.web
                && !r.publication.draft
                && r.is_withdrawn(self.now)
        }) {
            let Some(at) = r.publication.withdrawn else {
                continue;
            };
            let rel = Urls::release(&r.lang, r.slug.as_str());
            let when =
                crate::i18n::format_date_time(&at, cx.lang, self.content.config.site.timezone);
            let note = format!("{}: {when}.", cx.t().withdrawn_note);
            self.emit(&format!("{rel}index.html"), (&r.title, &note), || {
                let site_title = self.content.config.site.title(cx.lang);
                let mut page = self.layout(cx, format!("{} – {site_title}", r.title), &rel);
                page.description.clone_from(&note);
                self.page(
                    "site/page.html",
                    &StandingPage {
                        page,
                        title: &r.title,
                        body: Html::pair_from_markdown(&note, self.urls.base(), &self.hidden).0,
                    },
                )
            })?;
            n += 1;
        }
        Ok(n)
    }

    /// The list of a language's keywords, each with its count.
    fn keyword_index(&self, cx: &'a LangCtx<'a>, tags_rel: &str) -> io::Result<String> {
        let (t, lang) = (cx.t(), cx.lang);
        let site_title = self.content.config.site.title(lang);
        let mut page = self.layout(cx, format!("{} – {site_title}", t.all_keywords), tags_rel);
        page.description = t.all_keywords.to_string();
        self.page(
            "site/keywords.html",
            &KeywordsPage {
                page,
                keywords: cx
                    .tags
                    .iter()
                    .map(|(slug, (name, views))| LinkView {
                        name: format!("{name} ({})", views.len()),
                        href: self.urls.path(&Urls::tag(lang, slug)),
                    })
                    .collect(),
            },
        )
    }
}

/// A layout for pages outside the built site (the subscription pages):
/// `lang_href` gives each language's version of the page.
pub fn standalone_layout<'a>(
    config: &'a crate::config::Config,
    lang: &'a Lang,
    org: &'a OrgView,
    title: String,
    rel: &str,
    lang_href: impl Fn(&Lang) -> String,
) -> Layout<'a> {
    let site = &config.site;
    let full = format!("{title} – {}", site.title(lang));
    let mut page = Layout::new(config, &Urls::new(config), lang, org, full, rel);
    page.og_title = title;
    page.lang_links = site
        .languages
        .iter()
        .map(|l| LangLink {
            lang: l.to_string(),
            name: i18n::strings(l).language_name.to_string(),
            href: lang_href(l),
            title: site.title(l).to_string(),
            current: l == lang,
        })
        .collect();
    page
}

impl<'a> Layout<'a> {
    /// What every page of `lang` has: titles, links, feed, locales; no
    /// language switcher, no preview script.
    fn new(
        config: &'a crate::config::Config,
        urls: &Urls,
        lang: &'a Lang,
        org: &'a OrgView,
        title: String,
        rel: &str,
    ) -> Self {
        let site = &config.site;
        Layout {
            lang: lang.as_str(),
            t: i18n::strings(lang),
            title,
            site_title: site.title(lang),
            description: String::new(),
            canonical: urls.abs(rel),
            alternates: vec![],
            feed: Some(FeedLink {
                title: format!("{} – {}", site.title(lang), i18n::strings(lang).feed),
                href: urls.path(&format!("{lang}/feed.xml")),
            }),
            base: urls.base().path().to_string(),
            home: urls.path(&Urls::lang_index(lang)),
            lang_links: vec![],
            org,
            subscribe: urls.path(&Urls::subscribe(lang)),
            keywords: urls.path(&Urls::keywords(lang)),
            search: urls.path(&Urls::search(lang)),
            og_type: "website",
            og_title: site.title(lang).to_string(),
            locale: og_locale(lang, site),
            locale_alternates: site
                .languages
                .iter()
                .filter(|l| *l != lang)
                .map(|l| og_locale(l, site))
                .collect(),
            image: None,
            live_reload: false,
        }
    }
}

impl<'a> LangCtx<'a> {
    /// The context of `lang`, with no releases yet.
    fn new(config: &crate::config::Config, lang: &'a Lang, urls: &Urls) -> Self {
        let org = OrgView::new(config, lang, urls);
        let about = feed::About {
            heading: org.about_heading.clone(),
            html: org.about.clone(),
        };
        Self {
            lang,
            org,
            views: vec![],
            listed: vec![],
            tags: BTreeMap::new(),
            feed_items: feed::Items::new(urls.base().host_str().unwrap_or_default(), about),
        }
    }

    fn t(&self) -> &'static Strings {
        i18n::strings(self.lang)
    }
}

/// Why the public cannot see `r` at `now`, in its language, if it cannot.
fn preview_banner(
    r: &crate::release::Release,
    v: &ReleaseView,
    now: DateTime<Utc>,
) -> Option<String> {
    let t = v.t;
    if r.publication.draft {
        Some(t.draft_banner.to_string())
    } else if r.publication.date > now {
        Some(format!("{} {}", t.embargo_banner, v.date_text))
    } else {
        None
    }
}

/// Renders the whole site as seen at `now` (embargoed and draft releases
/// left out, unless the content is a writer's preview).
pub fn render(
    content: &Content,
    now: DateTime<Utc>,
    out: &dyn Output,
    memo: Option<&Memo>,
) -> io::Result<Summary> {
    render_with(content, now, out, memo, SITEMAP_MAX_URLS)
}

/// As [`render`], with at most `sitemap_max` addresses per sitemap file.
fn render_with(
    content: &Content,
    now: DateTime<Utc>,
    out: &dyn Output,
    memo: Option<&Memo>,
    sitemap_max: usize,
) -> io::Result<Summary> {
    let config = &content.config;
    let urls = Urls::new(config);
    let hidden = content.unpublished(now);
    let views = release_views(content, now, &urls, &hidden, memo);
    let mut by_key: sharded::HashMap<&str, Vec<&ReleaseView>> = sharded::HashMap::default();
    for v in views.iter().map(Arc::as_ref) {
        if let Some(k) = &v.translation_key {
            by_key.entry(k.as_str()).or_default().push(v);
        }
    }
    let site = Site {
        content,
        sitemap_max,
        urls: urls.clone(),
        now,
        memo,
        out,
        hidden: hidden.clone(),
    };

    let all_views: Vec<&ReleaseView> = views.iter().map(Arc::as_ref).collect();
    // Each language's views and keywords, in one pass over the views.
    let languages = &config.site.languages;
    let mut mine: Vec<Vec<&ReleaseView>> = vec![vec![]; languages.len()];
    let mut tags: Vec<sharded::HashMap<&str, (&str, Vec<&ReleaseView>)>> =
        vec![Default::default(); languages.len()];
    for v in views.iter().map(Arc::as_ref) {
        let Some(i) = languages.iter().position(|l| *l == v.lang) else {
            continue;
        };
        mine[i].push(v);
        for (slug, t) in v.tag_slugs.iter().zip(&v.tags) {
            tags[i]
                .entry(slug.as_str())
                .or_insert_with(|| (t.name.as_str(), vec![]))
                .1
                .push(v);
        }
    }
    // A release with no version in a language is listed there too.
    let versions_in = |v: &ReleaseView, lang: &Lang| {
        v.translation_key
            .as_deref()
            .and_then(|k| by_key.get(k))
            .is_some_and(|vs| vs.iter().any(|t| &t.lang == lang))
    };
    let contexts: Vec<LangCtx<'_>> = languages
        .iter()
        .zip(mine.into_iter().zip(tags))
        .map(|(lang, (views, tags))| LangCtx {
            listed: if languages.len() > 1 {
                all_views
                    .iter()
                    .copied()
                    .filter(|v| &v.lang == lang || !versions_in(v, lang))
                    .collect()
            } else {
                views.clone()
            },
            views,
            tags: tags.into_iter().collect(),
            ..LangCtx::new(config, lang, &urls)
        })
        .collect();

    let mut summary = Summary {
        releases: views.len(),
        languages: contexts.len(),
        ..Default::default()
    };
    let default = contexts
        .iter()
        .find(|c| c.lang == &config.site.default_lang)
        .expect("default language is one of the languages");
    let languages = site.every_language(&contexts, default, &by_key)?;
    for ((pages, feeds), cx) in languages.into_iter().zip(&contexts) {
        summary.pages += pages;
        summary.feeds += feeds;
        summary.tags += cx.tags.len();
    }
    let robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        urls.abs("sitemap.xml")
    );
    out.write("robots.txt", robots.as_bytes())?;
    out.write("style.css", stylesheet(config).as_bytes())?;
    out.write("favicon.svg", super::favicon_svg(config).as_bytes())?;
    out.write(
        "search.js",
        config.theme.static_file("site/search.js").as_bytes(),
    )?;
    summary.pages += 2 + contexts.len();
    Ok(summary)
}

/// The view of every release on the web at `now`, rendered on every core
/// (from `memo` when the release and its embargo state are unchanged).
fn release_views(
    content: &Content,
    now: DateTime<Utc>,
    urls: &Urls,
    hidden: &crate::markdown::Unpublished,
    memo: Option<&Memo>,
) -> Vec<Arc<ReleaseView>> {
    let config = &content.config;
    let dir = config.releases_dir();
    let links = crate::markdown::Links::site(urls.base().path(), crate::release::page_of_file);
    // What the bodies of views read back from the cache are rendered from.
    let base = Arc::new(urls.base().clone());
    let shared_hidden = Arc::new(hidden.clone());
    content
        .shared_on_web(now)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|r| {
            // What the view depends on beyond the file: whether it is still
            // under embargo (its banner), and which of the pages its text
            // links to are not out (a link to one is its text alone), so
            // that an embargo ending changes the views that link to that
            // release, not every view.
            let hidden_links: Vec<bool> = r
                .source
                .local_links
                .iter()
                .map(|dest| hidden.hides(dest, &links))
                .collect();
            let key = fingerprint((
                r.source.fingerprint,
                r.publication.date > now,
                content.show_unpublished,
                hidden_links,
            ));
            let make = || {
                let mut v = ReleaseView::new(r, config, urls, &dir, hidden);
                v.fingerprint = key;
                if content.show_unpublished {
                    v.banner = preview_banner(r, &v, now);
                    if r.publication.email {
                        v.email_view = Some(LinkView {
                            name: i18n::preview_strings(&config.site.default_lang)
                                .title
                                .to_string(),
                            href: urls.path(&Urls::email_view(r)),
                        });
                    }
                }
                v
            };
            match memo {
                Some(m) => {
                    let v = m.view(r, key, make);
                    v.bind_bodies(r, &base, &shared_hidden);
                    v
                }
                None => Arc::new(make()),
            }
        })
        .collect()
}

/// Renders nothing: the single pages of [`release_preview`] are returned.
struct Nowhere;

impl Output for Nowhere {
    fn write(&self, _rel: &str, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// The web page of `r` alone, as a writer's preview shows it at `now`
/// (with the banner that says why the public cannot see it yet), linked to
/// its other language versions in `content`. `r` need not be in `content`:
/// the desk previews a form's text before it is saved.
pub fn release_preview(content: &Content, r: &Release, now: DateTime<Utc>) -> io::Result<String> {
    let config = &content.config;
    let urls = Urls::new(config);
    let hidden = content.unpublished(now);
    let dir = config.releases_dir();
    let mut v = ReleaseView::new(r, config, &urls, &dir, &hidden);
    v.banner = preview_banner(r, &v, now);
    let others: Vec<ReleaseView> = r
        .translation_key
        .as_deref()
        .map(|key| {
            content
                .releases
                .iter()
                .filter(|t| t.lang != r.lang && t.translation_key.as_deref() == Some(key))
                .map(|t| ReleaseView::new(t, config, &urls, &dir, &hidden))
                .collect()
        })
        .unwrap_or_default();
    let mut by_key: sharded::HashMap<&str, Vec<&ReleaseView>> = sharded::HashMap::default();
    if let Some(key) = v.translation_key.as_deref() {
        by_key.insert(key, std::iter::once(&v).chain(&others).collect());
    }
    let cx = LangCtx::new(config, &r.lang, &urls);
    let site = Site {
        content,
        sitemap_max: SITEMAP_MAX_URLS,
        urls: urls.clone(),
        now,
        memo: None,
        out: &Nowhere,
        hidden,
    };
    site.release_page(&cx, &v, &by_key)
}

impl Site<'_> {
    /// The front page: a language choice, or the only language's index.
    fn front_page(&self, contexts: &[LangCtx<'_>], default: &LangCtx<'_>) -> io::Result<()> {
        let mut page = self.layout(
            default,
            self.content.config.site.title(default.lang).to_string(),
            "",
        );
        page.alternates = contexts
            .iter()
            .map(|c| Alternate {
                lang: c.lang.to_string(),
                href: self.urls.abs(&Urls::lang_index(c.lang)),
            })
            .collect();
        let site = &self.content.config.site;
        if let Some(d) = &site.description {
            page.description = d.get(default.lang, &site.default_lang).to_string();
        }
        let html = if contexts.len() > 1 {
            let choices = self.lang_links(default.lang, &BTreeMap::new());
            page.lang_links = vec![];
            self.page("site/languages.html", &LanguagesPage { page, choices })?
        } else {
            let items = default
                .views
                .iter()
                .take(self.content.config.site.page_size)
                .map(|v| ListItem {
                    title: &v.title,
                    href: self.urls.path(&v.rel_path),
                    date_iso: &v.date_iso,
                    date_text: &v.date_text,
                    lead: &v.lead,
                    other_lang: None,
                })
                .collect();
            self.page(
                "site/list.html",
                &ListPage {
                    page,
                    heading: default.t().releases.to_string(),
                    items,
                    pagination: None,
                },
            )?
        };
        self.out.write("index.html", html.as_bytes())?;
        Ok(())
    }

    /// A not-found page per language (the server answers a missing page
    /// under /sv/ with the Swedish one), and one at the root that speaks
    /// every language.
    fn not_found_pages(&self, contexts: &[LangCtx<'_>], default: &LangCtx<'_>) -> io::Result<()> {
        // A not-found page per language (the server answers a missing page
        // under /sv/ with the Swedish one), and one at the root that speaks
        // every language.
        for cx in contexts {
            let rel = format!("{}/404.html", cx.lang);
            let page = self.layout(cx, cx.t().not_found.to_string(), &rel);
            let html = self.page("site/not_found.html", &NotFoundPage { page })?;
            self.out.write(&rel, html.as_bytes())?;
        }
        let html = if contexts.len() > 1 {
            let mut page = self.layout(default, String::new(), "404.html");
            let all: Vec<NotFoundChoice> = contexts
                .iter()
                .map(|c| NotFoundChoice {
                    lang: c.lang.as_str(),
                    t: c.t(),
                    home: self.urls.path(&Urls::lang_index(c.lang)),
                })
                .collect();
            page.title = all
                .iter()
                .map(|c| c.t.not_found)
                .collect::<Vec<_>>()
                .join(" / ");
            page.lang_links = vec![];
            self.page("site/not_found_all.html", &NotFoundAllPage { page, all })?
        } else {
            let page = self.layout(default, default.t().not_found.to_string(), "404.html");
            self.page("site/not_found.html", &NotFoundPage { page })?
        };
        self.out.write("404.html", html.as_bytes())?;
        Ok(())
    }
}

/// The Open Graph locale of `lang` on this site (`fi_FI`, `sv_SE`): the
/// country from the site's time zone, for the Nordic ones.
fn og_locale(lang: &Lang, site: &crate::config::Site) -> String {
    let country = match site.timezone.name() {
        "Europe/Helsinki" | "Europe/Mariehamn" => Some("FI"),
        "Europe/Stockholm" => Some("SE"),
        "Europe/Oslo" => Some("NO"),
        "Europe/Copenhagen" => Some("DK"),
        "Atlantic/Reykjavik" => Some("IS"),
        _ => None,
    };
    match country {
        Some(c) => format!("{lang}_{c}"),
        None => lang.to_string(),
    }
}

/// The site's stylesheet (the pressroom's own `templates/site/style.css`
/// when it has one), with the organisation's colours when `[site.colors]`
/// gives them.
pub fn stylesheet(config: &crate::config::Config) -> std::borrow::Cow<'_, str> {
    let css = config.theme.static_file("site/style.css");
    match &config.site.colors {
        Some(c) => format!("{css}{}", c.css()).into(),
        None => css.into(),
    }
}

/// A sitemap index: the addresses of the sitemap files, each with the
/// day it last changed when known.
fn sitemap_index<'a>(files: impl Iterator<Item = (String, Option<&'a str>)>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in files {
        let loc =
            askama::filters::escape(&loc, askama::filters::Html).expect("escaping cannot fail");
        xml.push_str(&format!("<sitemap><loc>{loc}</loc>"));
        if let Some(day) = lastmod {
            xml.push_str(&format!("<lastmod>{day}</lastmod>"));
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    xml
}

/// `page` rendered with the template `name`: the built-in, or the
/// pressroom's own when `templates/` replaces it. A failure names the
/// template file and line.
pub fn render_page<T: Template + Serialize>(
    config: &crate::config::Config,
    name: &str,
    page: &T,
) -> io::Result<String> {
    config.theme.render(name, page).map_err(io::Error::other)
}

/// The fingerprints of `views`, in order.
fn fingerprints(views: &[&ReleaseView]) -> Vec<u64> {
    views.iter().map(|v| v.fingerprint).collect()
}

/// The day a release last changed, as the sitemap gives it (`YYYY-MM-DD`):
/// its `updated:` day, else its publication day.
fn sitemap_day(v: &ReleaseView) -> Option<&str> {
    v.updated.as_ref().map_or(&v.date_iso, |u| &u.iso).get(..10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Memory(Mutex<BTreeMap<String, String>>);

    impl Output for Memory {
        fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
            let text = String::from_utf8(bytes.to_vec()).map_err(io::Error::other)?;
            self.0.lock().unwrap().insert(rel.to_string(), text);
            Ok(())
        }
    }

    /// The sample pressroom, and the time it is rendered at.
    fn sample() -> (Content, DateTime<Utc>) {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let now = DateTime::parse_from_rfc3339("2026-11-22T08:00:00+02:00")
            .unwrap()
            .to_utc();
        (Content::load(&root).unwrap(), now)
    }

    /// The files a render of `content` through `memo` writes.
    fn render_round(
        memo: &Memo,
        content: &Content,
        now: DateTime<Utc>,
    ) -> BTreeMap<String, String> {
        let out = Memory::default();
        memo.begin();
        render(content, now, &out, Some(memo)).unwrap();
        memo.sweep();
        out.0.into_inner().unwrap()
    }

    /// The sitemap says where each release is and when it last changed,
    /// not what it says: an edit of a text leaves it as it was (it is not
    /// made again), a new `updated:` date changes its year's file and the
    /// index, and leaves the other files as they were.
    #[test]
    fn an_edited_text_leaves_the_sitemap_and_a_new_date_changes_its_year() {
        let (mut content, now) = sample();
        let memo = Memo::default();
        let render_round = |content: &Content| render_round(&memo, content, now);
        let first = render_round(&content);
        for file in ["sitemap.xml", "sitemap-pages.xml", "sitemap-2026.xml"] {
            assert!(first.contains_key(file), "{file}: {:?}", first.keys());
        }
        let i = content
            .releases
            .iter()
            .position(|r| r.is_published(now) && r.publication.web)
            .unwrap();
        let mut edited = (*content.releases[i]).clone();
        edited.body.push_str("\n\nOne more paragraph.\n");
        edited.source.fingerprint ^= 1;
        content.releases[i] = Arc::new(edited.clone());
        let written = render_round(&content);
        assert!(
            written
                .keys()
                .any(|k| k.ends_with(&format!("{}/index.html", edited.slug))),
            "{:?}",
            written.keys()
        );
        assert!(
            !written.keys().any(|k| k.starts_with("sitemap")),
            "{:?}",
            written.keys()
        );
        edited.publication.updated = Some(now);
        edited.source.fingerprint ^= 2;
        content.releases[i] = Arc::new(edited);
        let written = render_round(&content);
        assert!(written["sitemap-2026.xml"].contains("<lastmod>2026-11-22</lastmod>"));
        assert!(written["sitemap.xml"].contains(
            "<loc>https://tiedotteet.kaislamaa.example.org/sitemap-2026.xml</loc><lastmod>2026-11-22</lastmod>"
        ));
        assert!(
            !written.contains_key("sitemap-pages.xml"),
            "{:?}",
            written.keys()
        );
    }

    /// A release of another year added: its year gets a file of its own,
    /// and the files of the years it is not in are not made again.
    #[test]
    fn a_release_of_a_new_year_leaves_the_other_years_as_they_were() {
        let (mut content, now) = sample();
        let memo = Memo::default();
        let render_round = |content: &Content| render_round(&memo, content, now);
        render_round(&content);
        let i = content
            .releases
            .iter()
            .position(|r| r.is_published(now) && r.publication.web && r.translation_key.is_none())
            .unwrap();
        let mut old = (*content.releases[i]).clone();
        old.slug = crate::release::Slug::parse("an-older-one").unwrap();
        old.publication.date = DateTime::parse_from_rfc3339("2025-03-04T10:00:00+02:00")
            .unwrap()
            .to_utc();
        old.publication.updated = None;
        old.source.path = old
            .source
            .path
            .with_file_name("2025-03-04-an-older-one.fi.md");
        old.source.fingerprint ^= 4;
        content.releases.push(Arc::new(old));
        let written = render_round(&content);
        let year = &written["sitemap-2025.xml"];
        assert!(
            year.contains("/an-older-one/</loc><lastmod>2025-03-04</lastmod>"),
            "{year}"
        );
        assert!(
            !written.contains_key("sitemap-2026.xml"),
            "{:?}",
            written.keys()
        );
        let index = &written["sitemap.xml"];
        assert!(
            index.contains("/sitemap-2025.xml</loc><lastmod>2025-03-04</lastmod>"),
            "{index}"
        );
        assert!(index.contains("/sitemap-2026.xml</loc>"), "{index}");
    }

    /// A release added to a language's search index makes its word
    /// fragments and manifest again, and of its release fragments only the
    /// last (releases are numbered from the oldest): the others are not
    /// made again. What is made is what a render from nothing makes.
    #[test]
    fn a_new_release_makes_the_last_release_fragment_of_its_index_and_no_other() {
        let (mut content, now) = sample();
        let fi = Lang::parse("fi").unwrap();
        let model = content
            .releases
            .iter()
            .find(|r| r.lang == fi && r.is_published(now) && r.publication.web)
            .map(|r| (**r).clone())
            .unwrap();
        let copy = |n: usize, date: &str| {
            let mut r = model.clone();
            r.slug = crate::release::Slug::parse(&format!("copy-{n}")).unwrap();
            r.translation_key = None;
            r.publication.date = DateTime::parse_from_rfc3339(date).unwrap().to_utc();
            r.publication.updated = None;
            r.file_date = r.publication.date.date_naive();
            r.source.path = r
                .source
                .path
                .with_file_name(format!("{}-copy-{n}.fi.md", &date[..10]));
            r.source.fingerprint ^= 1 << n;
            Arc::new(r)
        };
        // Newest first, as a load sorts them.
        let newest_first = |content: &mut Content| {
            content.releases.sort_by(|a, b| {
                b.publication
                    .date
                    .cmp(&a.publication.date)
                    .then_with(|| a.slug.cmp(&b.slug))
            });
        };
        for n in 0..3 * search::RELEASES_PER_FRAGMENT {
            content
                .releases
                .push(copy(n, &format!("2025-01-{:02}T10:00:00+02:00", n + 1)));
        }
        newest_first(&mut content);
        let memo = Memo::default();
        let first = render_round(&memo, &content, now);
        let fragments = |files: &BTreeMap<String, String>| -> Vec<String> {
            files
                .keys()
                .filter_map(|k| k.strip_prefix("fi/search/fragments/"))
                .map(str::to_string)
                .collect()
        };
        let releases = |names: &[String]| names.iter().filter(|n| n.starts_with('r')).count();
        let made_first = fragments(&first);
        let count = releases(&made_first);
        assert!(count >= 4, "{made_first:?}");

        content.releases.push(copy(40, "2026-11-22T07:00:00+02:00"));
        newest_first(&mut content);
        let second = render_round(&memo, &content, now);
        let made = fragments(&second);
        assert!(made.contains(&"index.json".to_string()), "{made:?}");
        assert!(made.iter().any(|n| n.starts_with('w')), "{made:?}");
        // The last release fragment, or (when it was full) one after it.
        let made_releases: Vec<&String> = made.iter().filter(|n| n.starts_with('r')).collect();
        let last = [format!("r{}.json", count - 1), format!("r{count}.json")];
        assert!(
            made_releases.len() == 1 && last.contains(made_releases[0]),
            "{made:?}"
        );
        assert_ne!(
            first["fi/search/fragments/index.json"],
            second["fi/search/fragments/index.json"]
        );

        let whole = Memory::default();
        render(&content, now, &whole, None).unwrap();
        let whole = whole.0.into_inner().unwrap();
        for name in &made {
            let rel = format!("fi/search/fragments/{name}");
            assert_eq!(second[&rel], whole[&rel], "{rel}");
        }
    }

    /// The addresses of every sitemap file the index names, in order.
    fn sitemap_addresses(files: &BTreeMap<String, String>) -> Vec<String> {
        let mut all = vec![];
        for loc in files["sitemap.xml"].split("<loc>").skip(1) {
            let url = &loc[..loc.find("</loc>").unwrap()];
            let part = &files[url.rsplit('/').next().unwrap()];
            let n = part.matches("<url>").count();
            assert!(n > 0, "{url} is empty");
            all.extend(
                part.split("<url><loc>")
                    .skip(1)
                    .map(|u| u[..u.find("</loc>").unwrap()].to_string()),
            );
        }
        all
    }

    #[test]
    fn a_sitemap_file_over_the_limit_continues_in_another() {
        let (content, now) = sample();
        let whole = Memory::default();
        render(&content, now, &whole, None).unwrap();
        let whole = whole.0.into_inner().unwrap();
        let all = sitemap_addresses(&whole);
        assert!(all.len() > 10, "{}", all.len());
        assert!(!whole.contains_key("sitemap-2026-2.xml"));

        let split = Memory::default();
        render_with(&content, now, &split, None, 4).unwrap();
        let split = split.0.into_inner().unwrap();
        for (name, part) in split.iter().filter(|(k, _)| k.starts_with("sitemap-")) {
            let n = part.matches("<url>").count();
            assert!(n <= 4 && n > 0, "{name}: {n}");
        }
        assert!(
            split.contains_key("sitemap-2026-2.xml"),
            "{:?}",
            split.keys()
        );
        assert!(
            split.contains_key("sitemap-pages-2.xml"),
            "{:?}",
            split.keys()
        );
        assert_eq!(
            sitemap_addresses(&split),
            all,
            "every address is in one of the files, in the same order"
        );
    }
}
