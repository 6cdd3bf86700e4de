use std::process::ExitCode;

use clap::Parser;
use missive::cli::{self, Cli};
use missive::output::is_broken_pipe;

fn main() -> ExitCode {
    // A panic is a bug, never the answer to bad input; should one happen,
    // say so in one line and exit with the error code, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info.location().map(|l| l.to_string()).unwrap_or_default();
        eprintln!("missive: internal error: {what} (panicked at {place}); please report it");
        std::process::exit(i32::from(cli::ERROR));
    }));
    match cli::run(Cli::parse()) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("missive: {e:#}");
            ExitCode::from(cli::ERROR)
        }
    }
}
