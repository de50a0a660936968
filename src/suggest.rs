//! "Did you mean …?" suggestions for misspelt field and key names.

/// The closest candidate to `unknown`, if one is close enough to be a likely typo.
pub fn closest<'a>(unknown: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(unknown, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `unknown field 'x'` plus a suggestion, or the list of allowed names.
pub fn unknown_field_message(kind: &str, unknown: &str, candidates: &[&str]) -> String {
    match closest(unknown, candidates) {
        Some(best) => format!("unknown {kind} '{unknown}' (did you mean '{best}'?)"),
        None => format!(
            "unknown {kind} '{unknown}' (expected one of: {})",
            candidates.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_name_for_a_typo() {
        assert_eq!(closest("tittle", &["title", "tags", "date"]), Some("title"));
        assert_eq!(closest("zzzz", &["title", "tags", "date"]), None);
    }
}
