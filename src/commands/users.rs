//! `pressroom users …`: the desk's staff accounts from the command line
//! (the admin page `/desk/users` does the same).

use std::io::{BufRead, Write};
use std::path::Path;

use super::{Outcome, Ui, UsageError};
use crate::config::Config;
use crate::db::Role;
use crate::desk::Actor;
use crate::desk::accounts::{self, PasswordLink};
use crate::sending::open_store;
use crate::subscribers::EmailAddress;

/// A role as typed on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    /// Writes releases, edits their own until approved, submits them.
    Writer,
    /// Also edits anyone's release, approves, sends, withdraws.
    Editor,
    /// Also manages users, lists and subscribers, and reads the audit trail.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Writer => Role::Writer,
            RoleArg::Editor => Role::Editor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// `pressroom users …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a staff account. Prints a one-time link to set its password
    /// (valid 24 hours, used once), to pass to the person; with
    /// --password-stdin, reads the password from standard input instead.
    Add {
        /// The person's email address (their sign-in name).
        address: String,
        /// Their name, as the desk and the audit trail show it.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input (at
        /// least 12 characters, not containing the address or the name).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts: address, name, role, and whether each can sign in.
    List,
    /// Change an account's role.
    SetRole {
        address: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Disable an account: it cannot sign in, and its sign-ins end now.
    Disable { address: String },
    /// Let a disabled account sign in again.
    Enable { address: String },
    /// Make a new one-time link to set an account's password (for a
    /// forgotten one); the old password works until the new one is set.
    Link { address: String },
    /// Remove an account. The audit trail keeps what it did.
    Remove { address: String },
}

/// The address a password link opens: `[desk] url`, else the desk's
/// listening address.
fn link_url(config: &Config, link: &PasswordLink) -> String {
    let base = config
        .desk
        .browser_base()
        .map_or_else(|_| "http://DESK-ADDRESS/".to_string(), |u| u.to_string());
    format!("{base}desk/password/{}", link.token)
}

fn show_link(config: &Config, link: &PasswordLink, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "One-time link to set the password (valid until {} UTC, works once):\n  {}",
        link.expires.format("%Y-%m-%d %H:%M"),
        link_url(config, link)
    )?;
    if config.desk.url.is_none() {
        writeln!(
            out,
            "(Set [desk] url in pressroom.toml to the address staff open the desk at, and links will use it.)"
        )?;
    }
    Ok(())
}

/// Runs one `users` command in the pressroom at `root`.
pub fn run(root: &Path, cmd: &Command, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = Config::load(root)?;
    let db = open_store(&config)?;
    let me = Actor::command_line();
    let now = chrono::Utc::now();
    match cmd {
        Command::Add {
            address,
            name,
            role,
            password_stdin,
        } => {
            let email = EmailAddress::parse(address)
                .map_err(|e| UsageError(format!("'{address}' is not an email address: {e}")))?;
            let password = if *password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let added = accounts::add(
                &db,
                &me,
                &email,
                name,
                (*role).into(),
                password.as_deref(),
                now,
            )?;
            writeln!(
                ui.out,
                "Added {} ({}) as {}",
                added.user.email, added.user.name, added.user.role
            )?;
            if let Some(link) = &added.link {
                show_link(&config, link, ui.out)?;
            }
        }
        Command::List => list(&db, ui.out)?,
        Command::SetRole { address, role } => {
            let user = accounts::find(&db, address)?;
            accounts::set_role(&db, &me, &user, (*role).into())?;
            writeln!(ui.out, "{} is now {}", user.email, Role::from(*role))?;
        }
        Command::Disable { address } => {
            let user = accounts::find(&db, address)?;
            accounts::set_disabled(&db, &me, &user, true)?;
            writeln!(
                ui.out,
                "{} is disabled; its sign-ins have ended",
                user.email
            )?;
        }
        Command::Enable { address } => {
            let user = accounts::find(&db, address)?;
            accounts::set_disabled(&db, &me, &user, false)?;
            writeln!(ui.out, "{} can sign in again", user.email)?;
        }
        Command::Link { address } => {
            let user = accounts::find(&db, address)?;
            let link = accounts::password_link(&db, &me, &user, now)?;
            show_link(&config, &link, ui.out)?;
        }
        Command::Remove { address } => {
            let user = accounts::find(&db, address)?;
            accounts::remove(&db, &me, &user)?;
            writeln!(ui.out, "Removed {}", user.email)?;
        }
    }
    Ok(Outcome::Done)
}

fn list(db: &crate::db::Db, out: &mut dyn Write) -> anyhow::Result<()> {
    let users = db.desk().users()?;
    if users.is_empty() {
        writeln!(
            out,
            "No accounts yet: add the first admin with\n  pressroom users add ADDRESS --name \"NAME\" --role admin"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<36} {:<24} {:<7} SIGN-IN",
        "ADDRESS", "NAME", "ROLE"
    )?;
    for u in &users {
        let state = if u.disabled {
            "disabled"
        } else if u.password_hash.is_none() {
            "no password yet"
        } else {
            "yes"
        };
        writeln!(
            out,
            "{:<36} {:<24} {:<7} {state}",
            crate::subscribers::printable(u.email.as_str()),
            crate::subscribers::printable(&u.name),
            u.role
        )?;
    }
    writeln!(out, "{} accounts", users.len())?;
    Ok(())
}
