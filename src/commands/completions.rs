//! `pressroom completions SHELL` and the hidden `pressroom man DIR`: shell
//! completions and man pages made from the command line's own definition,
//! so that they never disagree with `--help`.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::{Outcome, Ui};

/// Arguments of `completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// The folder for pressroom.1 and a page per subcommand.
    pub dir: PathBuf,
}

pub fn completions(args: &CompletionsArgs, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "pressroom", &mut ui.out);
    Ok(Outcome::Done)
}

pub fn man(root: &Path, args: &ManArgs, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let dir = super::under_root(root, &args.dir);
    std::fs::create_dir_all(&dir)?;
    let cmd = crate::cli::Cli::command();
    clap_mangen::generate_to(cmd, &dir)?;
    let n = std::fs::read_dir(&dir)?.count();
    writeln!(ui.out, "wrote {n} man pages to {}", dir.display())?;
    Ok(Outcome::Done)
}
