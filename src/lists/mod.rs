//! The lists and their members, as library workflows that every front
//! door calls: import a CSV file, add, remove and erase an address. Each
//! takes typed input and returns what it did; the front door shows it.
//! The records themselves are `crate::db`'s; addresses, names and CSV
//! files are `crate::subscribers`'.

use std::path::Path;

use anyhow::{Context, bail};

use crate::config::{Config, ListConfig};
use crate::db::{AddOutcome, Db, Status};
use crate::i18n::Lang;
use crate::subscribers::csv_file::Row;
use crate::subscribers::{EmailAddress, csv_file};

mod sorted;

/// Lists that live in the database (not a CSV `source`).
pub fn db_list<'a>(config: &'a Config, list: &str) -> anyhow::Result<&'a ListConfig> {
    let l = config.list(list)?;
    if let Some(src) = &l.source {
        bail!("list '{list}' is kept in the file {src}: edit that file instead");
    }
    Ok(l)
}

/// Refuses a language that is not one of the site's.
pub fn check_lang(config: &Config, lang: Option<&Lang>) -> anyhow::Result<()> {
    if let Some(l) = lang
        && !config.site.languages.contains(l)
    {
        let langs: Vec<&str> = config.site.languages.iter().map(Lang::as_str).collect();
        bail!(
            "language '{l}' is not one of the site's languages ({})",
            langs.join(", ")
        );
    }
    Ok(())
}

/// Counts of an import.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: u64,
    pub added: u64,
    pub already: u64,
    pub refused: u64,
    pub skipped: u64,
}

/// What an import did: its counts, the file's encoding, and a line for
/// each row not added (`file:line: why`), in the file's order.
#[derive(Debug)]
pub struct Imported {
    pub report: ImportReport,
    pub encoding: String,
    pub problems: Vec<String>,
}

/// Rows an import keeps in memory (about 25 MB of them); more are
/// sorted in runs of this size, spilled and merged ([`sorted::Sorter`]).
const IMPORT_CHUNK: usize = 100_000;

/// Rows added together: every person of a batch, then every membership
/// (a sweep through one table, then the other).
const IMPORT_BATCH: usize = 16_384;

/// Imports a CSV file into a list, all rows in one transaction: invalid
/// rows are skipped, unsubscribed and suppressed addresses never added.
pub fn import(config: &Config, db: &Db, file: &Path, list: &str) -> anyhow::Result<Imported> {
    import_as(config, db, file, None, list)
}

/// [`import`] of a file known to people as `shown` (an upload's name,
/// kept in a temporary file): the consent records and the problems name
/// `shown`, not the temporary file.
pub fn import_as(
    config: &Config,
    db: &Db,
    file: &Path,
    shown: Option<&str>,
    list: &str,
) -> anyhow::Result<Imported> {
    db_list(config, list)?;
    let mut report = ImportReport::default();
    let mut refusals = vec![];
    let mut problems = vec![];
    let source = format!(
        "import {}",
        shown.map_or_else(
            || {
                file.file_name().map_or_else(
                    || file.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            },
            ToString::to_string
        )
    );
    let display = shown.map_or_else(|| file.display().to_string(), ToString::to_string);
    let tx = db.write()?;
    let encoding = {
        let _cache = db.bulk_cache()?;
        let mut add = |chunk: Vec<(String, Row)>| {
            add_chunk(db, list, &source, &chunk, &mut report, &mut |row, why| {
                refusals.push((
                    row.line,
                    format!("{display}:{}: not added: {} is {why}", row.line, row.email),
                ));
            })
        };
        read_sorted(config, db, file, &mut add, &mut problems)?
    };
    report.rows += report.added + report.already + report.refused;
    tx.commit()?;
    let skipped = problems
        .iter()
        .filter(|(_, m)| m.starts_with("skipped") || m.starts_with("unreadable"))
        .count() as u64;
    report.skipped = skipped;
    report.rows += skipped;
    let mut lines: Vec<(u64, String)> = problems
        .into_iter()
        .map(|(line, m)| (line, format!("{display}:{line}: {m}")))
        .chain(refusals)
        .collect();
    lines.sort();
    Ok(Imported {
        report,
        encoding: encoding.to_string(),
        problems: lines.into_iter().map(|(_, p)| p).collect(),
    })
}

/// Reads `file` and gives `add` its rows in batches, in the order of
/// their address hash over the whole file: each B-tree is then filled in
/// order, each page reached once, and the memory stays bounded whatever
/// the file's size (see [`sorted`]). The sort is stable: an address's rows
/// keep the file's order (the first one adds it).
///
/// Both cores work: a full chunk is sorted and written on a thread of
/// its own while the next is read, and the runs are merged on one while
/// the database adds the batch before. Measured at 1,000,000 rows, three
/// interleaved pairs each (the machine's noise is in every pair): the
/// sort beside the reading (with the quicker name check), 10.63, 10.25,
/// 12.57 s → 9.10, 9.58, 11.83 s; then the merge beside the adding,
/// 8.97, 8.74, 12.64 s → 8.25, 8.72, 10.13 s; memory 105 → 122 MB.
///
/// Measured and not kept: staging the rows in a temporary table and
/// adding them with three `INSERT … SELECT`s (no faster once each row's
/// outcome is worked out, and the table grows with the file); one
/// statement that records the person unless suppressed (`INSERT … SELECT
/// … WHERE NOT EXISTS`) instead of a look-up and an insert (4% more
/// instructions under callgrind at 100,000 rows).
fn read_sorted(
    config: &Config,
    db: &Db,
    file: &Path,
    add: &mut dyn FnMut(Vec<(String, Row)>) -> anyhow::Result<()>,
    problems: &mut Vec<(u64, String)>,
) -> anyhow::Result<&'static str> {
    let dir = db
        .path()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut sorter = sorted::Sorter::new(dir, IMPORT_CHUNK);
    let encoding = csv_file::read(
        file,
        &config.site.languages,
        config.delivery.smtputf8,
        |row| sorter.push(row),
        |p| problems.push((p.line, p.message)),
    )?;
    merge_beside(sorter, add)?;
    Ok(encoding)
}

/// Gives `add` the sorted rows while the next batch is merged from the
/// runs on a thread of its own (the database's work is the larger part).
fn merge_beside(
    sorter: sorted::Sorter,
    add: &mut dyn FnMut(Vec<(String, Row)>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    std::thread::scope(|scope| {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let merging = scope.spawn(move || {
            sorter.finish(IMPORT_BATCH, &mut |batch| {
                // Refused only when the adding stopped: it says why.
                tx.send(batch)
                    .map_err(|_| anyhow::anyhow!("the import stopped"))
            })
        });
        let added = rx.iter().try_for_each(&mut *add);
        // Dropped, the receiver ends a merge still under way.
        drop(rx);
        let merged = merging
            .join()
            .map_err(|_| anyhow::anyhow!("the import's merging thread stopped"))?;
        added.and(merged)
    })
}

/// Adds a sorted chunk of rows to `list`: first every person (a sweep
/// through one table), then every membership (a sweep through the other).
fn add_chunk(
    db: &Db,
    list: &str,
    source: &str,
    chunk: &[(String, Row)],
    report: &mut ImportReport,
    refused: &mut dyn FnMut(&Row, &str),
) -> anyhow::Result<()> {
    let store = db.subscribers();
    let mut importer = store.importer()?;
    let mut recorded = Vec::with_capacity(chunk.len());
    for (i, (hash, row)) in chunk.iter().enumerate() {
        match importer.record(hash, &row.email, row.name.as_deref(), row.lang.as_ref())? {
            Some(why) => {
                report.refused += 1;
                refused(row, why);
            }
            None => recorded.push(i),
        }
    }
    for i in recorded {
        let (hash, row) = &chunk[i];
        match importer.join(hash, list, Status::Confirmed, source)? {
            AddOutcome::Added => report.added += 1,
            AddOutcome::AlreadyMember => report.already += 1,
            AddOutcome::Refused(why) => {
                report.refused += 1;
                refused(row, why);
            }
        }
    }
    Ok(())
}

/// Whether [`add`] added the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    AlreadyMember,
}

/// Adds one address to a list, as confirmed by staff. An address that was
/// unsubscribed or suppressed is refused with the reason.
pub fn add(
    config: &Config,
    db: &Db,
    email: &EmailAddress,
    list: &str,
    name: Option<&str>,
    lang: Option<&Lang>,
) -> anyhow::Result<Added> {
    db_list(config, list)?;
    check_lang(config, lang)?;
    email.check_mailable(config.delivery.smtputf8)?;
    match db
        .subscribers()
        .add(email, name, lang, list, Status::Confirmed, "added by staff")?
    {
        AddOutcome::Added => Ok(Added::Added),
        AddOutcome::AlreadyMember => Ok(Added::AlreadyMember),
        AddOutcome::Refused(why) => bail!(
            "{email} was not added: the address is {why}. pressroom never resubscribes it; the person can subscribe again on the web form"
        ),
    }
}

/// Unsubscribes an address from one list, or (`None`) from every list:
/// how many memberships ended.
pub fn remove(
    config: &Config,
    db: &Db,
    email: &EmailAddress,
    list: Option<&str>,
) -> anyhow::Result<u64> {
    if let Some(l) = list {
        config.list(l)?;
    }
    Ok(db
        .subscribers()
        .unsubscribe(&email.hash(), list, "removed by staff")? as u64)
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    /// Database records.
    pub records: u64,
    /// Messages in the outbox.
    pub outbox_files: usize,
    /// Kept copies of bounces that could not be matched.
    pub kept_bounces: usize,
}

/// Erases an address's personal data: its database records (their deleted
/// pages overwritten, the WAL truncated), every outbox file about it and
/// every kept bounce that mentions it; a hashed suppression entry keeps it
/// from being imported again.
pub fn erase(config: &Config, db: &Db, email: &EmailAddress) -> anyhow::Result<Erased> {
    let records = db.subscribers().forget(email)? as u64;
    let outbox = crate::delivery::outbox_dir(config);
    let needle = email.as_str().to_lowercase();
    let mentions = |bytes: &[u8]| crate::bounces::parse::mentions(bytes, &needle);
    let prefix = &email.hash()[..24];
    let outbox_files =
        crate::files::scrub_outbox(&outbox, prefix, &mentions).with_context(|| {
            format!(
                "cannot remove the address's messages from {}",
                outbox.display()
            )
        })?;
    let kept = config.root.join(crate::bounces::UNRECOGNISED_DIR);
    let kept_bounces = crate::files::scrub_outbox(&kept, prefix, &mentions).with_context(|| {
        format!(
            "cannot remove the address's kept messages from {}",
            kept.display()
        )
    })?;
    Ok(Erased {
        records,
        outbox_files,
        kept_bounces,
    })
}

/// `subscribers export [--list NAME] [--all]`: CSV on `out`, every cell
/// safe to open in a spreadsheet.
pub fn export(
    config: &Config,
    db: &Db,
    list: Option<&str>,
    all: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<u64> {
    if let Some(l) = list {
        config.list(l)?;
    }
    let mut w = csv::Writer::from_writer(out);
    if all {
        w.write_record([
            "email",
            "name",
            "lang",
            "list",
            "status",
            "consent_at",
            "consent_source",
            "updated_at",
        ])?;
    } else {
        w.write_record(["email", "name", "lang", "list"])?;
    }
    let mut n = 0;
    db.subscribers()
        .each_member(list, !all, |m| -> anyhow::Result<()> {
            let cols = [
                m.email.as_str().to_string(),
                m.name,
                m.lang.map(|l| l.to_string()).unwrap_or_default(),
                m.list,
                m.status.as_str().to_string(),
                m.consent_at,
                m.consent_source,
                m.updated_at,
            ]
            .map(|c| crate::subscribers::spreadsheet_safe(&c).into_owned());
            if all {
                w.write_record(&cols)?;
            } else {
                w.write_record(&cols[..4])?;
            }
            n += 1;
            Ok(())
        })?;
    w.flush().context("cannot write the export")?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` rows in a sorter that spills every 64 (the folder goes with it).
    fn rows(n: u64) -> (tempfile::TempDir, sorted::Sorter) {
        let dir = tempfile::tempdir().unwrap();
        let mut sorter = sorted::Sorter::new(dir.path(), 64);
        for line in 0..n {
            sorter
                .push(Row {
                    line,
                    email: EmailAddress::parse(&format!("r{line}@example.org")).unwrap(),
                    name: None,
                    lang: None,
                })
                .unwrap();
        }
        (dir, sorter)
    }

    #[test]
    fn the_merge_beside_gives_every_row_once_in_order() {
        let mut seen = vec![];
        let (_dir, sorter) = rows(50_000);
        merge_beside(sorter, &mut |batch| {
            seen.extend(batch.into_iter().map(|(hash, _)| hash));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 50_000);
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn adding_that_fails_stops_the_merge_with_its_own_error() {
        let mut batches = 0;
        let (_dir, sorter) = rows(50_000);
        let err = merge_beside(sorter, &mut |_| {
            batches += 1;
            anyhow::ensure!(batches < 2, "the database is full");
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the database is full");
        assert_eq!(batches, 2, "nothing more was given after the failure");
    }
}
