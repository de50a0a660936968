//! The `pressroom` binary: parse arguments, run, report errors once, exit
//! with 0 (success), 1 (content or runtime errors) or 2 (usage errors).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use pressroom::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            // A closed pipe (`pressroom … | head`) is not an error.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let mut err = std::io::stderr().lock();
            if cli::is_diagnostics(&e) {
                let _ = writeln!(err, "{e}");
            } else {
                let _ = writeln!(err, "error: {e}");
                for cause in e.chain().skip(1) {
                    let _ = writeln!(err, "  caused by: {cause}");
                }
            }
            ExitCode::from(if cli::is_usage(&e) { 2 } else { 1 })
        }
    }
}
