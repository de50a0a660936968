//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pressroom::config::Config;

/// The sample pressroom at the top of the repository.
pub mod dkim;
pub mod room;
pub mod smtp;

pub fn sample_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The clock the sample is built at in tests.
pub const NOW: &str = "2026-11-22T08:00:00+02:00";

/// The `[site]` and `[organization]` tables every test configuration shares
/// (a macro, so that the configurations built on it stay constants).
#[macro_export]
macro_rules! site_tables {
    () => {
        r#"
[site]
base_url = "https://press.example.org/"
default_lang = "fi"
languages = ["fi", "sv", "en"]
timezone = "Europe/Helsinki"
[site.title]
fi = "Tiedotteet"
sv = "Pressmeddelanden"
en = "Press releases"
[organization]
name = "Testikunta"
website = "https://example.org/"
phone = "+358 20 000 0000"
email = "info@example.org"
address = "Katu 1, 00100 Helsinki"
[organization.about]
fi = "Tietoa kunnasta."
sv = "Om kommunen."
en = "About the municipality."
"#
    };
}

/// A small configuration for parsing tests.
pub const CONFIG: &str = concat!(
    site_tables!(),
    r#"[lists.media]
title = "Media"
[lists.citizens]
title = "Citizens"
"#
);

pub fn config() -> Config {
    Config::parse(Path::new("/nowhere"), Path::new("pressroom.toml"), CONFIG)
        .expect("test config parses")
}

/// Runs the pressroom binary.
pub fn pressroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressroom"))
        .args(args)
        .env_remove("PRESSROOM_ROOT")
        .output()
        .expect("pressroom runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary pressroom with the test configuration and the given releases.
pub fn temp_pressroom(releases: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pressroom.toml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.path().join("releases/assets")).unwrap();
    for (name, text) in releases {
        std::fs::write(dir.path().join("releases").join(name), text).unwrap();
    }
    dir
}

/// Every sitemap file of the site at `public` (the index and the files it
/// names), one after the other: what search engines are told.
pub fn sitemaps(public: &Path) -> String {
    let index = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    let mut all = index.clone();
    for loc in index.split("<loc>").skip(1) {
        let url = &loc[..loc.find("</loc>").unwrap()];
        let name = url.rsplit('/').next().unwrap();
        all.push_str(&std::fs::read_to_string(public.join(name)).unwrap());
    }
    all
}
