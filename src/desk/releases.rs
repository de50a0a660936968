//! Releases on the desk: where each stands (draft, in review, approved,
//! scheduled, published), who may do what to it, saving a language version
//! from the editor's form, and submit → approve (four eyes) → release.
//!
//! The files stay the source of truth: the desk writes `releases/` as a
//! text editor would (atomically, keeping fields its form does not know),
//! and keeps in the database only who made, changed, submitted and
//! approved what. An approval is of the bytes of the files: any change to
//! them, on the desk or outside it, withdraws it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_yaml::{Mapping, Value};
use sha2::Digest;

use super::audit::{self, Action, Actor};
use super::{Role, User};
use crate::config::Config;
use crate::db::{Db, ReleaseRecord};
use crate::diagnostic::Diagnostic;
use crate::release::Release;

/// Where a release stands on the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Draft,
    InReview,
    Approved,
    Scheduled,
    Published,
    /// Taken off the site (`withdrawn:`).
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in-review",
            Status::Approved => "approved",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Withdrawn => "withdrawn",
        }
    }
}

/// A release's language versions with the desk's record of it.
#[derive(Debug, Clone)]
pub struct DeskRelease<'a> {
    pub key: String,
    pub versions: Vec<&'a Release>,
    pub record: ReleaseRecord,
    /// The SHA-256 of its files as they are now.
    pub files_hash: String,
}

/// The SHA-256 over the files of `versions` (each path and its bytes, in
/// path order): what an approval is of.
pub fn files_hash(root: &Path, versions: &[&Release]) -> std::io::Result<String> {
    let mut paths: Vec<&Path> = versions.iter().map(|r| r.source.path.as_path()).collect();
    paths.sort();
    let mut h = sha2::Sha256::new();
    for p in paths {
        let bytes = std::fs::read(root.join(p))?;
        h.update((p.as_os_str().len() as u64).to_be_bytes());
        h.update(p.as_os_str().as_encoded_bytes());
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    Ok(crate::subscribers::hex(&h.finalize()))
}

/// The SHA-256 of one file's text, in hex: the version an editor's form
/// was opened on.
pub fn text_version(text: &str) -> String {
    crate::subscribers::hex(&sha2::Sha256::digest(text.as_bytes()))
}

impl<'a> DeskRelease<'a> {
    /// The release of `key` among `releases`, with its record from `db`.
    pub fn of(
        db: &Db,
        root: &Path,
        key: &str,
        releases: &'a [std::sync::Arc<Release>],
    ) -> anyhow::Result<Option<Self>> {
        let versions: Vec<&Release> = releases
            .iter()
            .map(AsRef::as_ref)
            .filter(|r| r.group_key() == key)
            .collect();
        if versions.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            key: key.to_string(),
            files_hash: files_hash(root, &versions)?,
            record: db.desk().release_record(key)?,
            versions,
        }))
    }

    /// Every release among `releases`, each with its record from `db`, in
    /// key order: for the list of releases. The files are read (for their
    /// hash) only of releases that have approvals to compare it with.
    pub fn all(
        db: &Db,
        root: &Path,
        releases: &'a [std::sync::Arc<Release>],
    ) -> anyhow::Result<Vec<Self>> {
        let mut records = db.desk().release_records()?;
        let mut by_key: std::collections::BTreeMap<String, Vec<&'a Release>> = Default::default();
        for r in releases {
            by_key.entry(r.group_key()).or_default().push(r);
        }
        by_key
            .into_iter()
            .map(|(key, versions)| {
                let record = records.remove(&key).unwrap_or_default();
                let files_hash = if record.approvals.is_empty() {
                    String::new()
                } else {
                    files_hash(root, &versions)?
                };
                Ok(Self {
                    key,
                    versions,
                    record,
                    files_hash,
                })
            })
            .collect()
    }

    /// Approvals that count: of the files as they are now, by someone who
    /// neither wrote nor changed the release.
    pub fn valid_approvals(&self) -> usize {
        self.record
            .approvals
            .iter()
            .filter(|(user, hash)| *hash == self.files_hash && !self.record.changers.contains(user))
            .count()
    }

    /// Approved before and changed since (on the desk or outside it).
    pub fn changed_since_approval(&self) -> bool {
        self.record
            .approvals
            .iter()
            .any(|(_, hash)| *hash != self.files_hash)
    }

    /// Where it stands at `now`, with `needed` approvals required.
    pub fn status(&self, now: DateTime<Utc>, needed: u32) -> Status {
        let draft = self.versions.iter().any(|r| r.publication.draft);
        if !draft && self.versions.iter().all(|r| r.is_withdrawn(now)) {
            return Status::Withdrawn;
        }
        if !draft {
            let date = self.versions.iter().map(|r| r.publication.date).min();
            return if date.is_some_and(|d| d > now) {
                Status::Scheduled
            } else {
                Status::Published
            };
        }
        if !self.record.in_review {
            Status::Draft
        } else if self.valid_approvals() >= needed as usize {
            Status::Approved
        } else {
            Status::InReview
        }
    }

    fn is_own(&self, user: &User) -> bool {
        self.record.created_by == Some(user.id)
    }
}

/// What someone asks to do to a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Edit,
    Submit,
    Approve,
    /// Back to draft: out of review, approvals withdrawn.
    Withdraw,
    /// Take `draft: true` away and send it (now, or at its date by
    /// `publish`); once out, send it again to whoever has not had it.
    Release,
    /// Take a published (or scheduled) release off the site and the feeds:
    /// `withdrawn:` now; a page saying so stays at its address.
    TakeDown,
    /// Publish a correction of a published release (`updated:` and
    /// `correction:`), and email it to those who had the original.
    Correct,
}

/// Why an act is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("your role does not allow this")]
    Role,
    #[error("a writer works on their own releases only")]
    NotTheirs,
    #[error("an approved or published release is changed by an editor")]
    Approved,
    #[error("only a draft can be submitted for review")]
    NotADraft,
    #[error("only a release in review can be approved")]
    NotInReview,
    #[error("someone other than the people who wrote or changed it must approve it")]
    OwnWork,
    #[error("it needs its approvals first")]
    NotApproved,
    #[error("its picture needs a description (alt text) and a credit first")]
    PictureUnlabelled,
    #[error("it was withdrawn from the site: it is not sent again")]
    Withdrawn,
    #[error("only a published or scheduled release can be taken off the site")]
    NotOut,
    #[error("only a published release is corrected; until then, change it in the editor")]
    NotPublished,
    #[error("write what was corrected, in at least one language")]
    NoNote,
}

/// Whether `user` may do `act` to `d` at `now`, with `needed` approvals.
/// Roles build on each other: an editor may do what a writer may, an
/// admin what an editor may.
pub fn may(
    user: &User,
    act: Act,
    d: &DeskRelease<'_>,
    now: DateTime<Utc>,
    needed: u32,
) -> Result<(), Refused> {
    let editor = user.role >= Role::Editor;
    let status = d.status(now, needed);
    match act {
        Act::Edit => {
            if editor {
                Ok(())
            } else if !d.is_own(user) {
                Err(Refused::NotTheirs)
            } else if status >= Status::Approved {
                Err(Refused::Approved)
            } else {
                Ok(())
            }
        }
        Act::Submit => {
            if !editor && !d.is_own(user) {
                Err(Refused::NotTheirs)
            } else if status != Status::Draft {
                Err(Refused::NotADraft)
            } else if d.versions.iter().any(|r| {
                r.material.image.as_ref().is_some_and(|i| {
                    i.alt.trim().is_empty()
                        || i.credit.as_deref().is_none_or(|c| c.trim().is_empty())
                })
            }) {
                Err(Refused::PictureUnlabelled)
            } else {
                Ok(())
            }
        }
        Act::Approve => {
            if !editor {
                Err(Refused::Role)
            } else if !d.record.in_review || status >= Status::Scheduled {
                Err(Refused::NotInReview)
            } else if needed > 0 && d.record.changers.contains(&user.id) {
                Err(Refused::OwnWork)
            } else {
                Ok(())
            }
        }
        Act::Withdraw => {
            let own_in_review = d.is_own(user) && status == Status::InReview;
            if !(editor || own_in_review) {
                Err(Refused::Role)
            } else if !matches!(status, Status::InReview | Status::Approved) {
                Err(Refused::NotInReview)
            } else {
                Ok(())
            }
        }
        Act::Release => {
            // Once approved, an editor sends it (again, to people who
            // joined a list since, or now rather than at its date).
            if !editor {
                Err(Refused::Role)
            } else if status < Status::Approved {
                Err(Refused::NotApproved)
            } else if status == Status::Withdrawn {
                Err(Refused::Withdrawn)
            } else {
                Ok(())
            }
        }
        Act::TakeDown => {
            if !editor {
                Err(Refused::Role)
            } else if !matches!(status, Status::Scheduled | Status::Published) {
                Err(Refused::NotOut)
            } else {
                Ok(())
            }
        }
        Act::Correct => {
            if !editor {
                Err(Refused::Role)
            } else if status != Status::Published {
                Err(Refused::NotPublished)
            } else {
                Ok(())
            }
        }
    }
}

/// What the editor's form sets in a language version.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub title: String,
    pub summary: String,
    /// `YYYY-MM-DD HH:MM` in the site's time zone, or RFC 3339.
    pub date: String,
    /// Comma-separated.
    pub tags: String,
    pub lists: Vec<String>,
    pub body: String,
    /// The picture, attachments and contact people; `None` leaves them as
    /// they are (a form without them).
    pub material: Option<MaterialEdit>,
    /// Files sent with the form, stored before the text is saved.
    pub uploads: Vec<Upload>,
}

/// The release's material as the editor's form sets it.
#[derive(Debug, Clone, Default)]
pub struct MaterialEdit {
    /// The picture (`src` under `releases/`), or none.
    pub image: Option<crate::release::Image>,
    pub attachments: Vec<crate::release::Attachment>,
    pub contacts: Vec<crate::release::Contact>,
}

/// A file sent with the editor's form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name it came with (only its words are kept).
    pub name: String,
    pub bytes: Vec<u8>,
    pub purpose: Purpose,
}

/// What an uploaded file is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// The release's picture, replacing any other.
    Picture,
    /// An attachment with this title (the file's name when empty).
    Attachment(String),
}

impl Edit {
    /// The form's values for `r`, as the editor opens it.
    pub fn of(r: &Release, config: &Config) -> Self {
        Self {
            title: r.title.clone(),
            summary: r.summary.clone().unwrap_or_default(),
            date: r
                .publication
                .date
                .with_timezone(&config.site.timezone)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            tags: r
                .tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            lists: r.lists.iter().map(|l| l.as_str().to_string()).collect(),
            body: r.body.clone(),
            material: Some(MaterialEdit {
                image: r.material.image.clone(),
                attachments: r.material.attachments.clone(),
                contacts: r.material.contacts.clone(),
            }),
            uploads: vec![],
        }
    }
}

/// A problem with a saved form, with the field it concerns (`body` for the
/// text, `file` when no field is to blame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The file changed since the form was opened: here it is now.
    #[error("the file changed since the form was opened")]
    Conflict { now: String },
    #[error("the release has problems")]
    Invalid(Vec<FieldProblem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::db::Error> for SaveError {
    fn from(e: crate::db::Error) -> Self {
        SaveError::Other(e.into())
    }
}

/// The field a problem on `line` of a release file concerns: the
/// top-level front-matter key at or above it, or `body` below the front
/// matter.
fn field_of(text: &str, line: usize) -> String {
    let Some((yaml, _, body_line)) = crate::release::front_matter::split(text) else {
        return "file".into();
    };
    if line >= body_line {
        return "body".into();
    }
    yaml.lines()
        .take(line.saturating_sub(1))
        .filter(|l| !l.starts_with([' ', '\t', '-', '#']) && l.contains(':'))
        .last()
        .and_then(|l| l.split(':').next())
        .map_or_else(|| "file".into(), |k| k.trim().to_string())
}

fn problems(text: &str, diags: Vec<Diagnostic>) -> Vec<FieldProblem> {
    diags
        .into_iter()
        .map(|d| FieldProblem {
            field: field_of(text, d.line),
            message: d.message,
        })
        .collect()
}

/// The text of a release file with `edit` applied: the form's fields set
/// (an empty summary or no tags removes the field), `draft: true`, every
/// other field kept as it was, and the body replaced.
pub fn apply(text: &str, edit: &Edit) -> anyhow::Result<String> {
    let (yaml, _, _) = crate::release::front_matter::split(text)
        .ok_or_else(|| anyhow::anyhow!("the file has no front matter"))?;
    let mut map: Mapping = serde_yaml::from_str(yaml)?;
    let mut set = |k: &str, v: Option<Value>| match v {
        Some(v) => {
            map.insert(Value::from(k), v);
        }
        None => {
            map.remove(k);
        }
    };
    set("title", Some(Value::from(edit.title.trim())));
    set("date", Some(Value::from(edit.date.trim())));
    let summary = edit.summary.replace("\r\n", "\n");
    set(
        "summary",
        (!summary.trim().is_empty()).then(|| Value::from(summary.trim())),
    );
    let tags: Vec<Value> = edit
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Value::from)
        .collect();
    set("tags", (!tags.is_empty()).then(|| Value::Sequence(tags)));
    let lists: Vec<Value> = edit.lists.iter().map(|l| Value::from(l.as_str())).collect();
    set("lists", (!lists.is_empty()).then(|| Value::Sequence(lists)));
    if let Some(m) = &edit.material {
        set_material(&mut map, m);
    }
    map.insert(Value::from("draft"), Value::Bool(true));
    let body = edit.body.replace("\r\n", "\n");
    let body = body.trim_end();
    Ok(format!(
        "---\n{}---\n{body}\n",
        serde_yaml::to_string(&map)?
    ))
}

/// Writes the picture, attachments and contacts of `m` into the front
/// matter `map` (an empty one removes its key).
fn set_material(map: &mut Mapping, m: &MaterialEdit) {
    fn put(map: &mut Mapping, key: &str, v: Option<Value>) {
        match v {
            Some(v) => {
                map.insert(Value::from(key), v);
            }
            None => {
                map.remove(key);
            }
        }
    }
    fn entry(pairs: &[(&str, Option<&str>)]) -> Value {
        let mut m = Mapping::new();
        for (k, v) in pairs {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                m.insert(Value::from(*k), Value::from(v));
            }
        }
        Value::Mapping(m)
    }
    let image = m.image.as_ref().map(|i| {
        entry(&[
            ("src", Some(&i.src)),
            ("alt", Some(&i.alt)),
            ("caption", i.caption.as_deref()),
            ("credit", i.credit.as_deref()),
        ])
    });
    put(map, "image", image);
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| entry(&[("title", Some(&a.title)), ("src", Some(&a.src))]))
        .collect();
    put(
        map,
        "attachments",
        (!attachments.is_empty()).then_some(Value::Sequence(attachments)),
    );
    let contacts: Vec<Value> = m
        .contacts
        .iter()
        .filter(|c| !c.name.trim().is_empty())
        .map(|c| {
            entry(&[
                ("name", Some(&c.name)),
                ("role", c.role.as_deref()),
                ("phone", c.phone.as_deref()),
                ("email", c.email.as_deref()),
            ])
        })
        .collect();
    put(
        map,
        "contacts",
        (!contacts.is_empty()).then_some(Value::Sequence(contacts)),
    );
}

/// Stores the files sent with `edit` in the release `slug`'s folder and
/// puts them into its material: the picture replaces any other (keeping
/// its description), an attachment is added. A refused file is a problem
/// of its field (`image` or `attachments`), and nothing is stored for it.
fn store_uploads(
    config: &Config,
    slug: &str,
    edit: &mut Edit,
    stored: &mut Vec<String>,
) -> Result<(), SaveError> {
    use super::uploads::{StoreError, store};
    let mut problems = vec![];
    let uploads = std::mem::take(&mut edit.uploads);
    let material = edit.material.get_or_insert_with(MaterialEdit::default);
    for u in uploads {
        let picture = u.purpose == Purpose::Picture;
        let field = if picture { "image" } else { "attachments" };
        match store(config, slug, &u.name, &u.bytes, picture) {
            Ok(src) => match u.purpose {
                Purpose::Picture => {
                    stored.push(src.clone());
                    let mut image = material.image.take().unwrap_or(crate::release::Image {
                        src: String::new(),
                        alt: String::new(),
                        caption: None,
                        credit: None,
                    });
                    image.src = src;
                    material.image = Some(image);
                }
                Purpose::Attachment(title) => {
                    stored.push(src.clone());
                    let title = if title.trim().is_empty() {
                        u.name.rsplit(['/', '\\']).next().unwrap_or("").to_string()
                    } else {
                        title
                    };
                    material
                        .attachments
                        .push(crate::release::Attachment { title, src });
                }
            },
            Err(StoreError::Refused(why)) => problems.push(FieldProblem {
                field: field.into(),
                message: format!("{}: {why}", u.name),
            }),
            Err(StoreError::Other(e)) => return Err(SaveError::Other(e)),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SaveError::Invalid(problems))
    }
}

/// Stores the files sent with `edit` (see [`store_uploads`]) into the
/// release `d`, if `user` may edit it, and records each file kept in the
/// audit trail: a form whose text then cannot be saved keeps what it
/// uploaded.
pub fn take_uploads(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    slug: &str,
    edit: &mut Edit,
) -> Result<(), SaveError> {
    if edit.uploads.is_empty() {
        return Ok(());
    }
    may(user, Act::Edit, d, Utc::now(), config.desk.approvals)?;
    let mut stored = vec![];
    let outcome = store_uploads(config, slug, edit, &mut stored);
    if !stored.is_empty() {
        audit::record(
            db,
            actor,
            Action::Upload,
            Some(&d.key),
            Some(&stored.join(", ")),
        )?;
    }
    outcome
}

/// Writes `text` to `path` atomically: a temporary file beside it, then a
/// rename, so a reader sees the old file or the new one, never half.
fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no folder", path.display()))?;
    let mut tmp = tempfile::Builder::new().prefix(".desk-").tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Checks `text` as the release file `path` would be read.
fn check(config: &Config, path: &Path, text: &str) -> Result<Release, Vec<Diagnostic>> {
    let dir = config.releases_dir();
    let exists = |rel: &str| {
        !crate::files::is_hidden_path(rel)
            && crate::files::is_regular_file_inside(&dir, Path::new(rel))
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::release::parse(config.display_path(path), &name, text, config, &exists)
}

/// The language version `r` as it would read with `edit` saved; nothing
/// is written (the desk's preview of a form).
pub fn candidate(config: &Config, r: &Release, edit: &Edit) -> Result<Release, SaveError> {
    let path = config.root.join(&r.source.path);
    let text = std::fs::read_to_string(&path).map_err(anyhow::Error::from)?;
    let new = apply(&text, edit)?;
    check(config, &path, &new).map_err(|diags| SaveError::Invalid(problems(&new, diags)))
}

/// Saves `edit` into the language version `r` of `d`, if `user` may edit
/// it and its file is still the `version` the form was opened on. The new
/// text must read as a release; the change is recorded (withdrawing any
/// approval) and audited.
#[allow(clippy::too_many_arguments)]
pub fn save(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    r: &Release,
    version: &str,
    edit: &Edit,
) -> Result<(), SaveError> {
    may(user, Act::Edit, d, Utc::now(), config.desk.approvals)?;
    let path = config.root.join(&r.source.path);
    let now_text = std::fs::read_to_string(&path).map_err(anyhow::Error::from)?;
    if text_version(&now_text) != version {
        return Err(SaveError::Conflict { now: now_text });
    }
    let mut edit = edit.clone();
    take_uploads(db, config, actor, user, d, r.slug.as_str(), &mut edit)?;
    let new = apply(&now_text, &edit)?;
    check(config, &path, &new).map_err(|diags| SaveError::Invalid(problems(&new, diags)))?;
    write_atomic(&path, &new)?;
    db.desk().record_change(&d.key, user.id)?;
    let object = r.source.path.display().to_string();
    audit::record(db, actor, Action::Save, Some(&object), None)?;
    super::git::commit(db, config, user, Action::Save, &object);
    Ok(())
}

/// Makes a new release file (a draft) titled `title` in `lang` at `date`,
/// owned by `user`; returns its path under the root.
pub fn create(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    lang: &str,
    edit: &Edit,
) -> Result<PathBuf, SaveError> {
    let invalid = |field: &str, message: String| {
        SaveError::Invalid(vec![FieldProblem {
            field: field.into(),
            message,
        }])
    };
    let lang = crate::i18n::Lang::parse(lang).map_err(|e| invalid("lang", e.to_string()))?;
    let when = crate::time::parse_publish_time(&edit.date, config.site.timezone)
        .map_err(|e| invalid("date", e.to_string()))?;
    let slug = crate::release::slugify_at_most(edit.title.trim(), crate::release::NEW_SLUG_MAX);
    if slug.as_str().is_empty() {
        return Err(invalid("title", "a title is needed".into()));
    }
    let day = when.with_timezone(&config.site.timezone).format("%Y-%m-%d");
    let name = format!("{day}-{slug}.{lang}.md");
    let path = config.releases_dir().join(&name);
    let text = apply("---\ntitle: x\n---\n", edit)?;
    check(config, &path, &text).map_err(|diags| SaveError::Invalid(problems(&text, diags)))?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(text.as_bytes()).map_err(anyhow::Error::from)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(invalid(
                "title",
                format!("releases/{name} exists already: choose another title or date"),
            ));
        }
        Err(e) => return Err(SaveError::Other(e.into())),
    }
    let key = check(config, &path, &text)
        .map(|r| r.group_key())
        .map_err(|diags| SaveError::Invalid(problems(&text, diags)))?;
    db.desk().record_change(&key, user.id)?;
    let object = format!("releases/{name}");
    audit::record(db, actor, Action::Create, Some(&object), None)?;
    super::git::commit(db, config, user, Action::Create, &object);
    Ok(PathBuf::from("releases").join(name))
}

/// Starts the `lang` version of `d` from its version `source`: a new file
/// with the same date and slug (so the two are one release), the same
/// fields and text to translate, and `draft: true`. Needs the right to
/// edit `d`; any approval of `d` is withdrawn.
pub fn translate(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    source: &Release,
    lang: &str,
) -> Result<PathBuf, SaveError> {
    may(user, Act::Edit, d, Utc::now(), config.desk.approvals)?;
    let invalid = |message: String| {
        SaveError::Invalid(vec![FieldProblem {
            field: "lang".into(),
            message,
        }])
    };
    let lang = crate::i18n::Lang::parse(lang).map_err(|e| invalid(e.to_string()))?;
    if !config.site.languages.contains(&lang) {
        return Err(invalid(format!(
            "{lang} is not one of the site's languages"
        )));
    }
    if d.versions.iter().any(|r| r.lang == lang) {
        return Err(invalid(format!("the release has a {lang} version already")));
    }
    let text = std::fs::read_to_string(config.root.join(&source.source.path))
        .map_err(anyhow::Error::from)?;
    let (yaml, body, _) = crate::release::front_matter::split(&text)
        .ok_or_else(|| anyhow::anyhow!("the file has no front matter"))?;
    let mut map: Mapping = serde_yaml::from_str(yaml).map_err(anyhow::Error::from)?;
    map.remove("lang");
    map.insert(Value::from("draft"), Value::Bool(true));
    let new = format!(
        "---\n{}---\n{body}",
        serde_yaml::to_string(&map).map_err(anyhow::Error::from)?
    );
    let name = format!("{}-{}.{lang}.md", source.file_date, source.slug);
    let path = config.releases_dir().join(&name);
    check(config, &path, &new).map_err(|diags| SaveError::Invalid(problems(&new, diags)))?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(new.as_bytes()).map_err(anyhow::Error::from)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(invalid(format!("releases/{name} exists already")));
        }
        Err(e) => return Err(SaveError::Other(e.into())),
    }
    db.desk().record_change(&d.key, user.id)?;
    let object = format!("releases/{name}");
    audit::record(
        db,
        actor,
        Action::Create,
        Some(&object),
        Some("a language version"),
    )?;
    super::git::commit(db, config, user, Action::Create, &object);
    Ok(PathBuf::from("releases").join(name))
}

/// Sends a test copy of the language version `r` of `d` to `user`'s own
/// address: `[TEST]` in its subject in the release's language, a
/// Message-ID of its own, no journal entry. Anyone who may edit the
/// release, or is an editor, may; it is audited.
#[allow(clippy::too_many_arguments)]
pub fn test_send(
    db: &Db,
    config: &Config,
    hidden: &crate::markdown::Unpublished,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    r: &Release,
    to_team: bool,
) -> Result<usize, SaveError> {
    if user.role < Role::Editor {
        may(user, Act::Edit, d, Utc::now(), config.desk.approvals)?;
    }
    let to: Vec<crate::subscribers::EmailAddress> = if to_team {
        config
            .desk
            .test_recipients
            .iter()
            .map(|a| crate::subscribers::EmailAddress::parse(a))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("[desk] test_recipients: {e}"))?
    } else {
        vec![user.email.clone()]
    };
    if to.is_empty() {
        return Err(SaveError::Invalid(vec![FieldProblem {
            field: "to".into(),
            message: "[desk] test_recipients names no address".into(),
        }]));
    }
    for address in &to {
        crate::sending::send::test_copy(config, r, hidden, address)?;
    }
    let object = r.source.path.display().to_string();
    let detail = if to_team {
        format!("to the {} addresses of [desk] test_recipients", to.len())
    } else {
        "to the sender's own address".to_string()
    };
    audit::record(db, actor, Action::TestSend, Some(&object), Some(&detail))?;
    Ok(to.len())
}

/// Does `act` (submit, approve, withdraw or release) to `d` for `user`,
/// and audits it.
pub fn act(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    act: Act,
) -> Result<(), SaveError> {
    may(user, act, d, Utc::now(), config.desk.approvals)?;
    let action = match act {
        Act::Edit => return Ok(()),
        Act::Submit => {
            if d.record.created_by.is_none() {
                // Written outside the desk: whoever submits it answers for
                // it, and someone else approves it.
                db.desk().record_change(&d.key, user.id)?;
            }
            db.desk().set_in_review(&d.key, true)?;
            Action::Submit
        }
        Act::Approve => {
            db.desk().approve(&d.key, user.id, &d.files_hash)?;
            Action::Approve
        }
        Act::Withdraw => {
            db.desk().set_in_review(&d.key, false)?;
            Action::Withdraw
        }
        Act::Release => {
            release_files(config, d, None)?;
            db.desk().set_in_review(&d.key, false)?;
            Action::Release
        }
        Act::TakeDown => {
            set_withdrawn(config, d, Utc::now())?;
            Action::TakeDown
        }
        // With its notes: see [`correct`].
        Act::Correct => return Err(Refused::NoNote.into()),
    };
    audit::record(db, actor, action, Some(&d.key), None)?;
    super::git::commit(db, config, user, action, &d.key);
    Ok(())
}

/// `at` as the front matter writes a time: the minute, in the site's
/// time zone.
fn minute(config: &Config, at: DateTime<Utc>) -> String {
    at.with_timezone(&config.site.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `updated:` for a correction made at `now`: this minute, as people write
/// it; to the second (RFC 3339) after a correction already made this minute
/// (or later), so that each correction has a time, and an email, of its own
/// (the journal keys a correction by its time: `sending::correction::key`).
fn correction_stamp(
    config: &Config,
    previous: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    use chrono::{Duration, SubsecRound as _, Timelike as _};
    let now = now.trunc_subsecs(0);
    let this_minute = now - Duration::seconds(i64::from(now.second()));
    match previous {
        Some(p) if p >= this_minute => {
            let mut at = now.max(p.trunc_subsecs(0) + Duration::seconds(1));
            if at.second() == 0 {
                // On the minute it would read as, and be keyed as, a minute.
                at += Duration::seconds(1);
            }
            at.with_timezone(&config.site.timezone)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        }
        _ => minute(config, now),
    }
}

/// Changes the front matter of `r`'s file with `change`, keeping every
/// other field and the text; the new file is checked before it is written
/// (atomically).
fn rewrite_front_matter(
    config: &Config,
    r: &Release,
    change: impl FnOnce(&mut Mapping),
) -> Result<(), SaveError> {
    let path = config.root.join(&r.source.path);
    let text = std::fs::read_to_string(&path).map_err(anyhow::Error::from)?;
    let (yaml, body, _) = crate::release::front_matter::split(&text)
        .ok_or_else(|| anyhow::anyhow!("{} has no front matter", path.display()))?;
    let mut map: Mapping = serde_yaml::from_str(yaml).map_err(anyhow::Error::from)?;
    change(&mut map);
    let new = format!(
        "---\n{}---\n{body}",
        serde_yaml::to_string(&map).map_err(anyhow::Error::from)?
    );
    check(config, &path, &new).map_err(|diags| SaveError::Invalid(problems(&new, diags)))?;
    write_atomic(&path, &new)?;
    Ok(())
}

/// Writes `withdrawn:` (the minute of `at`, in the site's time zone) into
/// every version of `d`, each file checked before it is written.
pub fn set_withdrawn(
    config: &Config,
    d: &DeskRelease<'_>,
    at: DateTime<Utc>,
) -> Result<(), SaveError> {
    withdraw_versions(config, &d.versions, at)
}

/// Writes `withdrawn:` (the minute of `at`) into each of `versions` (the
/// language versions of one release; `pressroom withdraw` and the desk's
/// take-down), each file checked before it is written.
pub fn withdraw_versions(
    config: &Config,
    versions: &[&Release],
    at: DateTime<Utc>,
) -> Result<(), SaveError> {
    let stamp = minute(config, at);
    for r in versions {
        rewrite_front_matter(config, r, |map| {
            map.insert(Value::from("withdrawn"), Value::from(stamp.clone()));
        })?;
    }
    Ok(())
}

/// The longest correction note, in characters.
pub const MAX_NOTE: usize = 2_000;

/// Publishes a correction of `d` by `user`: each language version with a
/// note in `notes` (by language code; an empty one leaves its version as
/// it is) gets `updated:` (this minute) and `correction:`, each file
/// checked before it is written. Audited `correct` with the languages.
/// Returns the languages corrected.
pub fn correct(
    db: &Db,
    config: &Config,
    actor: &Actor,
    user: &User,
    d: &DeskRelease<'_>,
    notes: &std::collections::BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, SaveError> {
    may(user, Act::Correct, d, now, config.desk.approvals)?;
    let note_of = |r: &Release| {
        notes
            .get(r.lang.as_str())
            .map(|n| n.trim().chars().take(MAX_NOTE).collect::<String>())
            .filter(|n| !n.is_empty())
    };
    if !d.versions.iter().any(|r| note_of(r).is_some()) {
        return Err(Refused::NoNote.into());
    }
    let previous = d
        .versions
        .iter()
        .filter_map(|r| r.publication.updated)
        .max();
    let stamp = correction_stamp(config, previous, now);
    let mut done = vec![];
    for r in &d.versions {
        let Some(note) = note_of(r) else { continue };
        rewrite_front_matter(config, r, |map| {
            map.insert(Value::from("updated"), Value::from(stamp.clone()));
            map.insert(Value::from("correction"), Value::from(note));
        })?;
        done.push(r.lang.to_string());
    }
    audit::record(
        db,
        actor,
        Action::Correct,
        Some(&d.key),
        Some(&done.join(", ")),
    )?;
    super::git::commit(db, config, user, Action::Correct, &d.key);
    Ok(done)
}

/// Takes `draft: true` out of every version of `d` (and, with `date`,
/// sets its date to that minute in the site's time zone: "send now" of a
/// release whose date was still ahead), each file checked before it is
/// written.
pub fn release_files(
    config: &Config,
    d: &DeskRelease<'_>,
    date: Option<DateTime<Utc>>,
) -> Result<(), SaveError> {
    for r in &d.versions {
        let moved = date.filter(|at| r.publication.date > *at);
        if !r.publication.draft && moved.is_none() {
            // Out already (a send again): the file stays as it is.
            continue;
        }
        rewrite_front_matter(config, r, |map| {
            map.remove("draft");
            if let Some(at) = moved {
                map.insert(Value::from("date"), Value::from(minute(config, at)));
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_correction_in_the_same_minute_gets_a_time_of_its_own() {
        let config = Config::parse(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            Path::new("pressroom.toml"),
            include_str!("../../pressroom.toml"),
        )
        .unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let stamp = |previous: Option<&str>| {
            correction_stamp(&config, previous.map(at), at("2026-12-07T13:30:42.5Z"))
        };
        // The first correction, or one after a correction of an earlier
        // minute: the minute, in the site's time zone.
        assert_eq!(stamp(None), "2026-12-07 15:30");
        assert_eq!(stamp(Some("2026-12-07T13:29:59Z")), "2026-12-07 15:30");
        // After one of this minute: to the second, later than it, never
        // on a minute (which would be keyed as the minute).
        assert_eq!(
            stamp(Some("2026-12-07T13:30:00Z")),
            "2026-12-07T15:30:42+02:00"
        );
        assert_eq!(
            stamp(Some("2026-12-07T13:30:42Z")),
            "2026-12-07T15:30:43+02:00"
        );
        assert_eq!(
            stamp(Some("2026-12-07T13:30:59Z")),
            "2026-12-07T15:31:01+02:00"
        );
    }

    #[test]
    fn the_form_sets_its_fields_keeps_the_others_and_makes_a_draft() {
        let text = "---\ntitle: Old\ndate: 2026-11-20 09:00\ntranslation_key: strategy\ncontacts:\n  - name: Aino\n---\nOld body.\n";
        let edit = Edit {
            title: "New: title".into(),
            summary: String::new(),
            date: "2026-11-21 10:00".into(),
            tags: "budget, schools ,".into(),
            lists: vec!["media".into()],
            body: "New body.\r\nSecond line.\r\n".into(),
            material: None,
            uploads: vec![],
        };
        let out = apply(text, &edit).unwrap();
        let (yaml, body, _) = crate::release::front_matter::split(&out).unwrap();
        let map: Mapping = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(map["title"], Value::from("New: title"));
        assert_eq!(map["translation_key"], Value::from("strategy"));
        assert_eq!(map["contacts"][0]["name"], Value::from("Aino"));
        assert_eq!(map["draft"], Value::Bool(true));
        assert_eq!(map["tags"][1], Value::from("schools"));
        assert!(map.get("summary").is_none());
        assert_eq!(body, "New body.\nSecond line.\n");
    }

    #[test]
    fn the_form_s_material_replaces_the_picture_attachments_and_contacts() {
        use crate::release::{Attachment, Contact, Image};
        let text = "---\ntitle: Old\ndate: 2026-11-20 09:00\ncontacts:\n  - name: Aino\nimage:\n  src: assets/a.jpg\n  alt: A\n---\nBody\n";
        let edit = Edit {
            title: "Old".into(),
            date: "2026-11-20 09:00".into(),
            material: Some(MaterialEdit {
                image: Some(Image {
                    src: "assets/b/new.png".into(),
                    alt: "A bridge".into(),
                    caption: Some("  ".into()),
                    credit: Some("Photo: Ville".into()),
                }),
                attachments: vec![Attachment {
                    title: "Report".into(),
                    src: "assets/b/report.pdf".into(),
                }],
                contacts: vec![
                    Contact {
                        name: "Ville Virta".into(),
                        role: None,
                        phone: Some("+358 40 123 4567".into()),
                        email: None,
                    },
                    Contact {
                        name: " ".into(),
                        role: Some("nobody".into()),
                        phone: None,
                        email: None,
                    },
                ],
            }),
            ..Edit::default()
        };
        let out = apply(text, &edit).unwrap();
        let (yaml, _, _) = crate::release::front_matter::split(&out).unwrap();
        let map: Mapping = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(map["image"]["src"], Value::from("assets/b/new.png"));
        assert_eq!(map["image"]["credit"], Value::from("Photo: Ville"));
        assert!(map["image"].get("caption").is_none(), "{out}");
        assert_eq!(map["attachments"][0]["title"], Value::from("Report"));
        assert_eq!(map["contacts"].as_sequence().unwrap().len(), 1);
        assert_eq!(map["contacts"][0]["phone"], Value::from("+358 40 123 4567"));
        assert!(map["contacts"][0].get("role").is_none());
        let none = Edit {
            material: Some(MaterialEdit::default()),
            ..edit
        };
        let out = apply(text, &none).unwrap();
        for gone in ["image:", "contacts:", "attachments:"] {
            assert!(!out.contains(gone), "{out}");
        }
    }

    #[test]
    fn a_problem_is_put_next_to_the_field_it_concerns() {
        let text = "---\ntitle: A\ndate: someday\ntags:\n  - x\n---\nBody\n";
        assert_eq!(field_of(text, 3), "date");
        assert_eq!(field_of(text, 5), "tags");
        assert_eq!(field_of(text, 7), "body");
    }
}
