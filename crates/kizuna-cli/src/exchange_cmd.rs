//! `kizuna enroll | send | receive | status | history | partners`: the client core from a script.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use careplan_client::background::{Activity, Host};
use careplan_client::keys::passphrase_from_env;
use careplan_client::messages::{error_ja, outcome_label, state_label};
use careplan_client::protocol::{NewStaff, Role};
use careplan_client::{
    Client, ClientError, Direction, Enrolment, HistoryQuery, Received, SendOutcome, SentFile,
};
use careplan_csv::Lang;
use clap::{Args, Subcommand};

/// The exchange subcommands.
#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// Enrol this office with a relay: makes the keys here and gets the office certificate.
    Enroll {
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
        #[arg(long, required_unless_present = "by_approval")]
        password_stdin: bool,
        /// Join without the office password: show a code and wait until an administrator of
        /// the office approves this device on theirs (`kizuna devices approve`).
        #[arg(long, conflicts_with_all = ["password_stdin", "totp"])]
        by_approval: bool,
        /// One-time code from the authenticator app, for offices with a second factor.
        #[arg(long)]
        totp: Option<String>,
        /// HTTPS proxy to reach the relay through, e.g. http://proxy.example.jp:8080 (kept for
        /// later calls; without it the system's proxy settings apply).
        #[arg(long)]
        proxy: Option<String>,
        /// What the office calls this PC or profile (default: the computer's name).
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Renew the office certificate before it ends (same keys, no password).
    Renew,
    /// Validate, then send files (and folders of files) through the relay.
    /// With no paths, retries what is waiting in the outbox.
    Send {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Send files again that went to the same partner before with the same content.
        #[arg(long)]
        again: bool,
        /// Keep watching this folder (the care software's export folder): each unit is sent once,
        /// when it is complete and its files have stopped changing; files with errors never.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["paths", "again"])]
        watch: Option<PathBuf>,
        /// With --watch: leave sent files where they are instead of moving them to 送信済み.
        #[arg(long, requires = "watch")]
        keep_sent: bool,
        /// With --watch: stop after this many seconds (for tests and scheduled runs).
        #[arg(long, requires = "watch", value_name = "SECONDS")]
        for_seconds: Option<u64>,
        /// With --watch: look at the folder without a file event only this often (tests show
        /// with a long one that file events alone find a unit).
        #[arg(long, requires = "watch", value_name = "SECONDS", hide = true)]
        poll_seconds: Option<u64>,
        /// Files or folders.
        paths: Vec<PathBuf>,
    },
    /// Receive files waiting at the relay into a folder, verify them and send receipts.
    Receive {
        /// Folder the files are saved in.
        #[arg(long, required_unless_present = "keep")]
        out: Option<PathBuf>,
        /// Verify and keep what arrives on this device without saving it into a folder: another
        /// device of the office saves it (save it here later with save-again).
        #[arg(long, conflicts_with = "out")]
        keep: bool,
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
    /// Show the relay's addresses this profile uses, or set them: the relay's name, or its
    /// nodes' addresses separated by commas, the first tried first.
    Relay {
        /// The new addresses, e.g. "https://relay1.example.jp:8443, https://relay2.example.jp:8443".
        addresses: Option<String>,
    },
    /// The office, its certificate and the outbox at a glance.
    Status {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every file sent and received, newest first.
    History {
        #[command(flatten)]
        filter: HistoryFilter,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Write the audit CSV (for 実地指導) to FILE instead; the export is recorded at the
        /// relay with this device and the person signed in.
        #[arg(long, value_name = "FILE", conflicts_with = "json")]
        csv: Option<PathBuf>,
    },
    /// Save a received file again from its kept copy (the care software moved or deleted it);
    /// ID is the number `history` shows for it.
    SaveAgain {
        /// Folder to save it in.
        #[arg(long)]
        out: PathBuf,
        /// The received file's number in the history.
        id: i64,
    },
    /// This office's devices (PCs and profiles) that receive what is sent to it.
    Devices {
        /// Print as JSON.
        #[arg(long, global = true)]
        json: bool,
        #[command(subcommand)]
        command: Option<DevicesCommand>,
    },
    /// Sign a member of staff in on this device (the password from standard input).
    Login {
        /// The login name.
        #[arg(long)]
        login: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// One-time code from the authenticator app, for people with a second factor.
        #[arg(long)]
        totp: Option<String>,
    },
    /// Sign out on this device.
    Logout,
    /// The office's staff (administrators): list, add, remove.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Partner offices in the relay's directory.
    Partners {
        #[command(subcommand)]
        command: PartnersCommand,
    },
}

/// `kizuna devices …`.
#[derive(Subcommand)]
pub enum DevicesCommand {
    /// New devices waiting for an administrator's approval: request, code, name.
    Waiting,
    /// Approve a device waiting, once its screen shows the same code (administrators).
    Approve {
        /// The request, as listed by `kizuna devices waiting`.
        request: String,
    },
    /// Refuse a device waiting (administrators).
    Refuse {
        /// The request, as listed by `kizuna devices waiting`.
        request: String,
    },
    /// Revoke a device of this office (administrators): it can no longer connect, and nothing
    /// sent after is encrypted to it.
    Revoke {
        /// The device id, as listed.
        device: String,
    },
}

/// `kizuna staff …`.
#[derive(Subcommand)]
pub enum StaffCommand {
    /// Every member of staff.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a member of staff; the first password from standard input.
    Add {
        /// Login name: 1–32 of a-z 0-9 . _ -
        #[arg(long)]
        login: String,
        /// The person's name.
        #[arg(long)]
        name: String,
        /// admin (管理者) or staff (一般).
        #[arg(long)]
        role: String,
        /// Read the first password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Stop a member of staff signing in.
    Remove {
        /// Login name.
        login: String,
    },
}

/// `kizuna partners …`.
#[derive(Subcommand)]
pub enum PartnersCommand {
    /// Offices whose number starts with TEXT or whose name contains it.
    Search {
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

fn open(profile: &Path) -> Result<Client, ClientError> {
    Client::open(profile, passphrase_from_env().as_deref())
}

/// The office's client for commands outside the exchange (compare --month), with the same
/// passphrase rules.
pub fn open_client(profile: &Path) -> Result<Client> {
    Ok(open(profile)?)
}

/// Runs one exchange subcommand on the office profile in `profile`.
pub fn run(cmd: ExchangeCommand, profile: &Path) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("runtime")?;
    rt.block_on(async move {
        match cmd {
            ExchangeCommand::Enroll {
                relay,
                ca_fingerprint,
                office,
                password_stdin: _,
                by_approval,
                totp,
                proxy,
                device_name,
            } => {
                let who = EnrollCli {
                    by_approval,
                    relay: &relay,
                    fingerprint: &ca_fingerprint,
                    office: &office,
                    totp: totp.as_deref(),
                    proxy: proxy.as_deref(),
                    device_name: device_name.as_deref(),
                };
                enroll(profile, who).await
            }
            ExchangeCommand::Renew => renew(profile).await,
            ExchangeCommand::Send {
                watch: Some(dir),
                keep_sent,
                for_seconds,
                poll_seconds,
                ..
            } => {
                let mut waits = careplan_client::watch::Waits::default();
                if let Some(s) = poll_seconds {
                    waits.poll = std::time::Duration::from_secs(s);
                }
                watch_folder(profile, &dir, !keep_sent, for_seconds, waits).await
            }
            ExchangeCommand::Send {
                json, again, paths, ..
            } => send(profile, &paths, json, again).await,
            ExchangeCommand::Receive {
                out,
                keep: _,
                wait,
                watch,
                json,
            } => receive(profile, out.as_deref(), wait, watch, json).await,
            ExchangeCommand::Status { json } => status(profile, json).await,
            ExchangeCommand::Relay { addresses } => {
                with_client(profile, |c| async move {
                    let all = match addresses {
                        Some(given) => {
                            let all = c.set_relay_addresses(&given)?;
                            println!("接続先を保存しました（上から順に試します）:");
                            all
                        }
                        None => {
                            let config = c.config();
                            std::iter::once(config.relay_url)
                                .chain(config.other_relays)
                                .collect()
                        }
                    };
                    for a in all {
                        println!("{a}");
                    }
                    Ok(())
                })
                .await
            }
            ExchangeCommand::History {
                filter,
                csv: Some(path),
                ..
            } => {
                let q = filter.into();
                with_client(profile, |c| async move {
                    let rows = c.export_history(&q, &path)?;
                    // Recorded at the relay now if it answers, at the next receive otherwise.
                    let _ = c.flush_reports().await;
                    println!("{rows} 件の履歴を {} に書き出しました。", path.display());
                    Ok(())
                })
                .await
            }
            ExchangeCommand::History { filter, json, .. } => history(profile, filter.into(), json),
            ExchangeCommand::SaveAgain { out, id } => save_again(profile, &out, id),
            ExchangeCommand::Devices {
                command: Some(DevicesCommand::Revoke { device }),
                ..
            } => {
                with_client(profile, |c| async move {
                    c.revoke_device(&device).await?;
                    println!("端末 {device} を失効させました。");
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Devices {
                json,
                command: Some(DevicesCommand::Waiting),
            } => {
                with_client(profile, |c| async move {
                    let waiting = c.pending_devices().await?;
                    if json {
                        println!("{:#}", serde_json::json!(waiting));
                    } else if waiting.is_empty() {
                        println!("承認を待っている端末はありません。");
                    }
                    for d in waiting.iter().filter(|_| !json) {
                        println!("{}  確認コード {}  {}", d.request, d.code, d.device_name);
                    }
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Devices {
                command: Some(DevicesCommand::Approve { request }),
                ..
            } => {
                with_client(profile, |c| async move {
                    c.decide_device(&request, true).await?;
                    println!("端末を承認しました。新しい端末で登録が完了します。");
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Devices {
                command: Some(DevicesCommand::Refuse { request }),
                ..
            } => {
                with_client(profile, |c| async move {
                    c.decide_device(&request, false).await?;
                    println!("端末の追加を拒否しました。");
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Devices {
                json,
                command: None,
            } => devices(profile, json).await,
            ExchangeCommand::Login { login, totp, .. } => {
                let password = read_stdin_password()?;
                with_client(profile, |c| async move {
                    let who = c.sign_in(&login, &password, totp.as_deref()).await?;
                    println!("{}（{}）としてサインインしました。", who.name, who.login);
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Logout => {
                with_client(profile, |c| async move {
                    c.sign_out().await?;
                    println!("サインアウトしました。");
                    Ok(())
                })
                .await
            }
            ExchangeCommand::Staff { command } => staff(profile, command).await,
            ExchangeCommand::Partners {
                command: PartnersCommand::Search { json, text },
            } => partners(profile, &text, json).await,
        }
    })
}

/// What `kizuna enroll` was given besides the password.
struct EnrollCli<'a> {
    by_approval: bool,
    relay: &'a str,
    fingerprint: &'a str,
    office: &'a str,
    totp: Option<&'a str>,
    proxy: Option<&'a str>,
    device_name: Option<&'a str>,
}

async fn enroll(dir: &Path, who: EnrollCli<'_>) -> Result<ExitCode> {
    let password = if who.by_approval {
        String::new()
    } else {
        read_stdin_password()?
    };
    let pass = passphrase_from_env();
    let enrolment = Enrolment {
        relay_url: who.relay,
        ca_fingerprint: who.fingerprint,
        office: who.office,
        password: &password,
        totp: who.totp,
        passphrase: pass.as_deref(),
        proxy: who.proxy,
        device_name: who.device_name,
    };
    let result = if who.by_approval {
        match Client::ask_to_join(dir, enrolment).await {
            Ok(pairing) => {
                use std::io::Write;
                println!(
                    "確認コード: {}　事業所の管理者に、このコードの端末を承認してもらってください（10 分以内）。",
                    pairing.code()
                );
                std::io::stdout().flush()?;
                pairing.wait(Duration::from_secs(2)).await
            }
            Err(e) => Err(e),
        }
    } else {
        Client::enroll(dir, enrolment).await
    };
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

async fn send(profile: &Path, paths: &[PathBuf], json: bool, again: bool) -> Result<ExitCode> {
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let uploads = if paths.is_empty() {
        client.send_waiting().await
    } else {
        client.send_files(paths, again).await
    };
    let uploads = match uploads {
        Ok(u) => u,
        Err(ClientError::Invalid(reports)) => {
            // Every finding, the way `kizuna validate` shows them.
            eprint!("{}", crate::validate_cmd::text_report(&reports, Lang::Ja));
            eprintln!("kizuna: 誤りのあるファイルがあるため、何も送信していません。");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Ok(fail(&e)),
    };
    let sent: Vec<SentFile> = uploads.iter().map(|u| u.view(Lang::Ja)).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        for f in &sent {
            let how = outcome_label(f.outcome, Lang::Ja);
            match &f.message {
                None => println!("{how}: {} → {}", f.file_name, f.recipient),
                Some(why) => println!("{how}: {} → {}（{why}）", f.file_name, f.recipient),
            }
        }
        if sent.is_empty() {
            println!("送信待ちのファイルはありません。");
        }
    }
    Ok(if sent.iter().all(|f| f.outcome == SendOutcome::Sent) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `kizuna send --watch DIR`: sends each unit of the folder once, complete and written.
async fn watch_folder(
    profile: &Path,
    dir: &Path,
    move_sent: bool,
    for_seconds: Option<u64>,
    waits: careplan_client::watch::Waits,
) -> Result<ExitCode> {
    use careplan_client::settings::WatchMode;
    use careplan_client::watch::WatchSetup;
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    if !dir.is_dir() {
        eprintln!("kizuna: {} はフォルダではありません。", dir.display());
        return Ok(ExitCode::from(2));
    }
    eprintln!(
        "{} を見ています。書き終わった単位ごとに検査して送ります（Ctrl+C で終了）。",
        dir.display()
    );
    let host = FolderPrinter {
        setup: WatchSetup {
            dir: dir.to_owned(),
            mode: WatchMode::Auto,
            move_sent,
        },
        until: for_seconds.map(|s| std::time::Instant::now() + std::time::Duration::from_secs(s)),
    };
    client.watch_folder_with(&host, waits).await;
    Ok(ExitCode::SUCCESS)
}

/// Prints what the watched folder did, for `kizuna send --watch`.
struct FolderPrinter {
    setup: careplan_client::watch::WatchSetup,
    until: Option<std::time::Instant>,
}

impl careplan_client::watch::FolderHost for FolderPrinter {
    fn folder(&self) -> Option<careplan_client::watch::WatchSetup> {
        Some(self.setup.clone())
    }

    fn report(&self, event: careplan_client::watch::FolderEvent) {
        use careplan_client::watch::{FolderEvent, Handled};
        let names = |files: &[PathBuf]| {
            files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match event {
            FolderEvent::Handled { unit, outcome } => match outcome {
                Handled::Sent(uploads) => {
                    for u in uploads.iter().map(|u| u.view(Lang::Ja)) {
                        println!(
                            "{}: {} → {}",
                            outcome_label(u.outcome, Lang::Ja),
                            u.file_name,
                            u.recipient
                        );
                    }
                }
                Handled::Ready => println!("送信できます: {}", names(&unit.files)),
                Handled::AlreadySent => {
                    println!("送信済みのため送りません: {}", names(&unit.files))
                }
                Handled::Invalid(reports) => {
                    eprint!("{}", crate::validate_cmd::text_report(&reports, Lang::Ja));
                    println!("誤りがあるため送りません: {}", names(&unit.files));
                }
                Handled::Incomplete(missing) => println!(
                    "そろっていないため送りません（{} がありません）: {}",
                    missing.join("・"),
                    names(&unit.files)
                ),
            },
            FolderEvent::Failed { error, .. } => {
                fail(&error);
            }
            FolderEvent::Unreadable { dir, error } => {
                eprintln!("kizuna: {} を読めません（{error}）。", dir.display())
            }
        }
    }

    fn stopping(&self) -> bool {
        self.until.is_some_and(|u| std::time::Instant::now() >= u)
    }
}

fn print_received(list: &[Received], json: bool) {
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
            _ if r.kept => println!(
                "受信しました: {} ← {}（このPCでは保存せず控えを保管しました）",
                r.file_name, r.sender
            ),
            _ => {}
        }
    }
}

/// When `kizuna receive --wait / --watch` stops.
enum Until {
    /// The first files arrived, or the time is up.
    FirstFiles(Instant),
    /// Never (interrupted by the user).
    Interrupted,
}

/// The client's background loop, printing what arrives: `receive --wait` and `--watch`.
struct Printer<'a> {
    out: Option<&'a Path>,
    json: bool,
    until: Until,
    received: Mutex<Vec<Received>>,
    /// A refusal that trying again will not cure ends the command.
    fatal: Mutex<Option<ClientError>>,
}

impl Host for Printer<'_> {
    fn import_dir(&self) -> Option<PathBuf> {
        self.out.map(Path::to_owned)
    }

    fn activity(&self, activity: Activity) {
        match activity {
            Activity::Received(files) => {
                print_received(&files, self.json);
                lock(&self.received).extend(files);
            }
            Activity::CertificateEnding { days_left } => eprintln!(
                "kizuna: 電子証明書の有効期限まであと {days_left} 日です。kizuna renew で更新してください。"
            ),
            Activity::Trouble(e) if e.is_transient() => {
                eprintln!("kizuna: {}", error_ja(&e));
            }
            Activity::Trouble(e) => *lock(&self.fatal) = Some(e),
            Activity::SentChanged(_)
            | Activity::Uploaded(_)
            | Activity::Connected
            | Activity::OfficeSaved => {}
        }
    }

    fn stopping(&self) -> bool {
        if lock(&self.fatal).is_some() {
            return true;
        }
        match self.until {
            Until::FirstFiles(deadline) => {
                !lock(&self.received).is_empty() || Instant::now() >= deadline
            }
            Until::Interrupted => false,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn receive(
    profile: &Path,
    out: Option<&Path>,
    wait: Option<u64>,
    watch: bool,
    json: bool,
) -> Result<ExitCode> {
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let until = match (watch, wait) {
        (true, _) => Until::Interrupted,
        (false, Some(seconds)) => Until::FirstFiles(Instant::now() + Duration::from_secs(seconds)),
        (false, None) => {
            let received = match client.receive_once(out).await {
                Ok(r) => r,
                Err(e) => return Ok(fail(&e)),
            };
            print_received(&received, json);
            return Ok(received_exit(&received, json));
        }
    };
    let printer = Printer {
        out,
        json,
        until,
        received: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
    };
    client.watch(&printer).await;
    if let Some(e) = lock(&printer.fatal).take() {
        return Ok(fail(&e));
    }
    let received = std::mem::take(&mut *lock(&printer.received));
    Ok(received_exit(&received, json))
}

/// Exit code of a receive: something that was not saved is something to look at, so scripts
/// must not read it as done.
fn received_exit(received: &[Received], json: bool) -> ExitCode {
    if received.is_empty() && !json {
        println!("届いているファイルはありません。");
    }
    let refused = received
        .iter()
        .filter(|r| r.quarantined.is_some() || r.replayed)
        .count();
    if refused > 0 {
        eprintln!(
            "kizuna: {refused} 件のファイルを保存していません（上の表示を確認してください）。"
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

async fn status(profile: &Path, json: bool) -> Result<ExitCode> {
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let s = match client.status(Lang::Ja).await {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(ExitCode::SUCCESS);
    }
    let o = &s.enrolled;
    println!("事業所: {} {}", o.office, o.office_name);
    println!("連携基盤: {}", o.relay_url);
    if let Some(proxy) = &o.proxy {
        println!("プロキシ: {proxy}");
    }
    println!(
        "電子証明書: 有効期限まで {} 日（シリアル {}）",
        o.certificate_days_left, o.certificate_serial
    );
    match &s.relay_problem {
        None => println!("接続: OK"),
        Some(why) => println!("接続: {why}"),
    }
    for (state, n) in &s.sent {
        println!(
            "送信 {}: {n} 件",
            state_label(Direction::Sent, *state, Lang::Ja)
        );
    }
    println!("受信（未確認）: {} 件", s.received_unseen);
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

fn history(profile: &Path, q: HistoryQuery, json: bool) -> Result<ExitCode> {
    // The history is local: it needs neither the keys nor the relay.
    let entries = match careplan_client::history_of(profile, &q) {
        Ok(e) => e,
        Err(e) => return Ok(fail(&e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in &entries {
        let dir = if e.direction == Direction::Sent {
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
            state_label(e.direction, e.state, Lang::Ja)
        );
    }
    if entries.is_empty() {
        println!("該当する履歴はありません。");
    }
    Ok(ExitCode::SUCCESS)
}

async fn renew(profile: &Path) -> Result<ExitCode> {
    let client = match open(profile) {
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

fn save_again(profile: &Path, out: &Path, id: i64) -> Result<ExitCode> {
    let client = match open(profile) {
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

/// Runs `f` with the opened client; a client error is printed for people.
async fn with_client<F, Fut>(profile: &Path, f: F) -> Result<ExitCode>
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = careplan_client::Result<()>>,
{
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    match f(client).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Ok(fail(&e)),
    }
}

fn read_stdin_password() -> Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("パスワードを標準入力から読めません")?;
    Ok(password.trim_end_matches(['\n', '\r']).to_owned())
}

async fn staff(profile: &Path, command: StaffCommand) -> Result<ExitCode> {
    match command {
        StaffCommand::List { json } => {
            with_client(profile, |c| async move {
                let list = c.staff().await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&list).unwrap_or_default()
                    );
                }
                for s in list.iter().filter(|_| !json) {
                    let role = match s.role {
                        Role::Admin => "管理者",
                        Role::Staff => "一般",
                    };
                    let gone = if s.active { "" } else { "（削除済み）" };
                    println!("{}  {}  {role}{gone}", s.login, s.name);
                }
                Ok(())
            })
            .await
        }
        StaffCommand::Add {
            login, name, role, ..
        } => {
            let Ok(role) = role.parse::<Role>() else {
                eprintln!("kizuna: --role は admin（管理者）か staff（一般）です。");
                return Ok(ExitCode::from(2));
            };
            let password = read_stdin_password()?;
            with_client(profile, |c| async move {
                let added = c
                    .add_staff(&NewStaff {
                        login,
                        name,
                        role,
                        password,
                    })
                    .await?;
                println!(
                    "{}（{}）を追加しました。",
                    added.person.name, added.person.login
                );
                if let Some(f) = added.second_factor {
                    // Shown this once: the relay keeps no copy it would show again.
                    println!("管理者は確認コードでサインインします。この鍵を本人の認証アプリに登録してください（表示はこの一度だけです）:");
                    println!("{}", f.secret);
                    println!("{}", f.uri);
                    if std::io::stdout().is_terminal() {
                        if let Some(qr) = careplan_client::qr_text(&f.uri) {
                            println!("{qr}");
                        }
                    }
                }
                Ok(())
            })
            .await
        }
        StaffCommand::Remove { login } => {
            with_client(profile, |c| async move {
                c.remove_staff(&login).await?;
                println!("{login} はサインインできなくなりました。");
                Ok(())
            })
            .await
        }
    }
}

async fn devices(profile: &Path, json: bool) -> Result<ExitCode> {
    let client = match open(profile) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e)),
    };
    let devices = match client.devices().await {
        Ok(d) => d,
        Err(e) => return Ok(fail(&e)),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
    } else {
        for d in &devices {
            let this = if d.this_device {
                "（この端末）"
            } else {
                ""
            };
            let until = careplan_client::export::jst(d.not_after);
            let seen = d
                .last_seen
                .map(careplan_client::export::jst)
                .unwrap_or_else(|| "—".into());
            println!(
                "{}  {}{this}  最終接続 {seen}  証明書の期限 {until}",
                d.device, d.name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn partners(profile: &Path, text: &str, json: bool) -> Result<ExitCode> {
    let client = match open(profile) {
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
            let state = match o.connected {
                Some(true) => "",
                Some(false) => "  未接続（届くのは登録後。紙で渡すなら kizuna pdf）",
                None => "",
            };
            println!("{}  {}  {}{state}", o.number, o.name, o.kind);
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
