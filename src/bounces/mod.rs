//! What comes back after a message was accepted: bounces (delivery status
//! notifications, RFC 3464, and the common non-standard ones) and
//! complaints (ARF feedback reports, RFC 5965). `parse` reads one message
//! into a [`Report`]; the rules that turn reports into suppressions live
//! with the subscriber records (`crate::db`).

pub mod batch;
pub mod imap;
pub mod ingest;
pub mod parse;

pub use ingest::{Ingested, Reader};
pub use parse::{Outcome, Parsed, RecipientStatus, Report, parse};

/// Where a message read from standard input that pressroom did not act on
/// is kept (under the pressroom root, readable by the owner only).
pub const UNRECOGNISED_DIR: &str = "bounces/unrecognised";
