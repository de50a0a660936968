//! pressroom: press releases and newsletters for public organisations.
//!
//! Markdown releases with YAML front matter (in `releases/`) become a static,
//! accessible, multilingual pressroom website, RSS feeds and ready-to-send
//! email bodies. The binary in `main.rs` is a thin layer over this library.

pub mod bounces;
pub mod build;
pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod db;
pub mod delivery;
pub mod desk;
pub mod diagnostic;
pub mod error;
pub mod files;
pub mod http;
pub mod i18n;
pub mod lists;
pub mod markdown;
pub mod preview;
pub mod release;
pub mod render;
pub mod scaffold;
pub mod sending;
pub mod sharded;
pub mod subscribers;
pub mod suggest;
pub mod text;
pub mod theme;
pub mod time;
pub mod validate;
