//! `send`'s workflow: one release to its lists (or to lists named for this
//! send), or a test copy to one address.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};

use super::{Controls, Tally, load_secret, run_group, sendable};
use crate::config::{Config, ListName};
use crate::content::Content;
use crate::db::{Db, QueuedRecipient};
use crate::delivery::plan::Group;
use crate::delivery::{self, Delivered, Envelope, Recipient, Transport, prepare};
use crate::i18n::Lang;
use crate::markdown::Unpublished;
use crate::release::Release;
use crate::subscribers::EmailAddress;

/// The release to send and the lists it goes to.
pub struct Target<'a> {
    /// The language versions that may be emailed now.
    pub group: Group<'a>,
    /// The release's `lists`, or those named for this send.
    pub lists: Vec<ListName>,
}

/// Finds the release `release` (a file path, slug or translation key) and
/// checks that it may be emailed at `now` to `lists` (empty: its own).
pub fn target<'a>(
    content: &'a Content,
    release: &str,
    lang: Option<&Lang>,
    lists: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<Target<'a>> {
    let config = &content.config;
    let found = content.find(release, lang)?;
    let group = Group::of(content, found);
    delivery::ensure_sendable(&group, now, config.site.timezone)?;
    let group = sendable(&group, now);
    let lists = if lists.is_empty() {
        group.lists()
    } else {
        lists
            .iter()
            .map(|l| config.list_name(l))
            .collect::<Result<Vec<_>, _>>()?
    };
    if lists.is_empty() {
        bail!(
            "{} has no lists: add `lists: [...]` to its front matter or pass --list NAME",
            found.source.path.display()
        );
    }
    Ok(Target { group, lists })
}

/// Who a planned send goes to: messages per list and language, and each
/// recipient.
#[derive(Debug, Default)]
pub struct Recipients {
    /// Messages per list and language.
    pub counts: BTreeMap<(String, Lang), u64>,
    pub rows: Vec<QueuedRecipient>,
}

impl Recipients {
    /// The messages in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The recipients queued for release `key`.
pub fn recipients(store: &Db, key: &str) -> anyhow::Result<Recipients> {
    let mut r = Recipients::default();
    for q in store.journal().queued_recipients(key)? {
        *r.counts
            .entry((q.list.clone(), q.lang.clone()))
            .or_default() += 1;
        r.rows.push(q);
    }
    Ok(r)
}

/// Sends the queued messages of a planned (committed) send.
pub fn deliver(
    content: &Content,
    store: &Db,
    group: &Group<'_>,
    now: DateTime<Utc>,
    controls: &Controls<'_>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let secret = load_secret(&content.config)?;
    tally.releases.push(group.key.to_string());
    let hidden = content.unpublished(now);
    run_group(
        &content.config,
        store,
        group,
        &hidden,
        &secret,
        controls,
        tally,
    )
}

/// One test copy of `release` to `to`, not recorded in the journal
/// (drafts allowed): where it went.
pub fn test_copy(
    config: &Config,
    release: &Release,
    hidden: &Unpublished,
    to: &EmailAddress,
) -> anyhow::Result<Delivered> {
    let group = Group {
        key: release.group_key(),
        versions: vec![release],
    };
    let prepared = prepare(config, &group, hidden)?;
    let p = prepared.values().next().context("nothing to send")?;
    let list = release
        .lists
        .first()
        .map_or_else(|| "test".into(), ListName::to_string);
    let bytes = p.build_test(&Recipient {
        email: to.clone(),
        link_id: None,
        name: None,
        list,
    })?;
    let name = format!("{}.eml", &to.hash()[..24]);
    let envelope = Envelope {
        from: &p.envelope_from,
        to,
        folder: "test",
        name: &name,
    };
    Transport::from_config(config)?
        .send(&envelope, &bytes)
        .context("the test copy was not sent")
}
