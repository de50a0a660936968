//! A correction emailed to those who had the original: only the
//! correction (its note, when it was made, the link to the corrected
//! release, the contact people), with "[KORJAUS]" ("[RÄTTELSE]",
//! "[CORRECTION]") before the title, in the language each person had the
//! release in. Its journal key is the release's with the correction's
//! time: each correction goes once to each person, and a later one is a
//! new message. People erased, suppressed or unsubscribed since are left
//! out.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Controls, Tally, load_secret, run_prepared};
use crate::config::Config;
use crate::content::Content;
use crate::db::{Db, now_text};
use crate::delivery::{Group, Prepared, message};
use crate::i18n::Lang;
use crate::markdown::Unpublished;
use crate::render::email;

/// The journal key of the correction `group` carries, if a version has
/// one: the group's key and the latest `updated` of a corrected version,
/// to the minute (as corrections have always been keyed), or to the second
/// when that time has seconds: a second correction in the same minute is a
/// message of its own, not one taken as sent.
pub fn key(group: &Group<'_>) -> Option<String> {
    group
        .versions
        .iter()
        .filter(|r| r.publication.correction.is_some())
        .filter_map(|r| r.publication.updated)
        .max()
        .map(|u| format!("{}#correction-{}", group.key, key_time(u)))
}

/// A correction's time in its journal key.
fn key_time(updated: DateTime<Utc>) -> String {
    use chrono::Timelike as _;
    let form = if updated.second() == 0 {
        "%Y-%m-%dT%H:%MZ"
    } else {
        "%Y-%m-%dT%H:%M:%SZ"
    };
    updated.format(form).to_string()
}

/// How many people would get the correction of `group` now.
pub fn audience(db: &Db, group: &Group<'_>) -> anyhow::Result<u64> {
    Ok(db.journal().correction_audience(&group.key)?)
}

/// Queues the correction `key` of `group` for those who had the original
/// (inside the caller's write transaction): the rows added.
pub fn queue(db: &Db, group: &Group<'_>, key: &str) -> anyhow::Result<u64> {
    Ok(db
        .journal()
        .queue_correction(&group.key, key, &now_text())? as u64)
}

/// [`queue`] in a write transaction of its own.
pub fn plan(db: &Db, group: &Group<'_>, key: &str) -> anyhow::Result<u64> {
    let tx = db.write()?;
    let n = queue(db, group, key)?;
    tx.commit()?;
    Ok(n)
}

/// The correction message of each corrected language version (a reader of
/// a version without a note gets the default language's, else another's).
pub fn prepare(
    config: &Config,
    group: &Group<'_>,
    key: &str,
    hidden: &Unpublished,
) -> anyhow::Result<HashMap<Lang, Prepared>> {
    let dkim = std::sync::Arc::new(message::dkim_signers(config)?);
    let mut out = HashMap::new();
    for r in &group.versions {
        if let Some(rendered) = email::render_correction(r, config, hidden)? {
            out.insert(
                r.lang.clone(),
                Prepared::new(config, key, &r.lang, &rendered, dkim.clone())?,
            );
        }
    }
    if out.is_empty() {
        anyhow::bail!("{} has no correction note to send", group.key);
    }
    Ok(out)
}

/// Plans and sends the correction `group` carries to those who had the
/// original: the rows queued by this call.
pub fn deliver(
    content: &Content,
    store: &Db,
    group: &Group<'_>,
    now: DateTime<Utc>,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<u64> {
    let Some(key) = key(group) else {
        anyhow::bail!(
            "{} has no correction: set `correction:` and `updated:` first",
            group.key
        );
    };
    let queued = plan(store, group, &key)?;
    send_queued(content, store, group, &key, now, controls, tally)?;
    Ok(queued)
}

/// Sends the queued messages of the correction `key` of `group`.
pub fn send_queued(
    content: &Content,
    store: &Db,
    group: &Group<'_>,
    key: &str,
    now: DateTime<Utc>,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let config = &content.config;
    let secret = load_secret(config)?;
    let prepared = prepare(config, group, key, &content.unpublished(now))?;
    tally.releases.push(key.to_string());
    run_prepared(config, store, key, &prepared, &secret, controls, tally)
}
