//! Publication times: RFC 3339, or `YYYY-MM-DD HH:MM` / `YYYY-MM-DD` in the
//! site's time zone, with daylight-saving transitions handled by `chrono-tz`.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A duration as a person writes it: "2 days", "1 day 12 hours",
/// "45 minutes" (humantime's own form runs number and unit together).
pub fn human_duration(d: std::time::Duration) -> String {
    humantime::format_duration(d)
        .to_string()
        .split(' ')
        .filter_map(|part| {
            let at = part.find(|c: char| !c.is_ascii_digit())?;
            let (n, unit) = part.split_at(at);
            let one = n == "1";
            let word = match unit {
                "years" | "year" => {
                    if one {
                        "year"
                    } else {
                        "years"
                    }
                }
                "months" | "month" => {
                    if one {
                        "month"
                    } else {
                        "months"
                    }
                }
                "weeks" | "week" => {
                    if one {
                        "week"
                    } else {
                        "weeks"
                    }
                }
                "days" | "day" => {
                    if one {
                        "day"
                    } else {
                        "days"
                    }
                }
                "h" => {
                    if one {
                        "hour"
                    } else {
                        "hours"
                    }
                }
                "m" => {
                    if one {
                        "minute"
                    } else {
                        "minutes"
                    }
                }
                "s" => {
                    if one {
                        "second"
                    } else {
                        "seconds"
                    }
                }
                other => other,
            };
            Some(format!("{n} {word}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A time that cannot be read, with what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "'{text}' is not a date: use 'YYYY-MM-DD HH:MM' (in {tz}) or RFC 3339 such as '2026-11-20T09:00:00+02:00'"
    )]
    NotADate { text: String, tz: &'static str },
    #[error("'{text}' does not exist in {tz} (the clocks skip that hour when summer time starts)")]
    InTheGap { text: String, tz: &'static str },
    #[error("'{text}' is not an RFC 3339 time such as 2026-11-20T09:00:00+02:00 ({why})")]
    NotRfc3339 { text: String, why: String },
    #[error("--since '{0}' is neither a duration (\"7days\") nor a date (2026-11-01)")]
    NotASince(String),
}

/// `--since`: a duration back from now ("7days") or a date (from its
/// midnight, UTC), as stored times are written (RFC 3339, milliseconds).
pub fn since(text: &str) -> Result<String, TimeError> {
    let t = if let Ok(d) = humantime::parse_duration(text.trim()) {
        chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| Utc::now().checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    } else if let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
    } else {
        return Err(TimeError::NotASince(text.to_string()));
    };
    Ok(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// Parses a front-matter date. Local times are read in `tz`.
pub fn parse_publish_time(s: &str, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .map_err(|_| TimeError::NotADate {
            text: s.to_string(),
            tz: tz.name(),
        })?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // Autumn: the hour repeats; take the first (summer time) occurrence.
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(TimeError::InTheGap {
            text: s.to_string(),
            tz: tz.name(),
        }),
    }
}

/// Parses the `--now` option (RFC 3339).
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, TimeError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| TimeError::NotRfc3339 {
            text: s.to_string(),
            why: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELSINKI: Tz = chrono_tz::Europe::Helsinki;

    #[test]
    fn local_times_follow_daylight_saving() {
        let winter = parse_publish_time("2026-01-15 09:00", HELSINKI).unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-01-15T07:00:00+00:00");
        let summer = parse_publish_time("2026-07-15 09:00", HELSINKI).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-15T06:00:00+00:00");
    }

    #[test]
    fn a_time_in_the_spring_gap_is_an_error() {
        let err = parse_publish_time("2026-03-29 03:30", HELSINKI).unwrap_err();
        assert!(matches!(err, TimeError::InTheGap { .. }), "{err}");
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let t = parse_publish_time("2026-11-20T09:00:00+02:00", HELSINKI).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-20T07:00:00+00:00");
    }

    #[test]
    fn nonsense_is_rejected_with_the_accepted_forms() {
        let err = parse_publish_time("yesterday", HELSINKI).unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD HH:MM"), "{err}");
    }

    #[test]
    fn durations_read_as_words() {
        use std::time::Duration;
        assert_eq!(
            super::human_duration(Duration::from_secs(48 * 3600)),
            "2 days"
        );
        assert_eq!(
            super::human_duration(Duration::from_secs(36 * 3600)),
            "1 day 12 hours"
        );
        assert_eq!(super::human_duration(Duration::from_secs(60)), "1 minute");
    }
}
