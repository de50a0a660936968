//! Subscribers: addresses, names, lists kept in CSV files, and the signed
//! tokens of confirmation, unsubscribe and preference links. Their records
//! live in the database (`crate::db`).

mod address;
pub mod csv_file;
mod name;
mod token;

pub use address::{AddressError, EmailAddress, hex, redact_addresses};
pub use name::{MAX_NAME_CHARS, clean_name, needs_cleaning, printable, spreadsheet_safe};
pub use token::{
    CONFIRM_VALID_SECONDS, ConfirmToken, Secret, SecretError, Subject, TokenError,
    UnsubscribeToken, VERP_MAC_LEN,
};

use std::path::PathBuf;

use crate::config::Config;

/// The key file for the signing secret: `subscribers/.secret` under the root.
pub fn secret_path(config: &Config) -> PathBuf {
    config.root.join(
        config
            .subscribers
            .secret_file
            .as_deref()
            .unwrap_or("subscribers/.secret"),
    )
}
