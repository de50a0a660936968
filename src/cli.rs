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
  pressroom preview bus-routes-change-in-june            # see the email
  pressroom publish --yes                                # build, then email every due release

`publish` is the job to run from cron or CI every few minutes: it sends each
due release to everyone on its lists who has not had it, and nothing twice.";

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
    /// Email one release to its lists (each recipient once, in their language).
    ///
    /// Recipients who already have it are skipped, so running it again after a
    /// crash or Ctrl-C resumes where it stopped. On a terminal it asks before
    /// sending; otherwise pass --yes.
    Send {
        /// A file path, slug or translation key.
        release: String,
        /// Send to these lists instead of the release's `lists` (repeatable).
        #[arg(long = "list", value_name = "NAME")]
        lists: Vec<String>,
        /// Show who would get which language version; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Send one test copy to this address only (not recorded; drafts allowed).
        #[arg(long, value_name = "ADDR")]
        to: Option<String>,
        /// The language version for --to (default: the site's default language).
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Decide embargoes as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
    },
    /// Build the site, then email every due release to everyone on its lists
    /// who has not had it. Idempotent: run it from cron every few minutes.
    Publish {
        /// Decide embargoes as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// Do not ask for confirmation (needed without a terminal).
        #[arg(long)]
        yes: bool,
        /// Output directory of the site.
        #[arg(long, value_name = "DIR", default_value = "public")]
        out: PathBuf,
        /// Print what would be built and sent, to whom; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show every release with its languages and state (draft, scheduled,
    /// published, web only, email only), what was sent, and what the next
    /// `publish` would do.
    Status {
        /// Decide embargoes and ages as if it were this time (RFC 3339).
        #[arg(long, value_name = "TIME", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
    },
    /// Show a release's deliveries: counts per list, language and status, and
    /// the failed addresses with the relay's reply.
    Deliveries {
        /// A file path, slug or translation key.
        release: String,
    },
    /// Manage subscribers and lists.
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
    /// Serve the built site and the subscription pages (subscribe, confirm,
    /// unsubscribe, preferences) until SIGTERM or Ctrl-C.
    ///
    /// Run `pressroom build` first. Put it behind the HTTPS server of
    /// site.base_url; it can run while `publish` sends.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
        addr: String,
        /// How request and error logs on stderr look (RUST_LOG chooses what
        /// is logged; default info). Logs never hold an email address or a token.
        #[arg(long, value_enum, default_value_t = crate::http::LogFormat::Text)]
        log_format: crate::http::LogFormat,
    },
}

/// `pressroom subscribers …`
#[derive(Debug, Subcommand)]
pub enum SubscribersCommand {
    /// Import a CSV file (columns email, name, lang; `,` `;` or tab; UTF-8 or
    /// Windows-1252) into a list. Invalid rows are reported and skipped;
    /// unsubscribed and suppressed addresses are never resubscribed.
    Import {
        file: PathBuf,
        #[arg(long, value_name = "NAME")]
        list: String,
    },
    /// Add one address to a list.
    Add {
        email: String,
        #[arg(long, value_name = "NAME")]
        list: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_parser = parse_lang)]
        lang: Option<Lang>,
    },
    /// Unsubscribe an address from a list, or (without --list) from everything.
    Remove {
        email: String,
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
    },
    /// Show the lists with their counts, or the members of one list.
    List {
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
    },
    /// Write the confirmed members as CSV to stdout (--all: every status and
    /// the consent record).
    Export {
        #[arg(long, value_name = "NAME")]
        list: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Erase an address's personal data, keeping only a hashed suppression so
    /// that a later import cannot resubscribe it.
    Forget { email: String },
}

/// Resolves a path given on the command line against `--root`.
fn under_root(root: &std::path::Path, p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Set by Ctrl-C: stop taking new work, finish what is in flight.
pub static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn install_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nStopping after the messages in flight… (Ctrl-C again to quit at once)");
    });
}

/// Runs a command; errors are reported by `main`. Returns false when the
/// command finished but something needs attention (exit code 1).
pub fn run(cli: Cli) -> anyhow::Result<bool> {
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
            for w in &report.warnings {
                eprintln!("{w}");
            }
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
        Command::Send {
            release,
            lists,
            dry_run,
            to,
            lang,
            yes,
            now,
        } => {
            install_ctrl_c();
            let content = Content::load(root)?;
            let args = crate::delivery::commands::SendArgs {
                release,
                lists,
                dry_run,
                to,
                lang,
                yes,
                now,
            };
            let mut ui = crate::delivery::commands::Ui::detect(&mut out, &STOP);
            let tally = crate::delivery::commands::send(&content, &args, &mut ui)?;
            return Ok(!tally.is_failure());
        }
        Command::Publish {
            now,
            yes,
            out: dir,
            dry_run,
        } => {
            install_ctrl_c();
            let content = Content::load(root)?;
            let dir = under_root(root, &dir);
            let args = crate::delivery::commands::PublishArgs { now, yes, dry_run };
            let mut ui = crate::delivery::commands::Ui::detect(&mut out, &STOP);
            let tally = crate::delivery::commands::publish(&content, args, &dir, &mut ui)?;
            return Ok(!tally.is_failure());
        }
        Command::Status { now } => {
            let content = Content::load(root)?;
            let now = now.unwrap_or_else(Utc::now);
            crate::delivery::commands::status(&content, now, &mut out)?;
        }
        Command::Deliveries { release } => {
            let content = Content::load(root)?;
            crate::delivery::commands::deliveries(&content, &release, &mut out)?;
        }
        Command::Serve { addr, log_format } => {
            let config = crate::config::Config::load(root)?;
            crate::http::run(config, &addr, log_format, &mut out)?;
        }
        Command::Subscribers(cmd) => {
            use crate::subscribers::commands as sc;
            let config = crate::config::Config::load(root)?;
            let store = crate::subscribers::open(&config)?;
            match cmd {
                SubscribersCommand::Import { file, list } => {
                    let file = if file.exists() {
                        file
                    } else {
                        under_root(root, &file)
                    };
                    sc::import(&config, &store, &file, &list, &mut out)?;
                }
                SubscribersCommand::Add {
                    email,
                    list,
                    name,
                    lang,
                } => {
                    let msg = sc::add(
                        &config,
                        &store,
                        &email,
                        &list,
                        name.as_deref(),
                        lang.as_ref().map(Lang::as_str),
                    )?;
                    writeln!(out, "{msg}")?;
                }
                SubscribersCommand::Remove { email, list } => {
                    writeln!(
                        out,
                        "{}",
                        sc::remove(&config, &store, &email, list.as_deref())?
                    )?;
                }
                SubscribersCommand::List { list } => {
                    sc::list(&config, &store, list.as_deref(), &mut out)?
                }
                SubscribersCommand::Export { list, all } => {
                    let n = sc::export(&config, &store, list.as_deref(), all, &mut out)?;
                    eprintln!("{n} rows exported");
                }
                SubscribersCommand::Forget { email } => {
                    writeln!(out, "{}", sc::forget(&config, &store, &email)?)?
                }
            }
        }
    }
    Ok(true)
}

/// True when an error is a usage mistake (exit code 2).
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.downcast_ref::<crate::delivery::commands::UsageError>()
        .is_some()
}

/// True when an error is about content (already formatted as diagnostics).
pub fn is_diagnostics(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<LoadError>(),
        Some(LoadError::Content(_))
            | Some(LoadError::Config(crate::config::ConfigError::Invalid(_)))
    )
}
