//! `[desk] git = true`: when `releases/` is in a git work tree, each change
//! made on the desk is also a commit of `releases/`, with the staff member
//! as its author and the action as its message (the `git` program). A
//! commit that fails never undoes the change: it is logged and audited
//! (`git-failed`), and the next commit takes the files along.

use std::process::Command;

use super::User;
use super::audit::{self, Action, Actor};
use crate::config::Config;
use crate::db::Db;

/// Commits `releases/` for `user`'s `action` on `object`, when `[desk]
/// git` asks for it; a failure is reported, never returned.
pub fn commit(db: &Db, config: &Config, user: &User, action: Action, object: &str) {
    if !config.desk.git {
        return;
    }
    if let Err(e) = try_commit(config, user, &format!("{}: {object}", action.as_str())) {
        let why = crate::subscribers::redact_addresses(&format!("{e:#}"));
        tracing::error!(error = %why, "the desk's git commit failed; the change itself is saved");
        let _ = audit::record(
            db,
            &Actor::system("git"),
            Action::GitFailed,
            Some(object),
            Some(&why),
        );
    }
}

fn git(config: &Config) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(&config.root);
    // Never a pager, an editor or a prompt: nobody is at a terminal.
    c.env("GIT_TERMINAL_PROMPT", "0").env("GIT_EDITOR", "true");
    c
}

fn run(mut c: Command) -> anyhow::Result<String> {
    let out = c
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run git: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "git failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn try_commit(config: &Config, user: &User, message: &str) -> anyhow::Result<()> {
    let releases = config.releases_dir();
    let rel = releases
        .strip_prefix(&config.root)
        .unwrap_or(&releases)
        .to_path_buf();
    let mut inside = git(config);
    inside.args(["rev-parse", "--is-inside-work-tree"]);
    if !run(inside).is_ok_and(|out| out.trim() == "true") {
        anyhow::bail!(
            "{} is not in a git work tree: run `git init` there, or set [desk] git = false",
            config.root.display()
        );
    }
    let mut add = git(config);
    add.args(["add", "--all", "--"]).arg(&rel);
    run(add)?;
    let mut staged = git(config);
    staged.args(["diff", "--cached", "--quiet", "--"]).arg(&rel);
    if staged.status().is_ok_and(|s| s.success()) {
        // Nothing changed under releases/ (an action with no file).
        return Ok(());
    }
    let name = user.name.replace(['<', '>', '\n'], " ");
    let mut commit = git(config);
    commit
        .args([
            "-c",
            "user.name=pressroom desk",
            "-c",
            "user.email=desk@pressroom.invalid",
        ])
        .args(["commit", "--quiet", "--no-verify", "--author"])
        .arg(format!("{} <{}>", name.trim(), user.email.as_str()))
        .args(["-m", message, "--"])
        .arg(&rel);
    run(commit)?;
    Ok(())
}
