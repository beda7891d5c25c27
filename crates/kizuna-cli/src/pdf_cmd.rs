//! `kizuna pdf`: the forms of a unit as PDF, one file per user, for partners who take paper.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use careplan_client::viewer;

#[derive(clap::Args)]
pub struct PdfArgs {
    /// A unit's files, or a folder of them.
    unit: PathBuf,
    /// Folder to write the PDFs to (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The printing office's name, printed at the foot of every page.
    #[arg(long, default_value = "")]
    office: String,
}

pub fn run(args: &PdfArgs) -> Result<ExitCode> {
    let bundle = viewer::open(std::slice::from_ref(&args.unit))?;
    let summary = viewer::summary(&bundle);
    for f in summary.files.iter().filter(|f| f.problem.is_some()) {
        eprintln!("{}: {}", f.name, f.problem.as_deref().unwrap_or_default());
    }
    if summary.users.is_empty() {
        bail!(
            "{} に利用者の記録がある帳票のファイルがありません",
            args.unit.display()
        );
    }
    let written = viewer::save_pdf_per_user(&bundle, &args.office, &args.out)?;
    for p in &written {
        println!("{}", p.display());
    }
    eprintln!("{} 人分の帳票を PDF にしました。", written.len());
    Ok(ExitCode::SUCCESS)
}
