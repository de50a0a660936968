//! The command line: argument definitions (clap derive) and what each command
//! does, as thin calls into the library.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use crate::content::{Content, LoadError};
use crate::lang::Lang;

const ABOUT: &str = "Press releases and newsletters for public organisations.";
const LONG_ABOUT: &str = "\
Press releases and newsletters for public organisations.

Write releases as Markdown files with YAML front matter in releases/, one file
per language version (releases/YYYY-MM-DD-some-slug.LANG.md). pressroom turns
them into an accessible, multilingual pressroom website with RSS feeds, and
into ready-to-send HTML and plain-text email.

Typical use:
  pressroom new \"Bus routes change in June\" --lang fi   # start a release
  pressroom check                                        # find every problem
  pressroom build                                        # write public/
  pressroom preview bus-routes-change-in-june            # see the email";

/// pressroom's command line.
#[derive(Debug, Parser)]
#[command(name = "pressroom", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// The pressroom directory: holds pressroom.toml, releases/ and subscribers/.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = ".",
        env = "PRESSROOM_ROOT"
    )]
    pub root: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    crate::time::parse_now(s)
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new release from a commented template and print its path.
    ///
    /// The file is named releases/YYYY-MM-DD-slug.LANG.md after today's date and
    /// the title. It starts as a draft: remove `draft: true` when it is ready.
    New {
        /// The release's title.
        title: String,
        /// Language of this version (default: the site's default language).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Keywords, comma-separated: --tags transport,budget
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
    },
    /// Check the configuration and every release; report all problems.
    ///
    /// Each problem is printed as `path:line:col: error: message`. Exits with 1
    /// if there are any, 0 otherwise.
    Check,
    /// Render the website and feeds.
    ///
    /// Drafts, embargoed releases (date in the future) and email-only releases
    /// (`web: false`) are left out. The site is written to a staging directory
    /// first and swapped into place, so a failed build leaves the old site.
    Build {
        /// Output directory.
        #[arg(long, value_name = "DIR", default_value = "public")]
        out: PathBuf,
        /// Build as if it were this time (RFC 3339), for embargo decisions.
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
    },
    /// Write a release's email as email.html, email.txt and message.eml.
    Preview {
        /// A file path, slug or translation key.
        release: String,
        /// Which language version (default: the site's default language).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Directory for the files.
        #[arg(long, value_name = "DIR", default_value = "preview")]
        out: PathBuf,
    },
}

/// Resolves a path given on the command line against `--root`.
fn under_root(root: &std::path::Path, p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Runs a command; errors are reported by `main`.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let root = &cli.root;
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::New { title, lang, tags } => {
            let config = crate::config::Config::load(root)?;
            let lang = lang.unwrap_or_else(|| config.site.default_lang.clone());
            let path = crate::new_release::create(&config, &title, &lang, &tags, Utc::now())?;
            writeln!(out, "{}", path.display())?;
        }
        Command::Check => {
            let report = crate::check::run(root)?;
            writeln!(
                out,
                "ok: pressroom.toml and {} releases have no problems",
                report.releases
            )?;
        }
        Command::Build { out: dir, now } => {
            let now = now.unwrap_or_else(Utc::now);
            let content = Content::load(root)?;
            let dir = under_root(root, &dir);
            let report = crate::build::build(&content, &dir, now)?;
            let s = &report.summary;
            let total = content.releases.len();
            writeln!(out, "Built {}", report.out.display())?;
            writeln!(out, "  {:<40}{:>6}", "releases on the web", s.releases)?;
            writeln!(
                out,
                "  {:<40}{:>6}",
                "left out (draft, embargo, email only)",
                total - s.releases
            )?;
            writeln!(out, "  {:<40}{:>6}", "languages", s.languages)?;
            writeln!(out, "  {:<40}{:>6}", "pages", s.pages)?;
            writeln!(out, "  {:<40}{:>6}", "feeds", s.feeds)?;
            writeln!(out, "  {:<40}{:>6}", "keyword pages", s.tags)?;
            writeln!(out, "  {:<40}{:>6}", "assets copied", report.assets)?;
        }
        Command::Preview {
            release,
            lang,
            out: dir,
        } => {
            let content = Content::load(root)?;
            let r = content
                .find(&release, lang.as_ref())
                .map_err(anyhow::Error::msg)?;
            let dir = under_root(root, &dir);
            let files = crate::preview::write(&content.config, r, &dir)
                .with_context(|| format!("cannot preview {}", r.path.display()))?;
            writeln!(out, "Preview of {} ({})", r.path.display(), r.lang)?;
            writeln!(
                out,
                "  {}  ({} KB of HTML)",
                files.html.display(),
                files.html_bytes.div_ceil(1024)
            )?;
            writeln!(out, "  {}", files.text.display())?;
            writeln!(out, "  {}", files.eml.display())?;
        }
    }
    Ok(())
}

/// True when an error is about content (already formatted as diagnostics).
pub fn is_diagnostics(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<LoadError>(),
        Some(LoadError::Content(_))
            | Some(LoadError::Config(crate::config::ConfigError::Invalid(_)))
    )
}
