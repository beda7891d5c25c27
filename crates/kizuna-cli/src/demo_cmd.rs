//! `kizuna demo-partners`: the demo's service offices, run as real enrolled offices that receive,
//! sign receipts and send their 実績 back (`scripts/run` starts it beside the demo relay).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use careplan_client::Enrolment;
use careplan_client::demo::{DemoPartner, PartnerEvent};
use careplan_client::messages::error_ja;
use careplan_client::protocol::{DemoOffice, OfficeKind};

#[derive(clap::Args)]
pub struct DemoPartnersArgs {
    /// Address of the demo relay.
    #[arg(long)]
    relay: String,
    /// SHA-256 fingerprint of the demo relay's CA.
    #[arg(long)]
    ca_fingerprint: String,
    /// The demo offices and their passwords (demo-offices.json in the demo relay's data folder).
    #[arg(long)]
    offices: PathBuf,
    /// The demo folder: each office's outgoing files are in NUMBER-NAME/ (kizuna sample
    /// --by-office); the partners keep their profiles and received files in partners/.
    #[arg(long)]
    dir: PathBuf,
    /// Seconds between a 利用票 arriving and the 実績 going back.
    #[arg(long, default_value_t = 5)]
    reply_after: u64,
}

/// The folder of `number`'s outgoing files under `dir` (`NUMBER-NAME`).
fn outgoing_folder(dir: &Path, number: &str) -> Option<PathBuf> {
    let prefix = format!("{number}-");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
}

pub fn run(args: &DemoPartnersArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.offices)
        .with_context(|| format!("{} を読めません", args.offices.display()))?;
    let offices: Vec<DemoOffice> = serde_json::from_str(&text)
        .with_context(|| format!("{} の形式が正しくありません", args.offices.display()))?;
    let rt = tokio::runtime::Runtime::new().context("runtime")?;
    rt.block_on(async move {
        let mut partners = Vec::new();
        for o in offices.iter().filter(|o| o.kind == OfficeKind::Service) {
            let Some(outgoing) = outgoing_folder(&args.dir, &o.number) else {
                continue;
            };
            let home = args.dir.join("partners").join(&o.number);
            let partner = DemoPartner::open_or_enrol(
                &home.join("profile"),
                Enrolment {
                    relay_url: &args.relay,
                    ca_fingerprint: &args.ca_fingerprint,
                    office: &o.number,
                    password: &o.password,
                    totp: None,
                    passphrase: None,
                    proxy: None,
                    device_name: None,
                },
                outgoing,
                home.join("受信"),
                Duration::from_secs(args.reply_after),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{} {}: {}", o.number, o.name, error_ja(&e)))?;
            println!("相手先 {} {} が動いています。", o.number, o.name);
            partners.push((Arc::new(partner), o.name.clone()));
        }
        if partners.is_empty() {
            bail!(
                "{} に相手先の送信フォルダ（事業所番号-名前）がありません",
                args.dir.display()
            );
        }
        println!("ready");
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (partner, name) in partners {
            let stop = stop.clone();
            tasks.push(tokio::spawn(async move {
                let report = |e: PartnerEvent| say(&name, e);
                partner.run(&stop, &report).await;
            }));
        }
        shutdown_signal().await;
        stop.store(true, Ordering::SeqCst);
        for t in tasks {
            let _ = t.await;
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn say(name: &str, event: PartnerEvent) {
    match event {
        PartnerEvent::Received { file_name, sender } => {
            println!("{name}: 受信しました {file_name} ← {sender}（署名付き受信確認を返送）")
        }
        PartnerEvent::Replied {
            file_names,
            recipient,
        } => {
            for f in file_names {
                println!("{name}: 実績を送りました {f} → {recipient}");
            }
        }
        PartnerEvent::Trouble(why) => eprintln!("{name}: {why}"),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
