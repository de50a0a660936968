//! `pressroom init [DIR]`: a new pressroom of one's own.

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{Outcome, Ui, parse_lang};
use crate::i18n::Lang;
use crate::scaffold::init::{self, Spec};

/// Arguments of `init`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The folder of the new pressroom (made if missing; default: --root,
    /// which defaults to the current folder).
    pub dir: Option<PathBuf>,
    /// The site's languages, the default first: --lang fi,sv,en
    #[arg(long = "lang", value_delimiter = ',', value_parser = parse_lang, default_value = "fi,sv,en")]
    pub languages: Vec<Lang>,
    /// The organisation's name (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The time zone of dates in releases, an IANA name (default: from the
    /// first language: Europe/Helsinki for fi, Europe/Stockholm for sv).
    #[arg(long)]
    pub timezone: Option<String>,
    /// Where the site will be published.
    #[arg(long, default_value = "https://press.example.org/")]
    pub base_url: String,
}

/// Writes the new pressroom and says what to do next.
pub fn run(root: &Path, args: &Args, ui: &mut Ui<'_>) -> anyhow::Result<Outcome> {
    let dir = args.dir.clone().unwrap_or_else(|| root.to_path_buf());
    let name = args.name.clone().unwrap_or_else(|| {
        std::path::absolute(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "Organisation".into())
    });
    let timezone = args
        .timezone
        .clone()
        .unwrap_or_else(|| Spec::default_timezone(&args.languages).to_string());
    if timezone.parse::<chrono_tz::Tz>().is_err() {
        anyhow::bail!(
            "--timezone {timezone:?} is not an IANA time zone name (like Europe/Helsinki)"
        );
    }
    let spec = Spec {
        name,
        languages: args.languages.clone(),
        timezone,
        base_url: args.base_url.clone(),
    };
    let written = init::write(&dir, &spec, Utc::now())?;
    let out = &mut *ui.out;
    writeln!(
        out,
        "A new pressroom for {} in {}:",
        spec.name,
        dir.display()
    )?;
    for rel in &written {
        writeln!(out, "  {}", rel.display())?;
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    writeln!(
        out,
        "\nNext: edit pressroom.toml (the organisation's details, base_url), then\n  {cd}pressroom check && pressroom build\nand `pressroom serve --drafts` to see the site with its first release, a draft."
    )?;
    Ok(Outcome::Done)
}
