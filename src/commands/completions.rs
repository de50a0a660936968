//! `pressroom completions SHELL` and the hidden `pressroom man DIR`: shell
//! completions and man pages made from the command line's own definition,
//! so that they never disagree with `--help`.

use std::path::{Path, PathBuf};

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

/// Writes the completions of `cmd` (the command line's definition, which
/// `cli` passes down) for the shell asked for.
pub fn completions(
    mut cmd: clap::Command,
    args: &CompletionsArgs,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Outcome> {
    clap_complete::generate(args.shell, &mut cmd, "pressroom", &mut ui.out);
    Ok(Outcome::Done)
}

/// Writes the man pages of `cmd` into the folder asked for.
pub fn man(
    cmd: clap::Command,
    root: &Path,
    args: &ManArgs,
    ui: &mut Ui<'_>,
) -> anyhow::Result<Outcome> {
    let dir = super::under_root(root, &args.dir);
    std::fs::create_dir_all(&dir)?;
    clap_mangen::generate_to(cmd, &dir)?;
    let n = std::fs::read_dir(&dir)?.count();
    writeln!(ui.out, "wrote {n} man pages to {}", dir.display())?;
    Ok(Outcome::Done)
}
