//! `kizuna`: the command line of Kizuna, for automation, tests and the people who prefer a terminal.
//!
//! Exit codes: 0 success, 1 the files have errors (validate), differences were found (compare) or
//! the operation failed, 2 usage or I/O problems.

mod compare_cmd;
mod demo_cmd;
mod exchange_cmd;
mod pdf_cmd;
mod report_cmd;
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
    /// Profile folder of the office (created by `enroll`); before or after the subcommand.
    #[arg(long, env = "KIZUNA_PROFILE", global = true)]
    profile: Option<std::path::PathBuf>,
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
    /// 予実突合: set service offices' 実績 against the plan (第6表 予定), per user and day. Exits
    /// with 1 when there are differences.
    Compare(compare_cmd::CompareArgs),
    /// The cost-effect simulator: what the plans, schedules and 実績 of the office's history
    /// would have cost on paper, per month and partner, with a year's projection.
    Report(report_cmd::ReportArgs),
    /// Print a unit's forms as A4 PDF, one file per user (for partners who take paper or fax).
    Pdf(pdf_cmd::PdfArgs),
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
        Command::Compare(args) => compare_cmd::run(&args, cli.profile.as_deref()),
        Command::Pdf(args) => pdf_cmd::run(&args),
        Command::Report(args) => report_cmd::run(&args, cli.profile.as_deref()),
        Command::Sample(args) => sample_cmd::run(&args),
        Command::DemoPartners(args) => demo_cmd::run(&args),
        Command::Exchange(cmd) => match &cli.profile {
            Some(profile) => exchange_cmd::run(cmd, profile),
            None => {
                eprintln!(
                    "kizuna: 事業所のプロファイルのフォルダを --profile（または環境変数 KIZUNA_PROFILE）で指定してください。"
                );
                Ok(ExitCode::from(2))
            }
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kizuna: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_of(args: &[&str]) -> Option<std::path::PathBuf> {
        Cli::try_parse_from(args).ok()?.profile
    }

    #[test]
    fn the_profile_is_accepted_before_the_subcommand() {
        assert_eq!(
            profile_of(&["kizuna", "--profile", "p", "send", "a.csv"]),
            Some("p".into())
        );
    }

    #[test]
    fn the_profile_is_accepted_after_the_subcommand() {
        assert_eq!(
            profile_of(&["kizuna", "send", "--profile", "p", "a.csv"]),
            Some("p".into())
        );
        assert_eq!(
            profile_of(&["kizuna", "partners", "search", "--profile", "p", "訪問"]),
            Some("p".into())
        );
    }
}
