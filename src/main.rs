//! The `pressroom` binary: parse arguments, run, report errors once, exit
//! with the code `pressroom::error` gives the outcome.

use std::process::ExitCode;

use clap::Parser;
use pressroom::cli::{self, Cli};
use pressroom::error;

fn main() -> ExitCode {
    let result = cli::run(Cli::parse());
    if let Err(e) = &result
        && !error::is_broken_pipe(e)
    {
        let _ = error::report(e, &mut std::io::stderr().lock());
    }
    ExitCode::from(error::exit_code(&result))
}
