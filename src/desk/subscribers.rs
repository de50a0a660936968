//! The lists on the desk (admins): add, remove from a list, change the
//! language, erase, import a CSV and lift a suppression, each through the
//! same library functions as `pressroom subscribers`, and each audited.
//! The trail is append-only and so never holds an address: a subscriber is
//! named there by the first 12 characters of their address's hash.

use anyhow::Context;

use super::audit::{self, Action, Actor};
use crate::config::Config;
use crate::db::{Db, SubscriberRow, Unsuppressed};
use crate::i18n::Lang;
use crate::lists::{self, Added, Erased, Imported};
use crate::subscribers::EmailAddress;

/// How the trail names a subscriber: the start of their address's hash.
pub fn trail_name(hash: &str) -> String {
    format!("(address) {}", &hash[..hash.len().min(12)])
}

/// Whether `id` can be an address hash (64 hex digits): anything else is
/// never looked up.
pub fn is_hash(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The subscriber `hash`, if there is one.
pub fn find(db: &Db, hash: &str) -> anyhow::Result<Option<SubscriberRow>> {
    if !is_hash(hash) {
        return Ok(None);
    }
    Ok(db.subscribers().by_hash(hash)?)
}

/// Adds `email` to `list` as confirmed by staff.
#[allow(clippy::too_many_arguments)]
pub fn add(
    db: &Db,
    config: &Config,
    actor: &Actor,
    email: &EmailAddress,
    name: Option<&str>,
    lang: Option<&Lang>,
    list: &str,
) -> anyhow::Result<Added> {
    let added = lists::add(config, db, email, list, name, lang)?;
    if added == Added::Added {
        audit::record(
            db,
            actor,
            Action::SubscriberAdded,
            Some(&trail_name(&email.hash())),
            Some(&format!("to {list}")),
        )?;
    }
    Ok(added)
}

/// Unsubscribes the subscriber `s` from `list`: the memberships ended.
pub fn remove(
    db: &Db,
    config: &Config,
    actor: &Actor,
    s: &SubscriberRow,
    list: &str,
) -> anyhow::Result<u64> {
    let email = EmailAddress::parse(&s.email)?;
    let n = lists::remove(config, db, &email, Some(list))?;
    if n > 0 {
        audit::record(
            db,
            actor,
            Action::SubscriberRemoved,
            Some(&trail_name(&s.hash)),
            Some(&format!("from {list}")),
        )?;
    }
    Ok(n)
}

/// Sets the language the subscriber `s` gets releases in (`None`: the
/// site's default).
pub fn set_lang(
    db: &Db,
    config: &Config,
    actor: &Actor,
    s: &SubscriberRow,
    lang: Option<&Lang>,
) -> anyhow::Result<()> {
    lists::check_lang(config, lang)?;
    db.subscribers().set_lang(&s.hash, lang)?;
    audit::record(
        db,
        actor,
        Action::SubscriberLanguage,
        Some(&trail_name(&s.hash)),
        Some(lang.map_or("(none)", Lang::as_str)),
    )?;
    Ok(())
}

/// Erases the subscriber `s` (GDPR): the same erasure as `subscribers
/// forget`.
pub fn erase(db: &Db, config: &Config, actor: &Actor, s: &SubscriberRow) -> anyhow::Result<Erased> {
    let email = EmailAddress::parse(&s.email)?;
    let erased = lists::erase(config, db, &email)?;
    audit::record(
        db,
        actor,
        Action::Erase,
        Some(&format!("(erased) {}", &s.hash[..12])),
        Some("personal data erased"),
    )?;
    Ok(erased)
}

/// Imports the CSV `bytes` (a file called `name`) into `list`: the
/// importer of `subscribers import`, through a private temporary file in
/// `subscribers/` that is removed afterwards. Problems name `name`.
pub fn import(
    db: &Db,
    config: &Config,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    list: &str,
) -> anyhow::Result<Imported> {
    use std::io::Write;
    let dir = config.root.join("subscribers");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::Builder::new()
        .prefix(".desk-import-")
        .suffix(".csv")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write a temporary file in {}", dir.display()))?;
    file.write_all(bytes)?;
    file.flush()?;
    let imported = lists::import_as(config, db, file.path(), Some(name), list)?;
    let r = &imported.report;
    audit::record(
        db,
        actor,
        Action::Import,
        Some(list),
        Some(&format!(
            "{name}: {} rows, {} added, {} already on it, {} not added (unsubscribed or suppressed), {} skipped",
            r.rows, r.added, r.already, r.refused, r.skipped
        )),
    )?;
    Ok(imported)
}

/// Lifts the suppression of `hash`, for `why` (required): what it was.
pub fn lift(db: &Db, actor: &Actor, hash: &str, why: &str) -> anyhow::Result<Unsuppressed> {
    // The trail outlives any erasure: no address in it, even in a reason.
    let why = crate::subscribers::redact_addresses(why.trim());
    let why = why.as_str();
    anyhow::ensure!(!why.is_empty(), "say why the suppression is lifted");
    if !is_hash(hash) {
        return Ok(Unsuppressed::NotSuppressed);
    }
    let out = db
        .subscribers()
        .unsuppress_hash(hash, &format!("lifted on the desk: {why}"))?;
    if let Unsuppressed::Lifted(reason) = &out {
        audit::record(
            db,
            actor,
            Action::Unsuppress,
            Some(&trail_name(hash)),
            Some(&format!("was: {reason}; why: {why}")),
        )?;
    }
    Ok(out)
}
