//! Columns read as the types they hold: an address as an [`EmailAddress`],
//! a language as a [`Lang`], a status or kind as its enum. A value that is
//! not one of them fails the read with the column's text in the error, so a
//! row never carries a string that a later step would have to re-check.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

use super::{DeliveryStatus, EventKind, Status, Suppression};
use crate::i18n::Lang;
use crate::subscribers::EmailAddress;

/// A column's text, or the error that says what it held instead.
fn text(value: ValueRef<'_>) -> FromSqlResult<&str> {
    value.as_str()
}

/// An error naming what the column held and what it should be.
fn not_a(what: &str, held: &str) -> FromSqlError {
    FromSqlError::Other(format!("the database holds '{held}' where {what} belongs").into())
}

impl FromSql for EmailAddress {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = text(value)?;
        EmailAddress::parse(s).map_err(|_| not_a("an email address", s))
    }
}

impl FromSql for Lang {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = text(value)?;
        Lang::parse(s).map_err(|_| not_a("a language code", s))
    }
}

/// An enum stored as the text of its `as_str`.
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = text(value)?;
                <$ty>::parse(s).ok_or_else(|| not_a($what, s))
            }
        }
    };
}

stored_as_text!(Status, "a membership status");
stored_as_text!(DeliveryStatus, "a delivery status");
stored_as_text!(EventKind, "a bounce kind");
stored_as_text!(Suppression, "a suppression reason");

/// Who a journal or bounce row is about: the address, or only the start of
/// its hash once the address has been erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    Address(EmailAddress),
    /// Erased on request: the first characters of the address's hash.
    Erased(String),
}

impl Addressee {
    /// From an `email` column (NULL once erased) and the `email_hash` column.
    pub(super) fn from_columns(email: Option<EmailAddress>, hash: &str) -> Self {
        match email {
            Some(e) => Addressee::Address(e),
            None => Addressee::Erased(hash.chars().take(12).collect()),
        }
    }
}

impl std::fmt::Display for Addressee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addressee::Address(e) => f.write_str(e.as_str()),
            Addressee::Erased(h) => write!(f, "(erased) {h}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn read<T: FromSql>(sql: &str) -> rusqlite::Result<T> {
        Connection::open_in_memory()?.query_row(sql, [], |r| r.get(0))
    }

    #[test]
    fn a_column_reads_as_its_type_or_fails_naming_what_it_held() {
        assert_eq!(
            read::<Status>("SELECT 'confirmed'").unwrap(),
            Status::Confirmed
        );
        assert_eq!(read::<Lang>("SELECT 'sv'").unwrap().as_str(), "sv");
        assert_eq!(
            read::<EmailAddress>("SELECT 'a@example.fi'")
                .unwrap()
                .as_str(),
            "a@example.fi"
        );
        let e = read::<EventKind>("SELECT 'lukewarm'")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'lukewarm' where a bounce kind belongs"), "{e}");
        assert!(read::<EmailAddress>("SELECT 'no at sign'").is_err());
        assert!(read::<Lang>("SELECT 42").is_err());
    }

    #[test]
    fn an_erased_recipient_shows_the_start_of_its_hash() {
        let r = Addressee::from_columns(None, "0123456789abcdef");
        assert_eq!(r.to_string(), "(erased) 0123456789ab");
    }
}
