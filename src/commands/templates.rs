//! `pressroom templates`: which templates a pressroom replaces, and
//! copies of the built-ins to start a replacement from.

use std::path::Path;

use super::{Outcome, Ui};
use crate::theme::{self, BUILTINS, Kind};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List every template, stylesheet and script, what it is for, and
    /// whether this pressroom replaces it.
    List,
    /// Copy a built-in into templates/ to start your own from (all of
    /// them without NAME). Never overwrites a file.
    ///
    /// The copy renders exactly as the built-in until you edit it. The
    /// context each template sees is described in docs/templates.md.
    Eject {
        /// The template's name as `templates list` shows it, e.g.
        /// site/release.html.
        name: Option<String>,
    },
}

pub fn run(root: &Path, cmd: &Command, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    match cmd {
        Command::List => list(root, ui),
        Command::Eject { name } => {
            let written = theme::eject(root, name.as_deref())?;
            for p in &written {
                writeln!(
                    ui.out,
                    "wrote {}",
                    p.strip_prefix(root).unwrap_or(p).display()
                )?;
            }
            writeln!(
                ui.out,
                "Edit the cop{} in templates/; `pressroom check` reports template errors with file and line.",
                if written.len() == 1 { "y" } else { "ies" }
            )?;
            Ok(Outcome::Done)
        }
    }
}

fn list(root: &Path, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let config = crate::config::Config::load(root)?;
    let theme = &config.theme;
    let engine: Vec<&str> = theme.through_engine().collect();
    let width = BUILTINS.iter().map(|b| b.name.len()).max().unwrap_or(0);
    writeln!(ui.out, "{:width$}  {:<9}  WHAT FOR", "TEMPLATE", "SOURCE")?;
    for b in BUILTINS {
        let replaced = root.join(theme::TEMPLATES_DIR).join(b.name);
        let source = match b.kind {
            Kind::Static if theme.static_file(b.name) != b.source => "yours",
            Kind::Template if engine.contains(&b.name) && replaced.is_file() => "yours",
            Kind::Template if engine.contains(&b.name) => "built-in*",
            _ => "built-in",
        };
        writeln!(ui.out, "{:width$}  {source:<9}  {}", b.name, b.about)?;
    }
    if engine
        .iter()
        .any(|n| !root.join(theme::TEMPLATES_DIR).join(n).is_file())
    {
        writeln!(
            ui.out,
            "\n* built in, but it extends or includes one of yours, so it is rendered with yours."
        )?;
    }
    for p in theme.unused() {
        writeln!(
            ui.out,
            "note: {} replaces no built-in and no template uses it",
            p.display()
        )?;
    }
    Ok(Outcome::Done)
}
