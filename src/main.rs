use clap::Parser;
use lockgate::cli::{Cli, Command};
use lockgate::report::Verdict;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LOCKGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none(),
        )
        .init();

    let cli = Cli::parse();
    let (result, common) = match &cli.command {
        Command::Diff(args) => (lockgate::run::diff(args), &args.common),
        Command::Scan(args) => (lockgate::run::scan(args), &args.common),
    };
    let outcome = result.and_then(|report| lockgate::run::emit(&report, common).map(|()| report.verdict));
    match outcome {
        Ok(Verdict::Fail) => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lockgate: error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
