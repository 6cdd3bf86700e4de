use std::process::ExitCode;

use clap::Parser;
use missive::cli::{self, Cli};
use missive::output::is_broken_pipe;

fn main() -> ExitCode {
    let parsed = Cli::parse();
    match cli::run(parsed) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("missive: {e:#}");
            ExitCode::from(cli::ERROR)
        }
    }
}
