use clap::Parser;
use lockgate::cli::{Cli, Command};
use lockgate::report::Verdict;
use std::process::ExitCode;

fn main() -> ExitCode {
    // In GitHub Actions the runner reads stderr for workflow commands too: every log line is
    // made safe there, whatever untrusted text it carries.
    let in_action = std::env::args_os().nth(1).is_some_and(|a| a == "action");
    let writer = move || -> Box<dyn std::io::Write> {
        if in_action {
            Box::new(lockgate::github::commands::SafeLog::default())
        } else {
            Box::new(std::io::stderr())
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LOCKGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(writer)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none(),
        )
        .init();

    let cli = Cli::parse();
    let (result, common) = match &cli.command {
        Command::Diff(args) => (lockgate::run::diff(args), &args.common),
        Command::Scan(args) => (lockgate::run::scan(args), &args.common),
        Command::Action(args) => return action(args),
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

fn action(args: &lockgate::cli::ActionArgs) -> ExitCode {
    match lockgate::github::action(args) {
        Ok(outcome) => ExitCode::from(outcome.exit_code),
        Err(e) => {
            let message = format!("lockgate: error: {e}");
            lockgate::github::commands::print(&[lockgate::github::commands::annotation(
                lockgate::github::commands::Level::Error,
                None,
                None,
                Some("lockgate"),
                &message,
            )]);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
