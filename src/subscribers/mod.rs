//! Subscribers: addresses, names, lists kept in CSV files, and the signed
//! tokens of confirmation, unsubscribe and preference links. Their records
//! live in the database (`crate::db`).

mod address;
pub mod csv_file;
mod name;
mod token;

pub use address::{AddressError, EmailAddress, hex};
pub use name::{MAX_NAME_CHARS, clean_name, needs_cleaning, printable, spreadsheet_safe};
pub use token::{
    CONFIRM_VALID_SECONDS, ConfirmToken, Secret, SecretError, Subject, TokenError, UnsubscribeToken,
};

use std::path::PathBuf;

use crate::config::Config;
use crate::db::Db;

/// The database path: `PRESSROOM_DB`, else `[subscribers] database`, else
/// `subscribers/pressroom.db` under the root.
pub fn database_path(config: &Config) -> PathBuf {
    if let Ok(p) = std::env::var("PRESSROOM_DB") {
        return PathBuf::from(p);
    }
    config.root.join(
        config
            .subscribers
            .database
            .as_deref()
            .unwrap_or("subscribers/pressroom.db"),
    )
}

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

/// Opens the database of a pressroom.
pub fn open(config: &Config) -> crate::db::Result<Db> {
    Db::open(&database_path(config))
}
