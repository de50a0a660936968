//! `pressroom.toml`: the site, the organisation, subscriber lists and delivery.
//!
//! Unknown keys are errors with a "did you mean" suggestion; every error names
//! the file, line and column.

mod desk;
mod list_name;
pub mod look;
pub mod relay;

pub use desk::{Claim, DeskConfig, OidcConfig, Scheduler};
pub use list_name::{InvalidListName, ListName};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::diagnostic::{Diagnostic, Diagnostics, line_col};
use crate::i18n::Lang;
use crate::suggest;

/// The configuration file name inside the pressroom root.
pub const CONFIG_FILE: &str = "pressroom.toml";

/// A text given once for every language, or per language.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Localized {
    Same(String),
    PerLang(BTreeMap<String, String>),
}

impl Localized {
    /// The text in `lang` only.
    pub fn get_exact(&self, lang: &Lang) -> Option<&str> {
        match self {
            Localized::Same(s) => Some(s),
            Localized::PerLang(m) => m.get(lang.as_str()).map(String::as_str),
        }
    }

    /// The text in `lang`, else in `fallback`, else any.
    pub fn get(&self, lang: &Lang, fallback: &Lang) -> &str {
        match self {
            Localized::Same(s) => s,
            Localized::PerLang(m) => m
                .get(lang.as_str())
                .or_else(|| m.get(fallback.as_str()))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }

    fn missing_langs<'a>(&self, langs: &'a [Lang]) -> Vec<&'a Lang> {
        match self {
            Localized::Same(_) => vec![],
            Localized::PerLang(m) => langs
                .iter()
                .filter(|l| !m.contains_key(l.as_str()))
                .collect(),
        }
    }
}

/// `pressroom.toml` as written, with the positions of the values that later
/// checks may complain about (`toml::Spanned`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    site: Spanned<RawSite>,
    organization: RawOrganization,
    #[serde(default)]
    lists: BTreeMap<String, Spanned<ListConfig>>,
    #[serde(default)]
    delivery: Option<Spanned<DeliveryConfig>>,
    #[serde(default)]
    subscribers: SubscribersConfig,
    #[serde(default)]
    serve: ServeConfig,
    #[serde(default)]
    bounces: BouncesConfig,
    #[serde(default)]
    desk: Option<Spanned<DeskConfig>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    base_url: Spanned<String>,
    default_lang: Spanned<Lang>,
    languages: Spanned<Vec<Lang>>,
    timezone: Spanned<String>,
    title: Spanned<Localized>,
    description: Option<Localized>,
    #[serde(default = "default_page_size")]
    page_size: usize,
    #[serde(default = "default_feed_items")]
    feed_items: usize,
    #[serde(default)]
    accessibility_statement: Option<Spanned<Localized>>,
    #[serde(default)]
    colors: Option<Spanned<look::RawColors>>,
    #[serde(default)]
    logo: Option<Spanned<look::Logo>>,
    #[serde(default)]
    footer_links: BTreeMap<String, Spanned<Vec<look::FooterLink>>>,
}

fn default_page_size() -> usize {
    20
}
fn default_feed_items() -> usize {
    50
}

/// An absolute `http://` or `https://` address.
fn is_web_address(text: &str) -> bool {
    matches!(Url::parse(text.trim()), Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// What a footer link may point to: a web address, a path on the site
/// (`/fi/…`), or `mailto:`/`tel:`; never `javascript:` or `data:`.
fn is_footer_address(text: &str) -> bool {
    let t = text.trim();
    let on_site = t.starts_with('/') && !t.starts_with("//") && !t.contains(':');
    on_site
        || is_web_address(t)
        || matches!(Url::parse(t), Ok(u) if matches!(u.scheme(), "mailto" | "tel"))
}

/// `[organization]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganization {
    name: Localized,
    #[serde(default)]
    name_genitive: Option<Localized>,
    #[serde(default)]
    privacy_url: Option<Spanned<Localized>>,
    website: Spanned<String>,
    phone: String,
    email: String,
    address: Localized,
    about: Spanned<Localized>,
}

/// The `[organization]` table: who publishes, and the "About" boilerplate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub name: Localized,
    /// The name in the genitive, for languages whose sentences need it
    /// (Finnish: "Vahvista Kaislamaan liiton tiedotteiden tilaus").
    pub name_genitive: Option<Localized>,
    /// The privacy notice (GDPR Art. 13), per language: linked beside the
    /// subscription form's button and in every email's footer.
    pub privacy_url: Option<Localized>,
    pub website: String,
    pub phone: String,
    pub email: String,
    pub address: Localized,
    pub about: Localized,
}

/// A `[lists.NAME]` table: a subscriber list that releases can be emailed to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListConfig {
    pub title: Localized,
    #[serde(default)]
    pub description: Option<Localized>,
    #[serde(default)]
    pub public: bool,
    #[serde(default = "yes")]
    pub double_opt_in: bool,
    #[serde(default)]
    pub source: Option<String>,
}

fn yes() -> bool {
    true
}

/// The `[delivery]` table: how email leaves pressroom.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// `From:`; defaults to the organisation's email. Its display name is
    /// `from_name` in the message's language, else the name written here,
    /// else the organisation's name in the message's language.
    pub from: Option<String>,
    /// The sender's display name per language (`{ fi = "…", sv = "…" }`).
    pub from_name: Option<Localized>,
    pub reply_to: Option<String>,
    /// The base of VERP envelope senders (`bounces@bounce.example.org`):
    /// each message's MAIL FROM becomes `bounces+TAG@…`, so that a bounce
    /// names its journal row. Unset: the From address is the envelope sender.
    pub return_path: Option<String>,
    /// `smtp://host:port` or `smtps://host:port`; empty: write `.eml` files to `outbox`.
    #[serde(default)]
    pub relays: Vec<String>,
    /// Where `.eml` files go when no relay is configured.
    #[serde(default = "default_outbox")]
    pub outbox: String,
    /// A PEM file of extra trusted certificates (for a private relay).
    pub ca_file: Option<String>,
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Most messages per second (0: no limit).
    #[serde(default)]
    pub rate_per_second: u32,
    /// Most messages per hour (0: no limit).
    #[serde(default)]
    pub max_per_hour: u32,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay; it doubles with each attempt (with jitter).
    #[serde(default = "default_retry_delay")]
    pub retry_delay_seconds: f64,
    /// SMTP read/write timeout.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// `publish` emails no release published longer ago than this
    /// (humane syntax: "48h", "3days"); `send` still can, on purpose.
    #[serde(default = "default_max_age")]
    pub max_age: MaxAge,
    /// The relay offers SMTPUTF8 (RFC 6531): addresses with letters outside
    /// ASCII before the '@' may be imported and are sent with it.
    #[serde(default)]
    pub smtputf8: bool,
    /// Permanent refusals in a row that stop a run (0: never stop).
    #[serde(default = "default_max_consecutive_failures")]
    pub max_consecutive_failures: u32,
    pub dkim: Option<DkimConfig>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults deserialise")
    }
}

fn default_outbox() -> String {
    "outbox".into()
}
fn default_concurrency() -> usize {
    4
}
fn default_max_attempts() -> u32 {
    5
}
fn default_retry_delay() -> f64 {
    30.0
}
fn default_max_consecutive_failures() -> u32 {
    20
}
fn default_timeout() -> f64 {
    60.0
}

/// `[delivery.dkim]`: DKIM signing with an RSA key, optionally Ed25519 beside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DkimConfig {
    pub selector: String,
    pub domain: String,
    /// PKCS#1 or PKCS#8 PEM RSA private key.
    pub key_file: String,
    /// Optional second signature with Ed25519 (`ed25519_selector` in DNS).
    pub ed25519_key_file: Option<String>,
    pub ed25519_selector: Option<String>,
}

/// `[serve]`: the subscription web service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Sign-ups accepted per client IP address per hour (0: no limit).
    #[serde(default = "default_signups_per_hour")]
    pub signups_per_ip_per_hour: u32,
    /// The built site to serve (default `public`).
    #[serde(default = "default_public")]
    pub public_dir: String,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are
    /// believed (addresses or networks, such as `127.0.0.1/32`). Empty: the
    /// connection's own address is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<ProxyNet>,
    /// Confirmation emails to one address per day (0: no limit).
    #[serde(default = "default_confirmations_per_day")]
    pub confirmations_per_address_per_day: u32,
    /// Minutes before one address can get another confirmation email.
    #[serde(default = "default_confirmation_interval")]
    pub confirmation_interval_minutes: u32,
    /// Confirmation emails per hour in all (0: no limit): a ceiling on what
    /// a distributed sign-up flood can make pressroom send.
    #[serde(default = "default_confirmations_per_hour")]
    pub confirmations_per_hour: u32,
    /// Seconds a client may take to send a request's headers, and a
    /// kept-alive connection may stay idle.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_seconds: u32,
}

/// What is wrong with `[delivery] return_path`, if anything: it must be a
/// plain address (`bounces@bounce.example.org`) with room for a VERP tag.
fn return_path_problem(rp: &str) -> Option<&'static str> {
    let Some((local, domain)) = rp.rsplit_once('@') else {
        return Some("not an address (write it like bounces@bounce.example.org)");
    };
    if local.is_empty() || !domain.contains('.') {
        return Some("not an address (write it like bounces@bounce.example.org)");
    }
    if local.contains('+') {
        return Some("pressroom adds '+TAG' itself; give the plain address");
    }
    if local.len() > 16 {
        return Some(
            "the part before the '@' may have at most 16 characters, to leave room for the bounce tag",
        );
    }
    None
}

/// A list name that `pressroom.toml` does not declare; the message
/// suggests the closest declared name, or lists them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown list '{name}'{hint}")]
pub struct UnknownList {
    pub name: String,
    hint: String,
}

/// `[delivery] max_age`: a duration in humane syntax ("48h", "2days 12h").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAge(pub std::time::Duration);

impl MaxAge {
    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::from_std(self.0).unwrap_or(chrono::Duration::MAX)
    }
}

impl std::fmt::Display for MaxAge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", crate::time::human_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for MaxAge {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(s.trim())
            .map(MaxAge)
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "'{s}' is not a duration ({e}); write it like \"48h\", \"3days\" or \"1week\""
                ))
            })
    }
}

fn default_max_age() -> MaxAge {
    MaxAge(std::time::Duration::from_secs(48 * 3600))
}

/// A trusted proxy: an IP network, or one address (a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet(pub ipnet::IpNet);

impl ProxyNet {
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.contains(ip)
    }
}

impl<'de> Deserialize<'de> for ProxyNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(ProxyNet)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "'{s}' is not an IP address or network (such as \"127.0.0.1/32\" or \"::1\")"
                ))
            })
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults deserialise")
    }
}

fn default_signups_per_hour() -> u32 {
    10
}
fn default_confirmations_per_day() -> u32 {
    3
}
fn default_confirmation_interval() -> u32 {
    15
}
fn default_confirmations_per_hour() -> u32 {
    200
}
fn default_header_timeout() -> u32 {
    10
}
fn default_public() -> String {
    "public".into()
}

/// `[bounces]`: what bounces and complaints do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BouncesConfig {
    /// Soft bounces (4.x.x, mailbox full, policy refusals) within
    /// `soft_window` that suppress an address (0: never).
    #[serde(default = "default_soft_limit")]
    pub soft_limit: u32,
    /// How far back soft bounces count ("30days").
    #[serde(default = "default_soft_window")]
    pub soft_window: MaxAge,
    /// The bounce mailbox for `bounces fetch`: `imaps://host[:port]/FOLDER`
    /// (or `imap://` with STARTTLS). Credentials: `PRESSROOM_IMAP_USER`,
    /// `PRESSROOM_IMAP_PASSWORD`.
    pub imap: Option<String>,
    /// Where bounces and complaints that were acted on are moved.
    #[serde(default = "default_processed")]
    pub processed_folder: String,
    /// Where everything else is moved (for a person to read).
    #[serde(default = "default_unrecognised")]
    pub unrecognised_folder: String,
    /// An extra trusted CA for the IMAP server (default: `[delivery] ca_file`).
    pub ca_file: Option<String>,
}

impl Default for BouncesConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults deserialise")
    }
}

fn default_processed() -> String {
    "Processed".into()
}
fn default_unrecognised() -> String {
    "Unrecognised".into()
}
fn default_soft_limit() -> u32 {
    3
}
fn default_soft_window() -> MaxAge {
    MaxAge(std::time::Duration::from_secs(30 * 24 * 3600))
}

/// `[subscribers]`: where subscriber state lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribersConfig {
    /// SQLite database (default `subscribers/pressroom.db`; env `PRESSROOM_DB`).
    pub database: Option<String>,
    /// The signing key file (default `subscribers/.secret`; env `PRESSROOM_SECRET` holds the key itself).
    pub secret_file: Option<String>,
}

/// The `[site]` table, validated.
#[derive(Debug, Clone)]
pub struct Site {
    /// Always ends with `/`.
    pub base_url: Url,
    pub default_lang: Lang,
    pub languages: Vec<Lang>,
    pub timezone: Tz,
    pub title: Localized,
    pub description: Option<Localized>,
    pub page_size: usize,
    pub feed_items: usize,
    /// The accessibility statement's address per language, when it is kept
    /// elsewhere; else `pages/accessibility.LANG.md` is the statement.
    pub accessibility_statement: Option<Localized>,
    pub colors: Option<look::Colors>,
    pub logo: Option<look::Logo>,
    /// Extra links in each language's footer.
    pub footer_links: BTreeMap<Lang, Vec<look::FooterLink>>,
}

impl Site {
    /// The path part of `base_url`, e.g. `/` or `/press/`.
    pub fn base_path(&self) -> &str {
        self.base_url.path()
    }
    pub fn title(&self, lang: &Lang) -> &str {
        self.title.get(lang, &self.default_lang)
    }
}

/// A loaded, validated `pressroom.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub site: Site,
    pub organization: Organization,
    pub lists: BTreeMap<ListName, ListConfig>,
    pub delivery: DeliveryConfig,
    pub subscribers: SubscribersConfig,
    pub serve: ServeConfig,
    pub bounces: BouncesConfig,
    pub desk: DeskConfig,
    /// The templates: built in, or replaced from `templates/`.
    pub theme: std::sync::Arc<crate::theme::Theme>,
}

impl Config {
    /// Reads `pressroom.toml` from `root`.
    pub fn load(root: &Path) -> Result<Self, ConfigError> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing(path));
            }
            Err(e) => return Err(ConfigError::Io { path, source: e }),
        };
        let mut config = Self::parse(root, &path, &text).map_err(ConfigError::Invalid)?;
        let theme = crate::theme::Theme::load(root, &|p| config.display_path(p).to_path_buf())
            .map_err(ConfigError::Invalid)?;
        config.theme = std::sync::Arc::new(theme);
        Ok(config)
    }

    /// Parses and validates the text of a configuration file (no I/O but
    /// for checking that the files it names exist).
    pub fn parse(root: &Path, path: &Path, text: &str) -> Result<Self, Diagnostics> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            Diagnostics(vec![Diagnostic::new(path, line, col, toml_message(&e))])
        })?;
        let mut p = Problems {
            path,
            text,
            diags: Diagnostics::default(),
        };
        let site = raw.site.get_ref();
        let base_url = base_url(site, &mut p);
        let timezone = timezone(site, &mut p);
        check_languages(&raw, &mut p);
        check_addresses(&raw, &mut p);
        let colors = colors(site, &mut p);
        check_logo(site, root, &mut p);
        check_website(&raw, &mut p);
        let footer_links = footer_links(site, &mut p);
        check_lists(&raw.lists, root, &mut p);
        if let Some(d) = &raw.delivery {
            check_delivery(d, &mut p);
        }
        if let Some(d) = &raw.desk
            && !d.get_ref().password_sign_in
            && d.get_ref().oidc.is_none()
        {
            p.at(
                d.span(),
                "[desk] password_sign_in = false needs [desk.oidc]: without either, no one could sign in to the desk",
            );
        }
        if !p.diags.is_empty() {
            return Err(p.diags);
        }
        let (Some(base_url), Some(timezone)) = (base_url, timezone) else {
            unreachable!("errors above were reported")
        };
        let site = raw.site.into_inner();
        let org = raw.organization;
        Ok(Config {
            root: root.to_path_buf(),
            site: Site {
                base_url,
                default_lang: site.default_lang.into_inner(),
                languages: site.languages.into_inner(),
                timezone,
                title: site.title.into_inner(),
                description: site.description,
                page_size: site.page_size,
                feed_items: site.feed_items,
                accessibility_statement: site.accessibility_statement.map(Spanned::into_inner),
                colors,
                logo: site.logo.map(Spanned::into_inner),
                footer_links,
            },
            organization: Organization {
                name: org.name,
                name_genitive: org.name_genitive,
                privacy_url: org.privacy_url.map(Spanned::into_inner),
                website: org.website.into_inner(),
                phone: org.phone,
                email: org.email,
                address: org.address,
                about: org.about.into_inner(),
            },
            lists: raw
                .lists
                .into_iter()
                .filter_map(|(name, list)| Some((ListName::parse(&name).ok()?, list.into_inner())))
                .collect(),
            delivery: raw.delivery.map(Spanned::into_inner).unwrap_or_default(),
            subscribers: raw.subscribers,
            serve: raw.serve,
            bounces: raw.bounces,
            desk: raw.desk.map(Spanned::into_inner).unwrap_or_default(),
            theme: Default::default(),
        })
    }

    pub fn releases_dir(&self) -> PathBuf {
        self.root.join("releases")
    }

    /// The declared list `name`, or an error that suggests the right one.
    pub fn list(&self, name: &str) -> Result<&ListConfig, UnknownList> {
        self.list_entry(name).map(|(_, l)| l)
    }

    /// The declared name `name` stands for (the key of its table).
    pub fn list_name(&self, name: &str) -> Result<ListName, UnknownList> {
        self.list_entry(name).map(|(n, _)| n.clone())
    }

    fn list_entry(&self, name: &str) -> Result<(&ListName, &ListConfig), UnknownList> {
        self.lists.get_key_value(name).ok_or_else(|| {
            let known: Vec<&str> = self.lists.keys().map(ListName::as_str).collect();
            let hint = match crate::suggest::closest(name, &known) {
                Some(s) => format!(" (did you mean '{s}'?)"),
                None if known.is_empty() => {
                    " (declare it as [lists.NAME] in pressroom.toml)".into()
                }
                None => format!(" (declared lists: {})", known.join(", ")),
            };
            UnknownList {
                name: name.to_string(),
                hint,
            }
        })
    }

    /// Path relative to the root, for messages.
    pub fn display_path<'a>(&self, p: &'a Path) -> &'a Path {
        p.strip_prefix(&self.root).unwrap_or(p)
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{} not found. Create one (see the configuration reference in README.md), or pass --root DIR to point at a pressroom directory.",
        .0.display()
    )]
    Missing(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Rewrites toml's "unknown field `x`, expected one of `a`, `b`" into a suggestion.
fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once('`')
    {
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        return suggest::unknown_field_message("key", field, &candidates);
    }
    msg
}

/// The problems found in a configuration file, each at its place.
struct Problems<'a> {
    path: &'a Path,
    text: &'a str,
    diags: Diagnostics,
}

impl Problems<'_> {
    fn at(&mut self, span: std::ops::Range<usize>, msg: impl Into<String>) {
        let (line, col) = line_col(self.text, span.start);
        self.diags
            .push(Diagnostic::new(self.path, line, col, msg.into()));
    }
}

/// `site.base_url`, with a `/` at the end: an http:// or https:// address.
fn base_url(site: &RawSite, p: &mut Problems<'_>) -> Option<Url> {
    let mut base = site.base_url.get_ref().clone();
    if !base.ends_with('/') {
        base.push('/');
    }
    match Url::parse(&base) {
        Ok(u) if u.scheme() == "https" || u.scheme() == "http" => Some(u),
        Ok(_) => {
            p.at(
                site.base_url.span(),
                "site.base_url must be an http:// or https:// address",
            );
            None
        }
        Err(e) => {
            p.at(
                site.base_url.span(),
                format!("site.base_url is not a URL: {e}"),
            );
            None
        }
    }
}

/// `site.timezone`, an IANA name (a near miss gets a suggestion).
fn timezone(site: &RawSite, p: &mut Problems<'_>) -> Option<Tz> {
    match site.timezone.get_ref().parse() {
        Ok(tz) => Some(tz),
        Err(_) => {
            let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
            let hint = suggest::closest(site.timezone.get_ref(), &names)
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_else(|| " (use an IANA name such as 'Europe/Helsinki')".into());
            p.at(
                site.timezone.span(),
                format!("unknown time zone '{}'{hint}", site.timezone.get_ref()),
            );
            None
        }
    }
}

/// The languages, the default among them, sizes, and a text in every
/// language where one is needed.
fn check_languages(raw: &RawConfig, p: &mut Problems<'_>) {
    let site = raw.site.get_ref();
    let langs = site.languages.get_ref();
    if langs.is_empty() {
        p.at(
            site.languages.span(),
            "site.languages must name at least one language",
        );
    }
    if !langs.contains(site.default_lang.get_ref()) {
        p.at(
            site.default_lang.span(),
            format!(
                "site.default_lang '{}' is not one of site.languages",
                site.default_lang.get_ref()
            ),
        );
    }
    if site.page_size == 0 || site.feed_items == 0 {
        p.at(
            raw.site.span(),
            "site.page_size and site.feed_items must be at least 1",
        );
    }
    for (key, value) in [
        ("site.title", &site.title),
        ("organization.about", &raw.organization.about),
    ] {
        for l in value.get_ref().missing_langs(langs) {
            p.at(
                value.span(),
                format!("'{key}' has no text for language '{l}'"),
            );
        }
    }
}

/// Addresses given per language must be web addresses.
fn check_addresses(raw: &RawConfig, p: &mut Problems<'_>) {
    let site = raw.site.get_ref();
    let urls = [
        (
            "site.accessibility_statement",
            &site.accessibility_statement,
        ),
        ("organization.privacy_url", &raw.organization.privacy_url),
    ];
    for (key, value) in urls {
        let Some(value) = value else { continue };
        let texts: Vec<&String> = match value.get_ref() {
            Localized::Same(s) => vec![s],
            Localized::PerLang(m) => m.values().collect(),
        };
        for t in texts {
            if !matches!(Url::parse(t), Ok(u) if u.scheme() == "https" || u.scheme() == "http") {
                p.at(
                    value.span(),
                    format!("{key}: '{t}' is not an http:// or https:// address"),
                );
            }
        }
    }
}

/// The organisation's website must be a web address.
fn check_website(raw: &RawConfig, p: &mut Problems<'_>) {
    let website = raw.organization.website.get_ref();
    if !is_web_address(website) {
        p.at(
            raw.organization.website.span(),
            format!("organization.website: '{website}' is not an http:// or https:// address"),
        );
    }
}

/// `[site.colors]`, with enough contrast.
fn colors(site: &RawSite, p: &mut Problems<'_>) -> Option<look::Colors> {
    let c = site.colors.as_ref()?;
    match look::Colors::check(c.get_ref()) {
        Ok(c) => Some(c),
        Err(e) => {
            p.at(c.span(), e.to_string());
            None
        }
    }
}

/// `[site.logo]`: a file under `releases/`, described in every language.
fn check_logo(site: &RawSite, root: &Path, p: &mut Problems<'_>) {
    let Some(logo) = &site.logo else { return };
    let src = &logo.get_ref().src;
    if !crate::files::is_regular_file_inside(&root.join("releases"), Path::new(src)) {
        p.at(
            logo.span(),
            format!(
                "site.logo.src: 'releases/{src}' does not exist (put the logo under releases/assets/)"
            ),
        );
    }
    for l in logo.get_ref().alt.missing_langs(site.languages.get_ref()) {
        p.at(
            logo.span(),
            format!("site.logo.alt has no text for language '{l}'"),
        );
    }
}

/// `[site.footer_links]` by language: web addresses, site paths, mailto:
/// or tel:, in one of the site's languages.
fn footer_links(site: &RawSite, p: &mut Problems<'_>) -> BTreeMap<Lang, Vec<look::FooterLink>> {
    let langs = site.languages.get_ref();
    let mut footer_links = BTreeMap::new();
    for (lang, links) in &site.footer_links {
        for link in links.get_ref() {
            if !is_footer_address(&link.url) {
                p.at(
                    links.span(),
                    format!(
                        "site.footer_links.{lang}: '{}' is not a web address (https://…), a path on the site (/…), mailto: or tel:",
                        link.url
                    ),
                );
            }
        }
        match Lang::parse(lang) {
            Ok(l) if langs.contains(&l) => {
                footer_links.insert(l, links.get_ref().clone());
            }
            _ => p.at(
                links.span(),
                format!("site.footer_links.{lang}: '{lang}' is not one of site.languages"),
            ),
        }
    }
    footer_links
}

/// The lists' names, and the CSV files of lists kept in one.
fn check_lists(lists: &BTreeMap<String, Spanned<ListConfig>>, root: &Path, p: &mut Problems<'_>) {
    for (name, list) in lists {
        if let Err(e) = ListName::parse(name) {
            p.at(list.span(), e.to_string());
        }
        if let Some(src) = &list.get_ref().source
            && !root.join(src).is_file()
        {
            p.at(
                list.span(),
                format!("lists.{name}.source: file '{src}' does not exist"),
            );
        }
    }
}

/// `[delivery]`: counts of at least one, relays and the return path.
fn check_delivery(d: &Spanned<DeliveryConfig>, p: &mut Problems<'_>) {
    if d.get_ref().concurrency == 0 || d.get_ref().max_attempts == 0 {
        p.at(
            d.span(),
            "delivery.concurrency and delivery.max_attempts must be at least 1",
        );
    }
    for r in &d.get_ref().relays {
        if let Err(e) = relay::Relay::parse(r) {
            p.at(d.span(), format!("delivery.relays: {e}"));
        }
    }
    if let Some(rp) = &d.get_ref().return_path
        && let Some(why) = return_path_problem(rp)
    {
        p.at(d.span(), format!("delivery.return_path '{rp}': {why}"));
    }
}
