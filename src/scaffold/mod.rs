//! Scaffolding: a new pressroom (`init`) and a new release file (`new`),
//! made from templates with the organisation's settings.

pub mod init;
pub mod new;
