//! The command line: the clap definitions of `pressroom` and its
//! subcommands, and the dispatch to `crate::commands`, where each one lives.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{self, Outcome, Ui};

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new pressroom: a commented pressroom.toml with every setting,
    /// a first release (a draft) in each language, and .gitignore files that
    /// keep the site, the outbox, the database and the secret out of
    /// version control.
    ///
    /// Never overwrites a file: if any of them exists, nothing is written.
    Init(commands::init::Args),
    /// Start a new release from a commented template and print its path.
    ///
    /// The file is named releases/YYYY-MM-DD-slug.LANG.md after today's date and
    /// the title. It starts as a draft: remove `draft: true` when it is ready.
    New(commands::new::Args),
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
    Build(commands::build::Args),
    /// Write a release's email as email.html, email.txt and message.eml.
    Preview(commands::preview::Args),
    /// Email one release to its lists (each recipient once, in their language).
    ///
    /// Recipients who already have it are skipped, so running it again after a
    /// crash or Ctrl-C resumes where it stopped. On a terminal it asks before
    /// sending; otherwise pass --yes.
    Send(commands::send::Args),
    /// Build the site, then email every due release to everyone on its lists
    /// who has not had it. Idempotent: run it from cron every few minutes.
    Publish(commands::publish::Args),
    /// Take a published release off the site and its feeds.
    ///
    /// Every language version gets `withdrawn:` (now); the site is built at
    /// once, and a page at the release's address says it was withdrawn,
    /// and when. It is not emailed again. To correct a release instead,
    /// set `correction:` and `updated:` and use `send --correction`.
    Withdraw(commands::withdraw::Args),
    /// Show every release with its languages and state (draft, scheduled,
    /// published, web only, email only), what was sent, and what the next
    /// `publish` would do.
    Status(commands::status::Args),
    /// Show a release's deliveries: counts per list, language and status, and
    /// the failed addresses with the relay's reply.
    Deliveries(commands::deliveries::Args),
    /// Manage subscribers and lists.
    #[command(subcommand)]
    Subscribers(commands::subscribers::Command),
    /// Manage the desk's staff accounts (writer, editor, admin).
    #[command(subcommand)]
    Users(commands::users::Command),
    /// Show the desk's audit trail: who signed in, changed accounts,
    /// saved, approved and sent what, when and from where.
    Audit(commands::audit::Args),
    /// Read bounces and complaints that came back to [delivery] return_path.
    #[command(subcommand)]
    Bounces(commands::bounces::Command),
    /// Serve the built site and the subscription pages (subscribe, confirm,
    /// unsubscribe, preferences) until SIGTERM or Ctrl-C.
    ///
    /// Run `pressroom build` first. Put it behind the HTTPS server of
    /// site.base_url; it can run while `publish` sends.
    Serve(commands::serve::Args),
    /// Copy the database (subscribers, consent records, suppressions, the
    /// delivery journal) into a new file, safely while `serve` and `send`
    /// run.
    ///
    /// Uses SQLite's online backup API: the copy is one consistent moment of
    /// the database. It is checked, and readable by its owner only.
    Backup(commands::backup::BackupArgs),
    /// Put a backup back as the database, after checking it (integrity,
    /// schema version).
    ///
    /// Refuses while a `send` or `publish` is sending. Asks first on a
    /// terminal; otherwise needs --yes. Messages that were being sent at the
    /// moment of the backup are queued again, so a `send` resumes them.
    Restore(commands::backup::RestoreArgs),
    /// Print shell completions: pressroom completions bash >
    /// /etc/bash_completion.d/pressroom (the package installs them).
    Completions(commands::completions::CompletionsArgs),
    /// Write the man pages into DIR (for packaging).
    #[command(hide = true)]
    Man(commands::completions::ManArgs),
    /// Your organisation's own templates: list the built-ins and copy one
    /// out to start from.
    ///
    /// A file in templates/ (site pages, emails, subscription pages, the
    /// stylesheet) replaces the built-in of the same name. The context
    /// each template sees is described in docs/templates.md.
    #[command(subcommand)]
    Templates(commands::templates::Command),
}

/// Runs a command; errors are reported by `main`.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let root = &cli.root;
    let mut out = std::io::stdout().lock();
    let mut ui = Ui::detect(&mut out, &commands::STOP);
    let ui = &mut ui;
    match &cli.command {
        Command::Init(args) => commands::init::run(root, args, ui),
        Command::New(args) => commands::new::run(root, args, ui),
        Command::Check => commands::check::run(root, ui),
        Command::Build(args) => commands::build::run(root, args, ui),
        Command::Preview(args) => commands::preview::run(root, args, ui),
        Command::Send(args) => commands::send::run(root, args, ui),
        Command::Publish(args) => commands::publish::run(root, args, ui),
        Command::Status(args) => commands::status::run(root, args, ui),
        Command::Withdraw(args) => commands::withdraw::run(root, args, ui),
        Command::Deliveries(args) => commands::deliveries::run(root, args, ui),
        Command::Subscribers(cmd) => commands::subscribers::run(root, cmd, ui),
        Command::Bounces(cmd) => commands::bounces::run(root, cmd, ui),
        Command::Users(cmd) => commands::users::run(root, cmd, ui),
        Command::Audit(args) => commands::audit::run(root, args, ui),
        Command::Serve(args) => commands::serve::run(root, args, ui),
        Command::Templates(cmd) => commands::templates::run(root, cmd, ui),
        Command::Completions(args) => commands::completions::completions(Cli::command(), args, ui),
        Command::Man(args) => commands::completions::man(Cli::command(), root, args, ui),
        Command::Backup(args) => commands::backup::backup(root, args, ui),
        Command::Restore(args) => commands::backup::restore(root, args, ui),
    }
}
