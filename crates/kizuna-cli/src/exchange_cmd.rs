//! `kizuna enroll | send | receive | status | history | partners`: the client core from a script.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use careplan_client::messages::{error_ja, state_ja};
use careplan_client::protocol::EventKind;
use careplan_client::{Client, ClientError, Enrolment, HistoryQuery};
use careplan_csv::Lang;
use clap::{Args, Subcommand};

/// Where the profile lives and how its keys are unlocked.
#[derive(Args)]
pub struct ProfileArgs {
    /// Profile folder of the office (created by `enroll`).
    #[arg(long, env = "KIZUNA_PROFILE")]
    pub profile: PathBuf,
}

/// The passphrase that seals the office keys where there is no OS key store (explicit opt-in).
fn passphrase() -> Option<String> {
    std::env::var("KIZUNA_KEY_PASSPHRASE")
        .ok()
        .filter(|p| !p.is_empty())
}

/// The exchange subcommands.
#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// Enrol this office with a relay: makes the keys here and gets the office certificate.
    Enroll {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Relay address, e.g. https://relay.example.jp:8443
        #[arg(long)]
        relay: String,
        /// SHA-256 fingerprint of the relay's CA, from the relay's administrator.
        #[arg(long)]
        ca_fingerprint: String,
        /// 事業所番号 (10 digits).
        #[arg(long)]
        office: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// One-time code from the authenticator app, for offices with a second factor.
        #[arg(long)]
        totp: Option<String>,
        /// HTTPS proxy to reach the relay through, e.g. http://proxy.example.jp:8080 (kept for
        /// later calls; without it the system's proxy settings apply).
        #[arg(long)]
        proxy: Option<String>,
    },
    /// Renew the office certificate before it ends (same keys, no password).
    Renew {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Validate, then send files (and folders of files) through the relay.
    /// With no paths, retries what is waiting in the outbox.
    Send {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Send files again that went to the same partner before with the same content.
        #[arg(long)]
        again: bool,
        /// Files or folders.
        paths: Vec<PathBuf>,
    },
    /// Receive files waiting at the relay into a folder, verify them and send receipts.
    Receive {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Folder the files are saved in.
        #[arg(long)]
        out: PathBuf,
        /// Wait up to SECONDS for at least one file, then take everything waiting.
        #[arg(long, value_name = "SECONDS")]
        wait: Option<u64>,
        /// Keep running and receive files as they arrive.
        #[arg(long)]
        watch: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The office, its certificate and the outbox at a glance.
    Status {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every file sent and received, newest first.
    History {
        #[command(flatten)]
        profile: ProfileArgs,
        #[command(flatten)]
        filter: HistoryFilter,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save a received file again from its kept copy (the care software moved or deleted it);
    /// ID is the number `history` shows for it.
    SaveAgain {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Folder to save it in.
        #[arg(long)]
        out: PathBuf,
        /// The received file's number in the history.
        id: i64,
    },
    /// Partner offices in the relay's directory.
    Partners {
        #[command(subcommand)]
        command: PartnersCommand,
    },
}

/// `kizuna partners …`.
#[derive(Subcommand)]
pub enum PartnersCommand {
    /// Offices whose number starts with TEXT or whose name contains it.
    Search {
        #[command(flatten)]
        profile: ProfileArgs,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Number prefix or part of the name.
        text: String,
    },
}

/// Prints a client error for people and gives the exit code for it.
fn fail(e: &ClientError) -> ExitCode {
    eprintln!("kizuna: {}", error_ja(e));
    // On the command line the passphrase comes from the environment, not from a form.
    if matches!(
        e,
        ClientError::KeyStoreUnavailable(_) | ClientError::KeysLocked(_)
    ) {
        eprintln!("kizuna: パスフレーズは環境変数 KIZUNA_KEY_PASSPHRASE で指定します。");
    }
    if matches!(e, ClientError::AlreadySent { .. }) {
        eprintln!("kizuna: 本当にもう一度送る場合は --again を付けてください。");
    }
    match e {
        ClientError::NotEnrolled(_) | ClientError::Io { .. } | ClientError::AlreadyEnrolled(_) => {
            ExitCode::from(2)
        }
        _ => ExitCode::from(1),
    }
}

fn open(p: &ProfileArgs) -> Result<Client, ClientError> {
    Client::open(&p.profile, passphrase().as_deref())
}

/// Runs one exchange subcommand.
pub fn run(cmd: ExchangeCommand) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("runtime")?;
    rt.block_on(async move {
        match cmd {
            ExchangeCommand::Enroll {
                profile,
                relay,
                ca_fingerprint,
                office,
                password_stdin: _,
                totp,
                proxy,
            } => {
                let who = EnrollCli {
                    relay: &relay,
                    fingerprint: &ca_fingerprint,
                    office: &office,
                    totp: totp.as_deref(),
                    proxy: proxy.as_deref(),
                };
                enroll(&profile.profile, who).await
            }
            ExchangeCommand::Renew { profile } => renew(&profile).await,
            ExchangeCommand::Send {
                profile,
                json,
                again,
                paths,
            } => send(&profile, &paths, json, again).await,
            ExchangeCommand::Receive {
                profile,
                out,
                wait,
                watch,
                json,
            } => receive(&profile, &out, wait, watch, json).await,
            ExchangeCommand::Status { profile, json } => status(&profile, json).await,
            ExchangeCommand::History {
                profile,
                filter,
                json,
            } => history(&profile, filter.into(), json),
            ExchangeCommand::SaveAgain { profile, out, id } => save_again(&profile, &out, id),
            ExchangeCommand::Partners {
                command:
                    PartnersCommand::Search {
                        profile,
                        json,
                        text,
                    },
            } => partners(&profile, &text, json).await,
        }
    })
}

/// What `kizuna enroll` was given besides the password.
struct EnrollCli<'a> {
    relay: &'a str,
    fingerprint: &'a str,
    office: &'a str,
    totp: Option<&'a str>,
    proxy: Option<&'a str>,
}

async fn enroll(dir: &Path, who: EnrollCli<'_>) -> Result<ExitCode> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("パスワードを標準入力から読めません")?;
    let password = password.trim_end_matches(['\n', '\r']);
    let pass = passphrase();
    let result = Client::enroll(
        dir,
        Enrolment {
            relay_url: who.relay,
            ca_fingerprint: who.fingerprint,
            office: who.office,
            password,
            totp: who.totp,
            passphrase: pass.as_deref(),
            proxy: who.proxy,
        },
    )
    .await;
    match result {
        Ok(client) => {
            let c = client.config();
            println!(
                "登録しました: {} {}（証明書の有効期限まで {} 日）",
                c.office,
                c.office_name,
                client.certificate_days_left()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(fail(&e)),
    }
}

#[derive(serde::Serialize)]
struct SendJson {
    file_name: String,
    recipient: String,
    accepted: bool,
    error: Option<String>,
}

async fn send(p: &ProfileArgs, paths: &[PathBuf], json: bool, again: bool) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    if !paths.is_empty() {
        // Show every finding the way `kizuna validate` does before anything is queued.
        let reports = match client.check(paths) {
            Ok(r) => r,
            Err(e) => return Ok(fail(&e)),
        };
        if reports.iter().any(|r| r.error_count() > 0) {
            eprint!("{}", crate::validate_cmd::text_report(&reports, Lang::Ja));
            eprintln!("kizuna: 誤りのあるファイルがあるため、何も送信していません。");
            return Ok(ExitCode::from(1));
        }
        if let Err(e) = client.queue(paths, again) {
            return Ok(fail(&e));
        }
    }
    let uploads = match client.flush_outbox(true).await {
        Ok(u) => u,
        Err(e) => return Ok(fail(&e)),
    };
    let all_ok = uploads.iter().all(|u| u.result.is_ok());
    if json {
        let out: Vec<SendJson> = uploads
            .iter()
            .map(|u| SendJson {
                file_name: u.file_name.clone(),
                recipient: u.recipient.clone(),
                accepted: u.result.is_ok(),
                error: u.result.as_ref().err().map(error_ja),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for u in &uploads {
            match &u.result {
                Ok(()) => println!("送信しました: {} → {}", u.file_name, u.recipient),
                Err(e) if e.stays_queued() => {
                    println!(
                        "送信待ち: {} → {}（{}）",
                        u.file_name,
                        u.recipient,
                        error_ja(e)
                    )
                }
                Err(e) => println!(
                    "送信できません: {} → {}（{}）",
                    u.file_name,
                    u.recipient,
                    error_ja(e)
                ),
            }
        }
        if uploads.is_empty() {
            println!("送信待ちのファイルはありません。");
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_received(list: &[careplan_client::Received], json: bool) {
    if json {
        if let Ok(s) = serde_json::to_string(list) {
            println!("{s}");
        }
        return;
    }
    for r in list {
        match (&r.saved_path, &r.quarantined) {
            (Some(path), _) => {
                let note = if r.errors > 0 {
                    format!(
                        "（標準仕様のエラー {} 件。送信元に確認してください）",
                        r.errors
                    )
                } else {
                    String::new()
                };
                println!(
                    "受信しました: {} ← {} → {}{note}",
                    r.file_name,
                    r.sender,
                    path.display()
                );
            }
            (None, Some(why)) => println!(
                "隔離しました: {} ← {}（検証できないため保存していません: {why}）",
                r.file_name, r.sender
            ),
            _ if r.replayed => println!(
                "受け取りを拒否しました: {} ← {}（同じ送信がすでに届いています。複製のため保存していません）",
                r.file_name, r.sender
            ),
            _ => {}
        }
    }
}

async fn receive(
    p: &ProfileArgs,
    out: &Path,
    wait: Option<u64>,
    watch: bool,
    json: bool,
) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    // Keep the rest of the exchange moving too; failures here are reported by `status`.
    let _ = client.flush_outbox(false).await;
    let _ = client.refresh_sent().await;
    let mut total = match client.receive(out).await {
        Ok(r) => r,
        Err(e) => return Ok(fail(&e)),
    };
    print_received(&total, json);
    let deadline = wait.map(|s| Instant::now() + Duration::from_secs(s));
    let mut stream = None;
    loop {
        let remaining = match deadline {
            _ if watch => Duration::from_secs(60),
            Some(d) if total.is_empty() => d.saturating_duration_since(Instant::now()),
            _ => break,
        };
        if remaining.is_zero() {
            break;
        }
        match client.next_event(&mut stream, remaining).await {
            Ok(Some(event)) if event.kind == Some(EventKind::Message) => {}
            Ok(Some(event))
                if matches!(event.kind, Some(EventKind::Receipt | EventKind::Expired)) =>
            {
                let _ = client.refresh_sent().await;
                continue;
            }
            Ok(Some(_)) => continue,
            // Quiet minute or stream ended: poll anyway, then carry on.
            Ok(None) => {}
            Err(e) if e.is_transient() => {
                tokio::time::sleep(Duration::from_secs(1).min(remaining)).await;
                continue;
            }
            Err(e) => return Ok(fail(&e)),
        }
        let _ = client.flush_outbox(false).await;
        match client.receive(out).await {
            Ok(more) => {
                print_received(&more, json);
                total.extend(more);
            }
            Err(e) if e.is_transient() => {}
            Err(e) => return Ok(fail(&e)),
        }
    }
    if total.is_empty() && !json {
        println!("届いているファイルはありません。");
    }
    // Something that was not saved is something to look at: scripts must not read it as done.
    let refused = total
        .iter()
        .filter(|r| r.quarantined.is_some() || r.replayed)
        .count();
    if refused > 0 {
        eprintln!(
            "kizuna: {refused} 件のファイルを保存していません（上の表示を確認してください）。"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

async fn status(p: &ProfileArgs, json: bool) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let online = client.refresh_sent().await;
    let (sent, unseen) = client.counts()?;
    let c = client.config();
    let proxy = careplan_client::settings::Settings::load(&p.profile)
        .ok()
        .and_then(|s| s.proxy);
    if json {
        let out = serde_json::json!({
            "office": c.office,
            "office_name": c.office_name,
            "relay": c.relay_url,
            "proxy": proxy,
            "certificate_serial": c.cert_serial,
            "certificate_not_after": c.cert_not_after,
            "certificate_days_left": client.certificate_days_left(),
            "relay_reachable": online.is_ok(),
            "sent": sent.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "received_unseen": unseen,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("事業所: {} {}", c.office, c.office_name);
    println!("連携基盤: {}", c.relay_url);
    if let Some(proxy) = &proxy {
        println!("プロキシ: {proxy}");
    }
    println!(
        "電子証明書: 有効期限まで {} 日（シリアル {}）",
        client.certificate_days_left(),
        c.cert_serial
    );
    match online {
        Ok(_) => println!("接続: OK"),
        Err(e) => println!("接続: {}", error_ja(&e)),
    }
    for (state, n) in &sent {
        println!("送信 {}: {n} 件", state_ja("sent", state));
    }
    println!("受信（未確認）: {unseen} 件");
    Ok(ExitCode::SUCCESS)
}

/// What `kizuna history` lists: every filter is optional and they combine.
#[derive(Args)]
pub struct HistoryFilter {
    /// Only `sent` or `received`.
    #[arg(long)]
    direction: Option<String>,
    /// Only this partner office.
    #[arg(long)]
    partner: Option<String>,
    /// Only this month (YYYYMM).
    #[arg(long)]
    month: Option<String>,
    /// Only this file type (e.g. UPPLAN).
    #[arg(long)]
    kind: Option<String>,
    /// Only this state (e.g. acknowledged).
    #[arg(long)]
    state: Option<String>,
    /// Text in the file name or the partner's name.
    #[arg(long)]
    text: Option<String>,
}

impl From<HistoryFilter> for HistoryQuery {
    fn from(f: HistoryFilter) -> HistoryQuery {
        HistoryQuery {
            direction: f.direction,
            partner: f.partner,
            month: f.month,
            kind: f.kind,
            state: f.state,
            text: f.text,
            limit: 0,
        }
    }
}

fn history(p: &ProfileArgs, q: HistoryQuery, json: bool) -> Result<ExitCode> {
    // The history is local: it needs neither the keys nor the relay.
    let entries = match careplan_client::history_of(&p.profile, &q) {
        Ok(e) => e,
        Err(e) => return Ok(fail(&e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in &entries {
        let dir = if e.direction == "sent" {
            "送信"
        } else {
            "受信"
        };
        let partner = match &e.partner_name {
            Some(n) => format!("{} {n}", e.partner),
            None => e.partner.clone(),
        };
        println!(
            "{dir} {:>4}  {}  {}  相手 {partner}  {}",
            e.id,
            careplan_client::export::jst(e.created_at),
            e.file_name,
            state_ja(&e.direction, &e.state)
        );
    }
    if entries.is_empty() {
        println!("該当する履歴はありません。");
    }
    Ok(ExitCode::SUCCESS)
}

async fn renew(p: &ProfileArgs) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    match client.renew_certificate().await {
        Ok(days) => {
            println!("電子証明書を更新しました（有効期限まで {days} 日）");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(fail(&e)),
    }
}

fn save_again(p: &ProfileArgs, out: &Path, id: i64) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    match client.save_again(id, out) {
        Ok(path) => {
            println!("保存しました: {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(fail(&e)),
    }
}

async fn partners(p: &ProfileArgs, text: &str, json: bool) -> Result<ExitCode> {
    let client = match open(p) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let found = match client.search_partners(text).await {
        Ok(f) => f,
        Err(e) => return Ok(fail(&e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        for o in &found {
            println!("{}  {}  {}", o.number, o.name, o.kind);
        }
        if found.is_empty() {
            println!("見つかりませんでした。");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: ExchangeCommand,
    }

    #[test]
    fn history_filters_become_the_history_query() {
        let args = [
            "kizuna",
            "history",
            "--profile",
            "p",
            "--direction",
            "sent",
            "--partner",
            "1320000001",
            "--month",
            "202512",
            "--kind",
            "UPPLAN",
            "--state",
            "acknowledged",
            "--text",
            "訪問",
            "--json",
        ];
        let Ok(Cli {
            command: ExchangeCommand::History { filter, json, .. },
        }) = Cli::try_parse_from(args)
        else {
            panic!("history with every filter parses");
        };
        let q = HistoryQuery::from(filter);
        assert!(json);
        assert_eq!(
            [q.direction, q.partner, q.month, q.kind, q.state, q.text],
            [
                "sent",
                "1320000001",
                "202512",
                "UPPLAN",
                "acknowledged",
                "訪問"
            ]
            .map(|s| Some(s.into()))
        );
        assert_eq!(q.limit, 0, "the command lists everything");
    }
}
