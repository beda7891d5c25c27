//! `kizuna`: the command line of Kizuna, for automation, tests and the people who prefer a terminal.
//!
//! Exit codes: 0 success, 1 the files have errors (validate) or the operation failed, 2 usage or
//! I/O problems.

mod demo_cmd;
mod exchange_cmd;
mod sample_cmd;
mod validate_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "kizuna",
    version,
    about = "Kizuna: ケアプランデータ連携 (care-plan data exchange)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Language of messages.
#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Ja,
    En,
}

impl From<LangArg> for careplan_csv::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Ja => careplan_csv::Lang::Ja,
            LangArg::En => careplan_csv::Lang::En,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check files (and folders of files) against the standard; files sharing a serial are
    /// checked together as a send unit.
    Validate {
        /// Print the findings as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Language of the messages.
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
        /// Check as the receiving side: incomplete units are warnings instead of errors.
        #[arg(long)]
        receiving: bool,
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
    /// Write a complete, valid sample exchange for one month.
    Sample(sample_cmd::SampleArgs),
    /// For the demo (scripts/run): run the demo relay's service offices as partners that
    /// receive, return signed receipts and send their 実績 back a few seconds after a 利用票.
    DemoPartners(demo_cmd::DemoPartnersArgs),
    #[command(flatten)]
    Exchange(exchange_cmd::ExchangeCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate {
            json,
            lang,
            receiving,
            paths,
        } => validate_cmd::run(&paths, json, lang.into(), receiving),
        Command::Sample(args) => sample_cmd::run(&args),
        Command::DemoPartners(args) => demo_cmd::run(&args),
        Command::Exchange(cmd) => exchange_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kizuna: {e:#}");
            ExitCode::from(2)
        }
    }
}
