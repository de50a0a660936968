//! pressroom's integration tests, in one test binary: one link instead of
//! one per file, and the shared helpers (`common`) compiled once. Each
//! module is one area; `cargo test --release --test suite http::` runs one.

mod common;

mod architecture;
mod bounce_loop;
mod bounces;
mod build;
mod cli;
mod delivery;
mod desk;
mod front_matter;
mod http;
mod snapshots;
mod subscribers;
mod theme;
