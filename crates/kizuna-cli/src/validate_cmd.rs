//! `kizuna validate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use careplan_csv::{FileReport, Input, Lang, Mode, Severity, validate};
use serde::Serialize;

/// Files under `paths`: files as given, folders walked (sorted, hidden entries skipped).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("{} を開けません", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    if out.is_empty() {
        bail!("検査するファイルがありません");
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{} を開けません", dir.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        if e.file_type()?.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    kind: Option<&'static str>,
    valid: bool,
    findings: Vec<JsonFinding>,
}

#[derive(Serialize)]
struct JsonFinding {
    severity: Severity,
    code: &'static str,
    line: Option<u64>,
    column: Option<u16>,
    column_name: Option<&'static str>,
    message: String,
}

pub fn run(paths: &[PathBuf], json: bool, lang: Lang, receiving: bool) -> Result<ExitCode> {
    let files = expand(paths)?;
    let mode = if receiving { Mode::Receive } else { Mode::Send };
    let reports = validate(files.iter().map(Input::path), mode);
    if json {
        let out = JsonReport {
            files: reports
                .iter()
                .map(|r| JsonFile {
                    path: &r.display,
                    kind: r.kind.map(|k| k.prefix()),
                    valid: r.is_valid(),
                    findings: r
                        .findings
                        .iter()
                        .map(|f| JsonFinding {
                            severity: f.severity,
                            code: f.code,
                            line: f.location.line,
                            column: f.location.column,
                            column_name: f.column_name,
                            message: f.message(lang),
                        })
                        .collect(),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", text_report(&reports, lang));
    }
    if reports.iter().any(FileReport::is_unreadable) {
        return Ok(ExitCode::from(2));
    }
    Ok(if reports.iter().all(FileReport::is_valid) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The human report: one block per file, every finding with line and item, then a summary.
pub fn text_report(reports: &[FileReport], lang: Lang) -> String {
    use std::fmt::Write;
    let ja = lang == Lang::Ja;
    let mut s = String::new();
    for r in reports {
        let kind = r
            .kind
            .map(|k| {
                if ja {
                    k.name_ja().to_owned()
                } else {
                    k.prefix().to_owned()
                }
            })
            .unwrap_or_default();
        let status = match (r.error_count(), r.warning_count(), ja) {
            (0, 0, true) => "OK".to_owned(),
            (0, 0, false) => "OK".to_owned(),
            (e, w, true) => format!("エラー {e}件・警告 {w}件"),
            (e, w, false) => format!("{e} errors, {w} warnings"),
        };
        let users = match (r.kind, ja) {
            (Some(k), true) if !k.is_image() => format!("  利用者 {}人", r.users),
            (Some(k), false) if !k.is_image() => format!("  {} users", r.users),
            _ => String::new(),
        };
        let _ = writeln!(s, "{}  {kind}{users}  … {status}", r.display);
        for f in &r.findings {
            let sev = match (f.severity, ja) {
                (Severity::Error, true) => "エラー",
                (Severity::Warning, true) => "警告",
                (Severity::Error, false) => "error",
                (Severity::Warning, false) => "warning",
            };
            let place = match (f.location.line, f.location.column, f.column_name, ja) {
                (Some(l), Some(c), Some(n), true) => format!("{l}行目 No.{c}「{n}」: "),
                (Some(l), Some(c), Some(n), false) => format!("line {l}, No.{c} {n}: "),
                (Some(l), _, _, true) => format!("{l}行目: "),
                (Some(l), _, _, false) => format!("line {l}: "),
                _ => String::new(),
            };
            let _ = writeln!(s, "  [{sev}] {place}{} ({})", f.message(lang), f.code);
        }
        let (de, dw) = r.dropped;
        if de + dw > 0 {
            let _ = if ja {
                writeln!(
                    s,
                    "  ……ほかにエラー {de}件・警告 {dw}件（表示を省略しました）"
                )
            } else {
                writeln!(
                    s,
                    "  … and {de} more errors, {dw} more warnings (not shown)"
                )
            };
        }
    }
    let bad = reports.iter().filter(|r| !r.is_valid()).count();
    let _ = if ja {
        if bad == 0 {
            writeln!(
                s,
                "\n{} ファイルすべて、標準仕様に沿っています。",
                reports.len()
            )
        } else {
            writeln!(
                s,
                "\n{} ファイル中 {bad} ファイルにエラーがあります。エラーを直してから送信してください。",
                reports.len()
            )
        }
    } else if bad == 0 {
        writeln!(s, "\nAll {} files follow the standard.", reports.len())
    } else {
        writeln!(
            s,
            "\n{bad} of {} files have errors; fix them before sending.",
            reports.len()
        )
    };
    s
}
