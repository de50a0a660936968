//! The site's full-text search index, in fragments that a query fetches
//! on demand (the way Pagefind splits its index), so that a reader's
//! browser downloads a few fragments, not the whole index of a language.
//!
//! A language's index lives under `/{lang}/search/fragments/`:
//! - `index.json`: the index's version, the number of releases, how many
//!   releases a release fragment holds, and the first word of each word
//!   fragment;
//! - `wN.json`: word fragments: words in alphabetical order, each pointing
//!   at the postings of its stem (which releases have the word in any of
//!   its forms, and how strongly);
//! - `rN.json`: release fragments: the title, address, dates and the start
//!   of the lead of [`RELEASES_PER_FRAGMENT`] releases. Releases are
//!   numbered from the oldest, so a new release changes the last release
//!   fragment only.
//!
//! What is indexed: the title, the lead, the keywords and the text, as
//! words of letters and digits, lower-cased. Words that Snowball's stemmer
//! for the language reduces to one stem share their postings, and a query
//! word also matches every word that begins with it (`jätehuol` finds
//! `jätehuollon` and `jätehuolto`). A compound (`jätehuoltolaki`,
//! `avfallshantering`) whose parts are also words of the language's
//! releases is indexed under its parts as well, so `laki` and `hantering`
//! find it. The site's `search.js` reads the format.

use std::borrow::Cow;
use std::hash::BuildHasher;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;

use crate::sharded::{HashMap, HashSet};

/// Releases per release fragment: a page of 20 results fetches at most 20
/// fragments of about 3 KB.
pub const RELEASES_PER_FRAGMENT: usize = 8;
/// The mean size of a word fragment (see [`word_fragments`]).
const WORD_FRAGMENT_BYTES: usize = 12 * 1024;
/// Longer words are not words (hashes, long numbers, addresses).
const MAX_WORD_CHARS: usize = 40;
/// Characters of the lead a result shows.
const EXCERPT_CHARS: usize = 180;
/// A posting's weight: how often the release has the word (at most 7) …
const TF_MAX: u8 = 7;
/// … and whether it is in the title or the keywords.
const IN_TITLE: u8 = 8;

/// One release as the index sees it.
pub struct Doc<'a> {
    pub title: &'a str,
    /// The page's address (root-relative).
    pub url: String,
    pub date_text: &'a str,
    pub date_iso: &'a str,
    pub lead: &'a str,
    pub words: &'a Words,
}

/// A release's distinct words with their weights, worked out once with its
/// view (a writer's preview keeps views between saves, so an edit
/// tokenises one release, not all of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Words {
    /// The words, each followed by a newline.
    #[serde(deserialize_with = "crate::text::string")]
    text: String,
    /// Each word's weight, in the order of `text`.
    weights: Vec<u8>,
}

impl Words {
    /// The words of a release's title, keywords, lead and text (sanitised
    /// HTML, read between the tags).
    pub fn of(title: &str, keywords: &[&str], lead: &str, body_html: &str) -> Self {
        let text = html_text(body_html);
        // Words as written are the keys where they are lower-case already
        // (most words of a text): only the others are copied.
        let mut map: HashMap<Cow<'_, str>, u8> =
            HashMap::with_capacity_and_hasher(text.len() / 24, Default::default());
        let mut add = |raw, title: bool| {
            let weight = map.entry(lowered(raw)).or_insert(0);
            if *weight & TF_MAX < TF_MAX {
                *weight += 1;
            }
            if title {
                *weight |= IN_TITLE;
            }
        };
        for w in raw_words(title) {
            add(w, true);
        }
        for k in keywords {
            for w in raw_words(k) {
                add(w, true);
            }
        }
        for w in raw_words(lead).chain(raw_words(&text)) {
            add(w, false);
        }
        let mut out = Self {
            text: String::with_capacity(map.keys().map(|w| w.len() + 1).sum()),
            weights: Vec::with_capacity(map.len()),
        };
        for (w, weight) in map {
            out.text.push_str(&w);
            out.text.push('\n');
            out.weights.push(weight);
        }
        out
    }

    /// Each word with its weight.
    fn iter(&self) -> impl Iterator<Item = (&str, u8)> {
        self.text
            .split_terminator('\n')
            .zip(self.weights.iter().copied())
    }
}

/// The files of a language's index: (name under `/{lang}/search/`, JSON).
pub type Files = Vec<(String, String)>;

/// The words of `text` as they are written: runs of letters and digits of
/// 2 to [`MAX_WORD_CHARS`] characters (the same rule as `search.js`, which
/// lower-cases them as [`lowered`] does).
fn raw_words(text: &str) -> impl Iterator<Item = &str> {
    // As `text.split(|c| !c.is_alphanumeric())` with the runs of the wrong
    // length left out, but counting each run's characters as it is read:
    // ASCII (most of any text, even Finnish) in tight loops over a table of
    // its bytes, other characters one at a time.
    let bytes = text.as_bytes();
    let len = bytes.len();
    // Whether the character (not ASCII) at `i` is a letter or digit, and
    // its length.
    let other = move |i: usize| -> (bool, usize) {
        if bytes[i] == 0xC3 {
            // U+00C0 to U+00FF (ä, ö, å, é …): letters, but × and ÷.
            (!matches!(bytes[i + 1], 0x97 | 0xB7), 2)
        } else {
            let c = text[i..].chars().next().expect("a character starts here");
            (c.is_alphanumeric(), c.len_utf8())
        }
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            // To the next letter or digit.
            loop {
                while i < len && ASCII_CLASS[usize::from(bytes[i])] == SEPARATOR {
                    i += 1;
                }
                if i >= len {
                    return None;
                }
                if bytes[i].is_ascii() {
                    break;
                }
                let (word, n) = other(i);
                if word {
                    break;
                }
                i += n;
            }
            // Its run, to the next character that is neither.
            let start = i;
            let mut chars = 0;
            loop {
                let run = i;
                while i < len && ASCII_CLASS[usize::from(bytes[i])] == WORD {
                    i += 1;
                }
                chars += i - run;
                if i >= len || bytes[i].is_ascii() {
                    break;
                }
                let (word, n) = other(i);
                if !word {
                    break;
                }
                i += n;
                chars += 1;
            }
            if (2..=MAX_WORD_CHARS).contains(&chars) {
                return Some(&text[start..i]);
            }
        }
    })
}

/// [`ASCII_CLASS`]: an ASCII letter or digit.
const WORD: u8 = 1;
/// [`ASCII_CLASS`]: any other ASCII character.
const SEPARATOR: u8 = 0;
/// [`ASCII_CLASS`]: a byte of a character that is not ASCII.
const OTHER: u8 = 2;

/// What each byte of UTF-8 is to [`raw_words`].
static ASCII_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = if (b as u8).is_ascii_alphanumeric() {
            WORD
        } else {
            SEPARATOR
        };
        b += 1;
    }
    t
};

/// `word` lower-cased; itself when it has no capital letter.
fn lowered(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        if word.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(word.to_ascii_lowercase())
        } else {
            Cow::Borrowed(word)
        }
    } else if word.chars().any(char::is_uppercase) {
        Cow::Owned(word.to_lowercase())
    } else {
        Cow::Borrowed(word)
    }
}

/// The text between the tags of `html` (pressroom's own sanitised
/// output): tags and character references become spaces.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = memchr::memchr2(b'<', b'&', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push(' ');
        let end = if rest.as_bytes()[i] == b'<' {
            b'>'
        } else {
            b';'
        };
        // Both ASCII: `rest` is cut between characters.
        rest = match memchr::memchr(end, &rest.as_bytes()[i..]) {
            Some(j) => &rest[i + j + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// The stemmer of `lang`, if Snowball has one.
fn stemmer(lang: &str) -> Option<Stemmer> {
    let algorithm = match lang {
        "fi" => Algorithm::Finnish,
        "sv" => Algorithm::Swedish,
        "en" => Algorithm::English,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "da" => Algorithm::Danish,
        "de" => Algorithm::German,
        "fr" => Algorithm::French,
        "es" => Algorithm::Spanish,
        "it" => Algorithm::Italian,
        "nl" => Algorithm::Dutch,
        "pt" => Algorithm::Portuguese,
        "ru" => Algorithm::Russian,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// The parts of `word` when it is a compound of words of `known`: the
/// head as short as it can be (at least 3 characters), then the tail,
/// itself a word or a compound (at least 4 characters). In Swedish (and
/// its neighbours), a head may end in a linking `s` (`avfalls|hantering`).
fn compound_parts<'w>(
    word: &'w str,
    known: &HashSet<&str>,
    linking_s: bool,
) -> Option<Vec<&'w str>> {
    let chars = word.chars().count();
    if chars < 7 {
        return None;
    }
    for (n, (i, _)) in word.char_indices().enumerate().skip(3) {
        if chars - n < 4 {
            break;
        }
        let (head, tail) = word.split_at(i);
        let head = if known.contains(head) {
            head
        } else if let Some(h) = head
            .strip_suffix('s')
            .filter(|h| linking_s && h.chars().count() >= 3 && known.contains(h))
        {
            h
        } else {
            continue;
        };
        if known.contains(tail) {
            return Some(vec![head, tail]);
        }
        if let Some(mut rest) = compound_parts(tail, known, linking_s) {
            rest.insert(0, head);
            return Some(rest);
        }
    }
    None
}

/// A word fragment as JSON: `w` its words in order, `s` for each word the
/// index of its postings in `p`, `p` postings (see [`encode`]).
#[derive(Serialize, Default)]
struct WordFragment<'a> {
    w: Vec<&'a str>,
    s: Vec<usize>,
    p: Vec<Vec<u64>>,
}

/// The manifest, `index.json`.
#[derive(Serialize)]
struct Manifest<'a> {
    /// Version: changes with any fragment (search.js asks for fragments
    /// with `?v=` so that no cache mixes two versions).
    v: String,
    /// Releases.
    n: usize,
    /// Releases per release fragment.
    r: usize,
    /// The first word of each word fragment.
    w: Vec<&'a str>,
}

/// Postings as numbers: for each release in order, the distance from the
/// previous one (the first from 0) times 16, plus its weight.
fn encode(postings: &[(u32, u8)]) -> Vec<u64> {
    let mut prev = 0u32;
    postings
        .iter()
        .map(|&(doc, weight)| {
            let n = (u64::from(doc - prev) << 4) | u64::from(weight);
            prev = doc;
            n
        })
        .collect()
}

/// The JSON length of a number.
fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// The start of `lead`, cut at a word after [`EXCERPT_CHARS`] characters.
fn excerpt(lead: &str) -> String {
    let lead = lead.trim();
    if lead.chars().count() <= EXCERPT_CHARS {
        return lead.to_string();
    }
    let cut = lead
        .char_indices()
        .nth(EXCERPT_CHARS)
        .map_or(lead.len(), |(i, _)| i);
    let head = &lead[..cut];
    let head = head.rfind(char::is_whitespace).map_or(head, |i| &head[..i]);
    format!("{}…", head.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// The word fragments: `vocabulary`'s words in order (each with its
/// stem), each fragment with the postings of its words' stems. Where a
/// fragment ends depends on the words alone, not on where it began: after
/// each word, with a chance in proportion to the bytes the word added (one
/// in [`WORD_FRAGMENT_BYTES`] per byte), decided by a hash of the word; at
/// the latest after three times that. So fragments are about
/// [`WORD_FRAGMENT_BYTES`], and a new release changes the fragments of its
/// own words only, not every fragment after the first it touches.
fn word_fragments<'v>(
    vocabulary: &[(&'v str, usize)],
    postings: &[Vec<(u32, u8)>],
) -> Vec<WordFragment<'v>> {
    let mut fragments: Vec<WordFragment> = vec![];
    let mut current = WordFragment::default();
    let mut in_current: HashMap<usize, usize> = HashMap::default();
    let mut bytes = 0;
    for &(w, stem) in vocabulary {
        let before = bytes;
        let slot = *in_current.entry(stem).or_insert_with(|| {
            let encoded = encode(&postings[stem]);
            bytes += encoded.iter().map(|&n| digits(n) + 1).sum::<usize>() + 3;
            current.p.push(encoded);
            current.p.len() - 1
        });
        bytes += w.len() + 4 + digits(slot as u64);
        current.w.push(w);
        current.s.push(slot);
        let added = (bytes - before) as u128;
        let draw = u128::from(rustc_hash::FxBuildHasher.hash_one(w));
        let cut = draw * WORD_FRAGMENT_BYTES as u128 <= added * u128::from(u64::MAX)
            || bytes >= 3 * WORD_FRAGMENT_BYTES;
        if cut {
            fragments.push(std::mem::take(&mut current));
            in_current.clear();
            bytes = 0;
        }
    }
    if !current.w.is_empty() || fragments.is_empty() {
        fragments.push(current);
    }
    fragments
}

/// The word fragments of an index, and the first word of each.
pub struct WordIndex {
    /// `wN.json` with its JSON, in order.
    pub files: Files,
    /// The first word of each fragment (the manifest lists them).
    pub firsts: Vec<String>,
}

/// The release fragment `rN.json` of `chunk` (at most
/// [`RELEASES_PER_FRAGMENT`] releases): title, address, dates and the start
/// of the lead of each.
pub fn release_fragment(chunk: &[Doc]) -> String {
    let rows: Vec<[String; 5]> = chunk.iter().map(row).collect();
    serde_json::to_string(&rows).expect("a release fragment serialises")
}

/// A release as its release fragment shows it.
fn row(d: &Doc) -> [String; 5] {
    [
        d.title.to_string(),
        d.url.clone(),
        d.date_text.to_string(),
        d.date_iso.to_string(),
        excerpt(d.lead),
    ]
}

/// The manifest `index.json` of the index of `docs` whose word fragments
/// are `words`. Its version changes with any fragment: a fingerprint of
/// the word fragments and of what the release fragments are made from
/// (not of their bytes, so that a release fragment need not be made to
/// know it).
pub fn manifest(docs: &[Doc], words: &WordIndex) -> String {
    let shown: Vec<_> = docs
        .iter()
        .map(|d| (d.title, d.url.as_str(), d.date_text, d.date_iso, d.lead))
        .collect();
    let manifest = Manifest {
        v: format!(
            "{:016x}",
            super::site::fingerprint((&words.files, RELEASES_PER_FRAGMENT, shown))
        ),
        n: docs.len(),
        r: RELEASES_PER_FRAGMENT,
        w: words.firsts.iter().map(String::as_str).collect(),
    };
    serde_json::to_string(&manifest).expect("the manifest serialises")
}

/// The word fragments of the index of `docs` (a language's releases,
/// oldest first: a new release is the last, so that the postings of the
/// others stay as they were) in `lang`.
pub fn word_index(lang: &str, docs: &[Doc]) -> WordIndex {
    // The language's words in order, each with its stem. A hash set finds
    // the distinct words and one sort orders them: a tree kept in order
    // compared strings at every insert and every lookup (a writer's
    // preview makes a language's index again at each save).
    let mut distinct: HashSet<&str> = HashSet::default();
    for (w, _) in docs.iter().flat_map(|d| d.words.iter()) {
        distinct.insert(w);
    }
    let mut words: Vec<&str> = distinct.into_iter().collect();
    words.sort_unstable();
    let stemmer = stemmer(lang);
    let stem_of: Vec<String> = words
        .iter()
        .map(|w| match &stemmer {
            // Numbers and codes (`2040`, `a4`) are not inflected words.
            Some(s) if w.chars().all(char::is_alphabetic) => s.stem(w).into_owned(),
            _ => (*w).to_string(),
        })
        .collect();
    let mut stems: HashMap<&str, usize> = HashMap::default();
    let mut vocabulary: Vec<(&str, usize)> = Vec::with_capacity(words.len());
    for (w, stem) in words.iter().zip(&stem_of) {
        let next = stems.len();
        vocabulary.push((w, *stems.entry(stem.as_str()).or_insert(next)));
    }
    let stem_of_word: HashMap<&str, usize> = vocabulary.iter().copied().collect();

    // Compounds: a word's parts, when both are words (or stems) too.
    let known: HashSet<&str> = words
        .iter()
        .copied()
        .chain(stem_of.iter().map(String::as_str))
        .collect();
    let linking_s = matches!(lang, "sv" | "no" | "nb" | "nn" | "da" | "de");
    let parts: HashMap<&str, Vec<&str>> = words
        .iter()
        .filter(|w| w.chars().count() >= 8)
        .filter_map(|w| compound_parts(w, &known, linking_s).map(|p| (*w, p)))
        .collect();

    // Postings per stem, releases in order.
    let mut postings: Vec<Vec<(u32, u8)>> = vec![vec![]; stems.len()];
    let mut of_doc: HashMap<usize, u8> = HashMap::default();
    for (doc, d) in docs.iter().enumerate() {
        of_doc.clear();
        for (w, weight) in d.words.iter() {
            let stem = stem_of_word[w];
            let e = of_doc.entry(stem).or_insert(0);
            *e = ((*e & TF_MAX) + (weight & TF_MAX)).min(TF_MAX) | ((*e | weight) & IN_TITLE);
            for part in parts.get(w).into_iter().flatten() {
                if let Some(&stem) = stem_of_word.get(part).or_else(|| stems.get(part)) {
                    of_doc.entry(stem).or_insert(1);
                }
            }
        }
        let doc = u32::try_from(doc).expect("fewer than 2^32 releases");
        for (&stem, &weight) in &of_doc {
            postings[stem].push((doc, weight));
        }
    }
    for p in &mut postings {
        p.sort_unstable_by_key(|&(doc, _)| doc);
    }

    let fragments = word_fragments(&vocabulary, &postings);
    let files = fragments
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let json = serde_json::to_string(f).expect("a word fragment serialises");
            (format!("w{i}.json"), json)
        })
        .collect();
    WordIndex {
        files,
        firsts: fragments
            .iter()
            .map(|f| f.w.first().copied().unwrap_or("").to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole index of `docs` (a language's releases, oldest first) in
    /// `lang`, as the site makes it from its parts: the word fragments,
    /// the release fragments and the manifest.
    fn build(lang: &str, docs: &[Doc]) -> Files {
        let words = word_index(lang, docs);
        let manifest = manifest(docs, &words);
        let mut files = words.files;
        for (i, chunk) in docs.chunks(RELEASES_PER_FRAGMENT).enumerate() {
            files.push((format!("r{i}.json"), release_fragment(chunk)));
        }
        files.push(("index.json".to_string(), manifest));
        files
    }

    fn doc<'a>(title: &'a str, lead: &'a str, body: &'a str) -> Doc<'a> {
        let words = Box::leak(Box::new(Words::of(title, &["Liikenne"], lead, body)));
        Doc {
            title,
            url: format!("/fi/{}/", title.to_lowercase().replace(' ', "-")),
            date_text: "1.2.2026",
            date_iso: "2026-02-01T10:00:00+02:00",
            lead,
            words,
        }
    }

    /// The releases whose postings `word` finds exactly, with weights, as
    /// search.js reads the files.
    fn lookup(files: &Files, word: &str) -> Vec<(u32, u8)> {
        let get = |name: &str| -> serde_json::Value {
            let (_, json) = files.iter().find(|(n, _)| n == name).unwrap();
            serde_json::from_str(json).unwrap()
        };
        let manifest = get("index.json");
        let firsts: Vec<&str> = manifest["w"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let i = firsts.partition_point(|f| *f <= word).saturating_sub(1);
        let fragment = get(&format!("w{i}.json"));
        let Some(at) = fragment["w"]
            .as_array()
            .unwrap()
            .iter()
            .position(|w| w == word)
        else {
            return vec![];
        };
        let slot = fragment["s"][at].as_u64().unwrap() as usize;
        let mut doc = 0u32;
        fragment["p"][slot]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let n = n.as_u64().unwrap();
                doc += (n >> 4) as u32;
                (doc, (n & 15) as u8)
            })
            .collect()
    }

    fn words(text: &str) -> impl Iterator<Item = String> + '_ {
        raw_words(text).map(|w| lowered(w).into_owned())
    }

    #[test]
    fn words_are_letters_and_digits_lower_cased() {
        let w: Vec<String> = words("Jätehuolto-laki (2026): Å ja ÖVERSIKT, e-mail.").collect();
        assert_eq!(w, ["jätehuolto", "laki", "2026", "ja", "översikt", "mail"]);
    }

    /// The rule as `search.js` states it: split at what is not a letter or
    /// digit, keep runs of 2 to 40 characters.
    fn by_the_rule(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| (2..=MAX_WORD_CHARS).contains(&w.chars().count()))
            .collect()
    }

    #[test]
    fn words_of_any_mix_of_scripts_and_separators_follow_the_rule() {
        // Texts drawn from letters, digits and separators in and out of
        // ASCII, with runs around the longest word; a fixed seed.
        let parts = [
            "a", "Z", "7", " ", "-", ".", "\n", "<", "ä", "Ö", "å", "é", "×", "÷", "ß", "²", "½",
            "–", "“", "🙂", "e\u{301}", "Ω", "東", "\u{A0}", "_",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..5_000 {
            let mut text = String::new();
            for _ in 0..next(60) {
                let part = parts[next(parts.len())];
                let times = if next(10) == 0 { 35 + next(10) } else { 1 };
                text.push_str(&part.repeat(times));
            }
            assert_eq!(
                raw_words(&text).collect::<Vec<_>>(),
                by_the_rule(&text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn words_are_the_runs_of_letters_and_digits_of_two_to_forty_characters() {
        for c in '\u{C0}'..='\u{FF}' {
            let text = format!("a{c}b");
            let whole = c.is_alphanumeric();
            assert_eq!(raw_words(&text).count(), if whole { 1 } else { 0 }, "{c:?}");
        }
        let forty = "ä".repeat(MAX_WORD_CHARS);
        let texts = [
            String::new(),
            "a".into(),
            "ä ö å x y".into(),
            "äö ab 1 22 Ωμέγα 東京都 e\u{301}tude".into(),
            "  Jätehuolto-laki (2026): Å ja ÖVERSIKT, e-mail…ß²½ ".into(),
            "emoji🙂inside 🙂🙂 tab\tnew\nline_under_score".into(),
            format!("{forty} {forty}ä {forty}a b{forty}"),
            format!(
                "x{} {}",
                "1".repeat(MAX_WORD_CHARS - 1),
                "1".repeat(MAX_WORD_CHARS + 1)
            ),
        ];
        for text in &texts {
            assert_eq!(
                raw_words(text).collect::<Vec<_>>(),
                by_the_rule(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn html_text_drops_tags_and_references() {
        assert_eq!(
            html_text("<p>Tie&amp;rata <a href=\"/x\">linkki</a></p>"),
            " Tie rata  linkki  "
        );
        assert_eq!(html_text("a <b"), "a  ");
    }

    #[test]
    fn a_word_in_the_text_finds_its_release_with_its_weight() {
        let docs = [
            doc(
                "Uusi rata",
                "Rata valmistuu.",
                "<p>Rautatieasemalla on juhla.</p>",
            ),
            doc(
                "Tiemaksut",
                "Tie maksaa.",
                "<p>Juhla ei ole. <em>rata</em> rata</p>",
            ),
        ];
        let files = build("fi", &docs);
        // In the title, the lead and the text of the first: 3 times, in the
        // title; twice in the text of the second.
        assert_eq!(lookup(&files, "rata"), [(0, IN_TITLE | 2), (1, 2)]);
        assert_eq!(lookup(&files, "juhla"), [(0, 1), (1, 1)]);
        // The keyword is in every release, as a title word.
        assert_eq!(
            lookup(&files, "liikenne"),
            [(0, IN_TITLE | 1), (1, IN_TITLE | 1)]
        );
        assert!(lookup(&files, "bussi").is_empty());
    }

    #[test]
    fn inflected_forms_share_their_stem_s_postings() {
        let docs = [
            doc("Liikenne", "", "<p>Kaupungin liikenne.</p>"),
            doc("Asemat", "", "<p>Kaupungeissa on asemia.</p>"),
        ];
        let files = build("fi", &docs);
        let stemmer = Stemmer::create(Algorithm::Finnish);
        assert_eq!(stemmer.stem("asemat"), stemmer.stem("asemia"));
        assert_eq!(lookup(&files, "asemia"), lookup(&files, "asemat"));
        assert_eq!(lookup(&files, "asemia").len(), 1);
    }

    #[test]
    fn a_compound_is_found_by_its_parts() {
        let docs = [
            doc("Jätehuoltolaki", "", "<p>Uusi jätehuoltolaki.</p>"),
            doc("Jäte", "", "<p>Huolto ja laki.</p>"),
            doc("Avfall", "", "<p>Om avfall.</p>"),
        ];
        let known: HashSet<&str> = ["jäte", "huolto", "laki"].into_iter().collect();
        assert_eq!(
            compound_parts("jätehuoltolaki", &known, false),
            Some(vec!["jäte", "huolto", "laki"])
        );
        let files = build("fi", &docs);
        let laki: Vec<u32> = lookup(&files, "laki").into_iter().map(|(d, _)| d).collect();
        assert_eq!(laki, [0, 1]);
        let sv = [
            doc("Avfallshantering", "", "<p>Ny avfallshantering.</p>"),
            doc("Hantering", "", "<p>Om avfall och hantering.</p>"),
        ];
        let files = build("sv", &sv);
        let found: Vec<u32> = lookup(&files, "hantering")
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(found, [0, 1]);
        let found: Vec<u32> = lookup(&files, "avfall")
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(found, [0, 1]);
    }

    #[test]
    fn short_parts_are_no_compound() {
        let known: HashSet<&str> = ["ja", "tiedote", "te", "tiedot"].into_iter().collect();
        assert_eq!(compound_parts("jatiedote", &known, false), None);
        assert_eq!(compound_parts("tiedotte", &known, false), None);
    }

    #[test]
    fn fragments_hold_every_word_once_in_order_and_stay_small() {
        let bodies: Vec<String> = (0..3000)
            .map(|i| format!("<p>sana{i} yhteinen toinen{} </p>", i % 37))
            .collect();
        let docs: Vec<Doc> = bodies.iter().map(|b| doc("Otsikko", "", b)).collect();
        let files = build("fi", &docs);
        let mut all = vec![];
        for (name, json) in &files {
            if name.starts_with('w') {
                assert!(
                    json.len() < 4 * WORD_FRAGMENT_BYTES,
                    "{name}: {}",
                    json.len()
                );
                let f: serde_json::Value = serde_json::from_str(json).unwrap();
                all.extend(
                    f["w"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|w| w.as_str().unwrap().to_string()),
                );
            }
        }
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(all, sorted);
        assert!(all.len() > 3000);
        assert!(files.iter().filter(|(n, _)| n.starts_with('w')).count() > 1);
        assert_eq!(lookup(&files, "yhteinen").len(), 3000);
        assert_eq!(lookup(&files, "sana2999"), [(2999, 1)]);
        assert_eq!(
            files.iter().filter(|(n, _)| n.starts_with('r')).count(),
            375
        );
    }

    #[test]
    fn a_new_release_changes_the_fragments_of_its_words_and_the_last_release_fragment() {
        let bodies: Vec<String> = (0..3001)
            .map(|i| format!("<p>sana{i} yhteinen toinen{} </p>", i % 37))
            .collect();
        let docs: Vec<Doc> = bodies.iter().map(|b| doc("Otsikko", "", b)).collect();
        let before = build("fi", &docs[..3000]);
        let after = build("fi", &docs);
        let changed: Vec<&str> = after
            .iter()
            .filter(|f| !before.contains(f))
            .map(|(name, _)| name.as_str())
            .collect();
        // The new release's words: `sana3000` (next to `sana300`), `yhteinen`,
        // `toinen3` and `otsikko`, `liikenne` (in every release); the last
        // release fragment (3,000 filled 375), and the manifest.
        let words = changed.iter().filter(|n| n.starts_with('w')).count();
        let total = after.iter().filter(|(n, _)| n.starts_with('w')).count();
        assert!(
            words <= 6,
            "{words} of {total} word fragments changed: {changed:?}"
        );
        assert!(total >= 8, "{total}");
        assert!(changed.contains(&"r375.json"), "{changed:?}");
        assert!(
            !changed
                .iter()
                .any(|n| n.starts_with('r') && *n != "r375.json"),
            "{changed:?}"
        );
        assert!(changed.contains(&"index.json"));
    }

    #[test]
    fn an_excerpt_ends_at_a_word() {
        let lead = "sana ".repeat(60);
        let e = excerpt(&lead);
        assert!(e.ends_with("sana…"), "{e}");
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(excerpt(" Lyhyt. "), "Lyhyt.");
    }
}
