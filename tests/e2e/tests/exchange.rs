//! A month of care-plan exchange through a real relay: a 居宅 office and two service offices.

use kizuna_e2e::*;
use serde_json::Value;

fn as_strs(paths: &[std::path::PathBuf]) -> Vec<&str> {
    paths.iter().map(|p| p.to_str().unwrap()).collect()
}

/// Files grouped into transmission units (same serial, the last part of the name).
fn units(files: &[std::path::PathBuf]) -> Vec<Vec<std::path::PathBuf>> {
    let mut by_serial = std::collections::BTreeMap::<String, Vec<std::path::PathBuf>>::new();
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let serial = name.rsplit('_').next().unwrap().to_owned();
        by_serial.entry(serial).or_default().push(f.clone());
    }
    by_serial.into_values().collect()
}

fn send(w: &World, o: &Office, files: &[std::path::PathBuf]) -> std::process::Output {
    let mut args = vec!["send"];
    args.extend(as_strs(files));
    w.kizuna(o, &args)
}

fn history(w: &World, o: &Office) -> Vec<Value> {
    let out = w.kizuna(o, &["history", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The states of a history entry's timeline, in order.
fn steps(entry: &Value) -> Vec<&str> {
    entry["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .collect()
}

fn receive(w: &World, o: &Office, out: &std::path::Path) -> std::process::Output {
    let out = w.kizuna(
        o,
        &["receive", "--out", out.to_str().unwrap(), "--wait", "10"],
    );
    assert!(out.status.success(), "{}", text(&out));
    out
}

/// Receives as `o` into a fresh folder and checks it got exactly `expected`, byte for byte.
fn receive_identical(w: &World, o: &Office, expected: &[std::path::PathBuf]) {
    let inbox = w.folder("inbox");
    receive(w, o, &inbox);
    assert_identical(&inbox, expected);
}

fn assert_identical(received: &std::path::Path, originals: &[std::path::PathBuf]) {
    assert_eq!(names_in(received), names_of(originals));
    for f in originals {
        let got = std::fs::read(received.join(f.file_name().unwrap())).unwrap();
        assert!(got == std::fs::read(f).unwrap(), "{} differs", f.display());
    }
}

#[test]
fn each_service_office_gets_exactly_its_own_files_byte_identical_and_receipts_reach_the_sender() {
    let w = World::enrolled(&[KYOTAKU, HOUMON, TSUSHO]);
    let sample = w.sample(&[HOUMON, TSUSHO]);
    let plans = World::files_between(&sample, &KYOTAKU, None);
    let out = send(&w, &KYOTAKU, &plans);
    assert!(out.status.success(), "{}", text(&out));

    for o in [HOUMON, TSUSHO] {
        let inbox = w.folder(&format!("inbox-{}", o.number));
        receive(&w, &o, &inbox);
        assert_identical(&inbox, &World::files_between(&sample, &KYOTAKU, Some(&o)));
    }

    // The sender learns of the receipts the next time it talks to the relay.
    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["sent"]["acknowledged"], plans.len());
    let sent = history(&w, &KYOTAKU);
    assert_eq!(sent.len(), plans.len());
    for e in &sent {
        assert_eq!(e["state"], "acknowledged", "{e}");
        assert!(e["receipt"].is_string(), "{e}");
        assert_eq!(
            steps(e),
            ["queued", "uploaded", "delivered", "acknowledged"]
        );
    }
}

#[test]
fn service_results_flow_back_to_the_care_manager() {
    let w = World::enrolled(&[KYOTAKU, HOUMON, TSUSHO]);
    let sample = w.sample(&[HOUMON, TSUSHO]);
    for o in [HOUMON, TSUSHO] {
        let results = World::files_between(&sample, &o, Some(&KYOTAKU));
        assert!(!results.is_empty());
        let out = send(&w, &o, &results);
        assert!(out.status.success(), "{}", text(&out));
    }
    let inbox = w.folder("inbox-kyotaku");
    receive(&w, &KYOTAKU, &inbox);
    let mut expected = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    expected.extend(World::files_between(&sample, &TSUSHO, Some(&KYOTAKU)));
    assert_identical(&inbox, &expected);
    let received = history(&w, &KYOTAKU);
    assert!(received.iter().all(|e| e["direction"] == "received"
        && e["state"] == "acknowledged"
        && e["partner_name"].is_string()));
}

/// The differences `kizuna compare --month` reports for an office, sorted.
fn compared(w: &World, o: &Office, month: &str) -> Vec<String> {
    let out = w.kizuna(o, &["compare", "--month", month, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut checks: Vec<String> = json
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["users"].as_array().unwrap().clone())
        .flat_map(|u| u["differences"].as_array().unwrap().clone())
        .map(|d| d["check"].as_str().unwrap().to_owned())
        .collect();
    checks.sort();
    checks
}

/// The sample month between 居宅 and 訪問: the plan and schedule sent and received, the 実績
/// sent back and received into the 居宅's inbox. Answers the 実績 files and that inbox.
fn a_month_exchanged(w: &World) -> (Vec<std::path::PathBuf>, std::path::PathBuf) {
    let sample = w.sample(&[HOUMON]);
    let out = send(
        w,
        &KYOTAKU,
        &World::files_between(&sample, &KYOTAKU, Some(&HOUMON)),
    );
    assert!(out.status.success(), "{}", text(&out));
    receive(w, &HOUMON, &w.folder("inbox-houmon"));
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    let out = send(w, &HOUMON, &results);
    assert!(out.status.success(), "{}", text(&out));
    let inbox = w.folder("inbox-kyotaku");
    receive(w, &KYOTAKU, &inbox);
    (results, inbox)
}

#[test]
fn both_offices_find_the_same_four_differences_of_the_month_in_their_history() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let (results, inbox) = a_month_exchanged(&w);
    // The care software imported and deleted the 実績: the kept copy is what is compared.
    for f in std::fs::read_dir(&inbox).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let name = results[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let month = careplan_csv::FileName::parse(&name)
        .unwrap()
        .service_month()
        .unwrap()
        .to_string();
    let four = [
        "count_changed",
        "delivered_not_planned",
        "planned_not_delivered",
        "time_changed",
    ];
    assert_eq!(compared(&w, &KYOTAKU, &month), four);
    assert_eq!(compared(&w, &HOUMON, &month), four);
}

#[test]
fn the_cost_report_counts_the_plans_schedules_and_jisseki_the_office_exchanged() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    a_month_exchanged(&w);
    let csv = w.folder("report").join("効果.csv");
    let pdf = w.folder("report").join("効果.pdf");

    let out = w.kizuna(
        &KYOTAKU,
        &[
            "report",
            "--json",
            "--csv",
            csv.to_str().unwrap(),
            "--pdf",
            pdf.to_str().unwrap(),
        ],
    );

    assert!(out.status.success(), "{}", text(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = &r["months"][0];
    assert_eq!(r["months"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(
        (
            &m["sent"]["plans"],
            &m["sent"]["schedules"],
            &m["received"]["jisseki"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(1)
        ),
        "{m}"
    );
    assert_eq!(m["deliveries"], 1, "both units went the same day");
    assert!(m["total_yen"].as_i64().unwrap() > m["without_staff_yen"].as_i64().unwrap());
    assert_eq!(r["projected"].as_array().unwrap().len(), 11);
    assert_eq!(r["partners"][0]["partner"], HOUMON.number);
    let csv = std::fs::read(&csv).unwrap();
    let mut csv_text = String::new();
    assert!(
        careplan_csv::encoding::decode_into(&csv, &mut csv_text),
        "MS932"
    );
    assert!(csv_text.starts_with("年月,区分"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

/// `kizuna send --watch DIR` for `o`, running for `seconds`, started now.
fn watching(
    w: &World,
    o: &Office,
    dir: &std::path::Path,
    seconds: u64,
    extra: &[&str],
) -> std::process::Child {
    std::process::Command::new(bin("kizuna"))
        .args(["send", "--watch"])
        .arg(dir)
        .args(["--for-seconds", &seconds.to_string()])
        .args(extra)
        .arg("--profile")
        .arg(w.profile(o))
        .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_unit_written_file_by_file_into_the_watched_folder_is_sent_once_and_moved_to_sent() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    // The 利用票 unit (予定, 別表, 補足 of the month), as the care software exports it.
    let unit: Vec<_> = World::files_between(&sample, &KYOTAKU, Some(&HOUMON))
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("UPPLAN_")
                || n.starts_with("UPSIKYU_")
                || (n.starts_with("UPHOSOKU_") && !n.starts_with("UPHOSOKU_000000"))
        })
        .collect();
    assert_eq!(unit.len(), 3);
    let export = w.folder("export");
    let watcher = watching(&w, &KYOTAKU, &export, 30, &[]);
    for f in &unit {
        std::thread::sleep(std::time::Duration::from_secs(3));
        std::fs::write(
            export.join(f.file_name().unwrap()),
            std::fs::read(f).unwrap(),
        )
        .unwrap();
    }
    let out = watcher.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let sent = history(&w, &KYOTAKU);
    assert_eq!(sent.len(), 3, "one unit, sent once: {}", text(&out));
    assert_eq!(names_in(&export.join("送信済み")), names_of(&unit));
    receive_identical(&w, &HOUMON, &unit);
    // After a restart, files put back (or left) are not sent again.
    for f in &unit {
        std::fs::copy(f, export.join(f.file_name().unwrap())).unwrap();
    }
    let again = watching(&w, &KYOTAKU, &export, 10, &["--keep-sent"])
        .wait_with_output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("送信済みのため送りません"),
        "{}",
        text(&again)
    );
    assert_eq!(history(&w, &KYOTAKU).len(), 3);
}

#[test]
fn os_file_events_find_a_unit_without_polling_and_a_stop_is_not_held_up_by_the_wait() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let export = w.folder("export");
    // Polling once an hour: only file events and the quiet-time timer can find the unit.
    let watcher = watching(&w, &HOUMON, &export, 15, &["--poll-seconds", "3600"]);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let jisseki = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    for f in &jisseki {
        std::fs::copy(f, export.join(f.file_name().unwrap())).unwrap();
    }
    let started = std::time::Instant::now();
    let out = watcher.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(history(&w, &HOUMON).len(), jisseki.len(), "{}", text(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(600),
        "stopped at --for-seconds, not after the hour's wait"
    );
}

#[test]
fn a_unit_with_an_error_in_the_watched_folder_is_never_sent_and_says_why() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let export = w.folder("export");
    let jisseki = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    let name = jisseki[0].file_name().unwrap();
    let mut broken = std::fs::read(&jisseki[0]).unwrap();
    broken.extend_from_slice(b"202407,1\r\n");
    std::fs::write(export.join(name), broken).unwrap();
    let out = watching(&w, &HOUMON, &export, 8, &[])
        .wait_with_output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("誤りがあるため送りません"),
        "{}",
        text(&out)
    );
    assert!(history(&w, &HOUMON).is_empty());
    assert!(export.join(name).exists(), "left where it was");
}

#[test]
fn a_received_file_deleted_by_the_care_software_can_be_saved_again_identical() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &HOUMON, &results).status.success());
    let inbox = w.folder("inbox");
    receive(&w, &KYOTAKU, &inbox);
    let original = &results[0];
    let name = original.file_name().unwrap();
    std::fs::remove_file(inbox.join(name)).unwrap();

    let entry = history(&w, &KYOTAKU)
        .into_iter()
        .find(|e| e["file_name"] == name.to_str().unwrap())
        .unwrap();
    let id = entry["id"].to_string();
    let again = |dir: &std::path::Path| {
        let out = w.kizuna(
            &KYOTAKU,
            &["save-again", "--out", dir.to_str().unwrap(), &id],
        );
        assert!(out.status.success(), "{}", text(&out));
    };
    again(&inbox);
    assert!(std::fs::read(inbox.join(name)).unwrap() == std::fs::read(original).unwrap());
    // Saving again while the file is still there adds no copy.
    again(&inbox);
    assert_eq!(names_in(&inbox).len(), results.len());

    let entry = history(&w, &KYOTAKU)
        .into_iter()
        .find(|e| e["file_name"] == name.to_str().unwrap())
        .unwrap();
    assert_eq!(steps(&entry).last(), Some(&"saved_again"), "{entry}");
}

#[test]
fn a_file_without_a_kept_copy_cannot_be_saved_again_and_says_why() {
    let w = World::enrolled(&[KYOTAKU]);
    let dir = w.folder("inbox");
    let out = w.kizuna(
        &KYOTAKU,
        &["save-again", "--out", dir.to_str().unwrap(), "999"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("控えが残っていない"), "{}", text(&out));
}

fn status(w: &World, o: &Office) -> Value {
    let out = w.kizuna(o, &["status", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_office_renews_its_certificate_without_its_password_and_keeps_exchanging() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let before = status(&w, &KYOTAKU)["certificate_serial"].clone();
    let out = w.kizuna(&KYOTAKU, &["renew"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("更新しました"), "{}", text(&out));
    let after = status(&w, &KYOTAKU)["certificate_serial"].clone();
    assert_ne!(before, after);

    // The renewed certificate is the one in use from now on.
    let sample = w.sample(&[HOUMON]);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &HOUMON, &results).status.success());
    receive_identical(&w, &KYOTAKU, &results);
    let certs = w.relay_admin(&["cert", "list"], None);
    let listed = String::from_utf8_lossy(&certs.stdout);
    assert!(listed.contains(after.as_str().unwrap()), "{listed}");
}

#[test]
fn an_office_behind_a_proxy_enrols_and_receives_through_it() {
    let w = World::new(&[KYOTAKU, HOUMON]);
    let proxy = ConnectProxy::start();
    let out = w.enroll_args(
        &KYOTAKU,
        &password(&KYOTAKU),
        &w.fingerprint(),
        &["--proxy", &proxy.url],
    );
    assert!(out.status.success(), "{}", text(&out));
    let after_enrolment = proxy.tunnels();
    assert!(after_enrolment >= 1, "enrolment went through the proxy");

    w.enroll(&HOUMON);
    let sample = w.sample(&[HOUMON]);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &HOUMON, &results).status.success());
    receive_identical(&w, &KYOTAKU, &results);
    assert!(
        proxy.tunnels() > after_enrolment,
        "receiving went through the proxy too"
    );
    assert_eq!(status(&w, &KYOTAKU)["proxy"], proxy.url.as_str());
}

#[test]
fn a_proxy_setting_that_is_not_an_address_is_explained() {
    let w = World::new(&[KYOTAKU]);
    let out = w.enroll_args(
        &KYOTAKU,
        &password(&KYOTAKU),
        &w.fingerprint(),
        &["--proxy", "proxy の アドレス"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("プロキシの指定"), "{}", text(&out));
    assert!(!w.profile(&KYOTAKU).join("keys.age").exists());
}

#[test]
fn a_sender_offline_queues_and_delivers_exactly_once_when_the_relay_is_back() {
    let mut w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));

    w.kill_relay();
    let out = send(&w, &KYOTAKU, &plans);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("送信待ち"),
        "{}",
        text(&out)
    );
    // Trying again while still offline changes nothing.
    assert_eq!(w.kizuna(&KYOTAKU, &["send"]).status.code(), Some(1));

    w.start_relay();
    let out = w.kizuna(&KYOTAKU, &["send"]);
    assert!(out.status.success(), "{}", text(&out));
    // Nothing left: a further retry uploads nothing twice.
    let again = w.kizuna(&KYOTAKU, &["send"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("送信待ちのファイルはありません"));

    receive_identical(&w, &HOUMON, &plans);
}

#[test]
fn a_file_for_a_partner_not_yet_enrolled_waits_says_why_and_goes_once_it_enrols() {
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&KYOTAKU);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));

    let out = send(&w, &KYOTAKU, &plans);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("送信待ち") && said.contains("まだ登録していません"),
        "the cause, not the connection: {said}"
    );
    assert!(!said.contains("接続"), "{said}");

    w.enroll(&HOUMON);
    let out = w.kizuna(&KYOTAKU, &["send"]);
    assert!(out.status.success(), "{}", text(&out));
    receive_identical(&w, &HOUMON, &plans);
}

#[test]
fn the_same_file_is_not_sent_twice_to_a_partner_unless_asked_for() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let unit = &units(&World::files_between(&sample, &KYOTAKU, Some(&HOUMON)))[0];
    assert!(send(&w, &KYOTAKU, unit).status.success());
    let again = send(&w, &KYOTAKU, unit);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains("送信済み") && said.contains("--again"),
        "{said}"
    );
    let mut args = vec!["send", "--again"];
    args.extend(as_strs(unit));
    assert!(w.kizuna(&KYOTAKU, &args).status.success());
    // Two sendings of the unit arrive; both are received (identical bytes land in one file).
    let inbox = w.folder("inbox");
    receive(&w, &HOUMON, &inbox);
    let saved = history(&w, &HOUMON)
        .iter()
        .filter(|e| e["direction"] == "received" && e["state"] != "replayed")
        .count();
    assert_eq!(saved, 2 * unit.len());
}

#[test]
fn a_relay_crash_midway_loses_nothing() {
    let mut w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    let units = units(&plans);
    assert_eq!(units.len(), 2);
    assert!(send(&w, &KYOTAKU, &units[0]).status.success());
    w.kill_relay();
    w.start_relay();
    assert!(send(&w, &KYOTAKU, &units[1]).status.success());
    w.kill_relay();
    w.start_relay();
    receive_identical(&w, &HOUMON, &plans);
}

#[test]
fn a_file_with_validation_errors_is_never_uploaded() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    let plan = plans
        .iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("UPPLAN_")
        })
        .unwrap();
    // Item 1 of the first record is the CSV version: make it one the standard does not know.
    let mut bytes = std::fs::read(plan).unwrap();
    bytes[1] = b'9';
    std::fs::write(plan, bytes).unwrap();

    let out = send(&w, &KYOTAKU, &plans);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1行目"), "{err}");
    assert!(err.contains("何も送信していません"), "{err}");
    assert!(history(&w, &KYOTAKU).is_empty());

    let inbox = w.folder("inbox");
    let out = w.kizuna(&HOUMON, &["receive", "--out", inbox.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(names_in(&inbox).is_empty());
}

/// Receives as `o` where something will be refused: exit status 1, what was said.
fn receive_refusing(w: &World, o: &Office, out: &std::path::Path) -> std::process::Output {
    let out = w.kizuna(
        o,
        &["receive", "--out", out.to_str().unwrap(), "--wait", "10"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refusal is not success: {}",
        text(&out)
    );
    out
}

#[test]
fn a_message_copied_by_a_relay_insider_is_refused_not_saved_twice_and_gets_no_receipt() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let unit = &units(&World::files_between(&sample, &KYOTAKU, Some(&HOUMON)))[0];
    assert!(send(&w, &KYOTAKU, unit).status.success());

    // Someone with the relay's database and disk copies one message, row and body, under a new
    // id: the same signed manifest arrives twice.
    let db = relay_db(&w);
    let (id, copied): (String, String) = db
        .query_row(
            "SELECT id, file_name FROM messages ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let copy_id = "c0".repeat(16);
    db.execute(
        "INSERT INTO messages (id, sender, recipient, file_name, size, sha256, manifest,
         idempotency_key, state, created_at, expires_at)
         SELECT ?2, sender, recipient, file_name, size, sha256, manifest, idempotency_key || 'x',
         'stored', created_at, expires_at FROM messages WHERE id = ?1",
        [&id, &copy_id],
    )
    .unwrap();
    let body = stored_body(&w, &id);
    store_body(&w, &copy_id, &body);

    let inbox = w.folder("inbox");
    let out = receive_refusing(&w, &HOUMON, &inbox);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("受け取りを拒否しました"),
        "{}",
        text(&out)
    );
    assert_identical(&inbox, unit);
    let h = history(&w, &HOUMON);
    let replays: Vec<&Value> = h.iter().filter(|e| e["state"] == "replayed").collect();
    assert_eq!(replays.len(), 1, "{h:?}");
    assert_eq!(replays[0]["file_name"], copied.as_str());
    let copy_acknowledged: Option<String> = relay_db(&w)
        .query_row(
            "SELECT acknowledged_at FROM messages WHERE id = ?1",
            [&copy_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(copy_acknowledged.is_none(), "no receipt for the copy");
    // And a second look changes nothing.
    let again = receive(&w, &HOUMON, &inbox);
    assert!(String::from_utf8_lossy(&again.stdout).contains("届いているファイルはありません"));
}

fn relay_db(w: &World) -> rusqlite::Connection {
    rusqlite::Connection::open(w.data().join("relay.db")).unwrap()
}

/// The relay's store of small bodies (what someone with its disk could change).
fn bodies_db(w: &World) -> rusqlite::Connection {
    rusqlite::Connection::open(w.data().join("blobs").join("bodies.db")).unwrap()
}

fn stored_body(w: &World, id: &str) -> Vec<u8> {
    bodies_db(w)
        .query_row("SELECT body FROM bodies WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

fn store_body(w: &World, id: &str, body: &[u8]) {
    bodies_db(w)
        .execute(
            "INSERT OR REPLACE INTO bodies (id, body) VALUES (?1, ?2)",
            (id, body),
        )
        .unwrap();
}

#[test]
fn tampered_ciphertext_is_quarantined_never_saved_and_the_sender_is_told() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    let unit = &units(&plans)[0];
    assert!(send(&w, &KYOTAKU, unit).status.success());

    // Someone with access to the relay's disk flips one byte of one stored body.
    let (id, tampered): (String, String) = relay_db(&w)
        .query_row(
            "SELECT id, file_name FROM messages ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut body = stored_body(&w, &id);
    let last = body.len() - 20;
    body[last] ^= 0x01;
    store_body(&w, &id, &body);

    let inbox = w.folder("inbox");
    let out = receive_refusing(&w, &HOUMON, &inbox);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("隔離しました"),
        "{}",
        text(&out)
    );
    let untouched: Vec<_> = unit
        .iter()
        .filter(|p| !p.ends_with(&tampered))
        .cloned()
        .collect();
    assert_eq!(untouched.len(), unit.len() - 1);
    assert_identical(&inbox, &untouched);
    let h = history(&w, &HOUMON);
    let quarantined: Vec<&Value> = h.iter().filter(|e| e["state"] == "quarantined").collect();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0]["file_name"], tampered.as_str());

    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["sent"]["rejected"], 1, "{status}");
}

#[test]
fn a_manifest_signed_by_another_office_is_quarantined() {
    let w = World::enrolled(&[KYOTAKU, HOUMON, TSUSHO]);
    let sample = w.sample(&[HOUMON, TSUSHO]);
    // 通所 sends its 実績 to the 居宅 office; 訪問 sends one too.
    let from_tsusho = World::files_between(&sample, &TSUSHO, Some(&KYOTAKU));
    let from_houmon = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &TSUSHO, &from_tsusho).status.success());
    assert!(send(&w, &HOUMON, &from_houmon).status.success());
    // A relay that swaps manifests: 訪問's message now carries a manifest signed by 通所.
    let db = relay_db(&w);
    let forged: String = db
        .query_row(
            "SELECT manifest FROM messages WHERE sender = ?1",
            [TSUSHO.number],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE messages SET manifest = ?1 WHERE sender = ?2",
        [forged.as_str(), HOUMON.number],
    )
    .unwrap();

    let inbox = w.folder("inbox");
    receive_refusing(&w, &KYOTAKU, &inbox);
    assert_eq!(names_in(&inbox), names_of(&from_tsusho));
    let h = history(&w, &KYOTAKU);
    let quarantined: Vec<&Value> = h.iter().filter(|e| e["state"] == "quarantined").collect();
    assert_eq!(quarantined.len(), from_houmon.len());
    assert!(quarantined.iter().all(|e| e["partner"] == HOUMON.number));
}

#[test]
fn a_revoked_certificate_is_refused_with_a_clear_message() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let serial = status["certificate_serial"].as_str().unwrap();
    let out = w.relay_admin(&["cert", "revoke", serial], None);
    assert!(out.status.success(), "{}", text(&out));

    let sample = w.sample(&[HOUMON]);
    let out = send(
        &w,
        &KYOTAKU,
        &World::files_between(&sample, &KYOTAKU, Some(&HOUMON)),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("失効"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_expired_certificate_is_refused_with_a_clear_message() {
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&KYOTAKU);
    let config = w.profile(&KYOTAKU).join("profile.toml");
    let text_before = std::fs::read_to_string(&config).unwrap();
    let expired: String = text_before
        .lines()
        .map(|l| {
            if l.starts_with("cert_not_after") {
                "cert_not_after = 1700000000".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&config, expired).unwrap();
    let out = w.kizuna(&KYOTAKU, &["send"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("有効期限が切れています"),
        "{}",
        text(&out)
    );
}

#[test]
fn enrolment_says_what_is_wrong() {
    let w = World::new(&[KYOTAKU]);
    let fp = w.fingerprint();
    let wrong = w.enroll_with(&KYOTAKU, "not-the-password", &fp);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("パスワードが正しくありません"));
    let other_ca = "ab".repeat(32);
    let pinned = w.enroll_with(&KYOTAKU, "not-the-password", &other_ca);
    assert!(String::from_utf8_lossy(&pinned.stderr).contains("フィンガープリントが一致しません"));
    for _ in 0..5 {
        w.enroll_with(&KYOTAKU, "not-the-password", &fp);
    }
    let locked = w.enroll_with(&KYOTAKU, "pw-1310000001-あいう", &fp);
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("ロックされています"),
        "{}",
        text(&locked)
    );
    // Nothing was left behind that would look like an enrolled profile.
    assert!(!w.profile(&KYOTAKU).join("profile.toml").exists());
}

#[test]
fn an_unreachable_relay_is_reported_as_such() {
    let mut w = World::new(&[KYOTAKU]);
    let fp = w.fingerprint();
    w.kill_relay();
    let out = w.enroll_with(&KYOTAKU, "pw-1310000001-あいう", &fp);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("接続できません"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_send_retried_after_a_crash_before_it_was_recorded_is_stored_once() {
    let mut w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));

    // Queue while the relay is away, and keep the database as it was then.
    w.kill_relay();
    assert_eq!(send(&w, &KYOTAKU, &plans).status.code(), Some(1));
    let db = w.profile(&KYOTAKU).join("kizuna.db");
    let before = std::fs::read(&db).unwrap();

    // The relay takes everything; then the client "crashes" before recording that: its
    // database goes back to the queued state and it tries again.
    w.start_relay();
    assert!(w.kizuna(&KYOTAKU, &["send"]).status.success());
    std::fs::write(&db, before).unwrap();
    let retry = w.kizuna(&KYOTAKU, &["send"]);
    assert!(retry.status.success(), "{}", text(&retry));

    let stored: i64 = relay_db(&w)
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored as usize, plans.len());
    receive_identical(&w, &HOUMON, &plans);
}

#[test]
fn receive_wait_picks_up_a_file_sent_while_it_waits() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    let inbox = w.folder("inbox");
    std::thread::scope(|s| {
        let waiting = s.spawn(|| receive(&w, &KYOTAKU, &inbox));
        std::thread::sleep(std::time::Duration::from_millis(800));
        assert!(send(&w, &HOUMON, &results).status.success());
        waiting.join().unwrap();
    });
    assert_identical(&inbox, &results);
}

#[test]
fn without_a_key_store_enrolment_asks_for_a_passphrase_and_leaves_nothing_behind() {
    let w = World::new(&[KYOTAKU]);
    let mut cmd = std::process::Command::new(bin("kizuna"));
    cmd.args([
        "enroll",
        "--relay",
        &w.url,
        "--ca-fingerprint",
        &w.fingerprint(),
    ])
    .args(["--office", KYOTAKU.number, "--password-stdin", "--profile"])
    .arg(w.profile(&KYOTAKU))
    .env_remove("KIZUNA_KEY_PASSPHRASE")
    // No Secret Service to be found: as on a server or in CI.
    .env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/kizuna-test-bus",
    )
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("pw-1310000001-あいう".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("KIZUNA_KEY_PASSPHRASE"),
        "{}",
        text(&out)
    );
    assert!(!w.profile(&KYOTAKU).join("profile.toml").exists());
    assert!(!w.profile(&KYOTAKU).join("keys.age").exists());
}

#[test]
fn with_an_os_key_store_the_keys_are_sealed_there_and_sending_works() {
    // A Secret Service of its own: a private D-Bus session with gnome-keyring (scripts/test
    // installs both), so the developer's own key store is never touched.
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("dbus-run-session") || !have("gnome-keyring-daemon") {
        eprintln!(
            "SKIPPED: install dbus and gnome-keyring (scripts/test does) to test the OS key store"
        );
        return;
    }
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&HOUMON);
    let sample = w.sample(&[HOUMON]);
    let unit = &units(&World::files_between(&sample, &KYOTAKU, Some(&HOUMON)))[0];
    let kizuna = bin("kizuna");
    let script = format!(
        "set -e
         echo -n unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null
         printf '%s' '{password}' | '{k}' enroll --relay '{url}' --ca-fingerprint '{fp}' \
             --office {office} --password-stdin --profile '{profile}'
         '{k}' send --profile '{profile}' {files}",
        password = "pw-1310000001-あいう",
        k = kizuna.display(),
        url = w.url,
        fp = w.fingerprint(),
        office = KYOTAKU.number,
        profile = w.profile(&KYOTAKU).display(),
        files = unit
            .iter()
            .map(|p| format!("'{}'", p.display()))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env_remove("KIZUNA_KEY_PASSPHRASE")
        // Its keyring files in the test's own folder, created fresh with the unlock password.
        .env("XDG_DATA_HOME", w.folder("xdg-data"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let config = std::fs::read_to_string(w.profile(&KYOTAKU).join("profile.toml")).unwrap();
    assert!(config.contains("os-key-store"), "{config}");
    receive_identical(&w, &HOUMON, unit);
}

#[test]
fn an_office_with_a_second_factor_enrols_with_its_one_time_code() {
    let w = World::new(&[KYOTAKU]);
    let out = w.relay_admin(&["office", "totp", KYOTAKU.number], None);
    assert!(out.status.success(), "{}", text(&out));
    let uri = String::from_utf8(out.stdout).unwrap();
    let secret = uri
        .split("secret=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .unwrap()
        .to_owned();
    let fp = w.fingerprint();
    let password = "pw-1310000001-あいう";

    let without = w.enroll_with(&KYOTAKU, password, &fp);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("確認コード"),
        "{}",
        text(&without)
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let code = careplan_relay::totp::code(&secret, now).unwrap();
    let out = w.enroll_args(&KYOTAKU, password, &fp, &["--totp", &code]);
    assert!(out.status.success(), "{}", text(&out));
}

/// The encryption keys the relay's certificates bound for `o`, oldest first.
fn encryption_keys(w: &World, o: &Office) -> Vec<String> {
    let db = rusqlite::Connection::open(w.data().join("relay.db")).unwrap();
    db.prepare(
        "SELECT encryption_key FROM certificates WHERE office = ?1 ORDER BY issued_at, rowid",
    )
    .unwrap()
    .query_map([o.number], |r| r.get(0))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn a_renewal_changes_the_encryption_key_and_what_was_on_its_way_to_the_old_one_still_opens() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &HOUMON, &results).status.success());
    receive_identical(&w, &KYOTAKU, &results);
    // Sent again before the renewal: on its way, encrypted to the key in use until then.
    let mut again = vec!["send", "--again"];
    again.extend(results.iter().map(|p| p.to_str().unwrap()));
    let out = w.kizuna(&HOUMON, &again);
    assert!(out.status.success(), "{}", text(&out));

    let out = w.kizuna(&KYOTAKU, &["renew"]);
    assert!(out.status.success(), "{}", text(&out));
    let keys = encryption_keys(&w, &KYOTAKU);
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "the renewal brought a new encryption key");

    receive_identical(&w, &KYOTAKU, &results);
    let out = w.kizuna(&HOUMON, &again);
    assert!(out.status.success(), "{}", text(&out));
    receive_identical(&w, &KYOTAKU, &results);

    // A file received before the renewal is still kept, readable, and can be saved again.
    let out = w.kizuna(&KYOTAKU, &["history", "--json", "--direction", "received"]);
    let history: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let first = history.last().unwrap()["id"].as_i64().unwrap().to_string();
    let copy = w.folder("copy");
    let out = w.kizuna(
        &KYOTAKU,
        &["save-again", "--out", copy.to_str().unwrap(), &first],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(names_in(&copy).len(), 1);
}

#[test]
fn an_office_given_several_relay_addresses_carries_on_when_the_first_is_down() {
    let w = World::new(&[KYOTAKU, HOUMON]);
    // An address where nothing answers (a port just freed), then the relay.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let relays = format!("https://127.0.0.1:{dead}, {}", w.url);
    let out = w.enroll_at(
        &KYOTAKU,
        &relays,
        &password(&KYOTAKU),
        &w.fingerprint(),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let profile = std::fs::read_to_string(w.profile(&KYOTAKU).join("profile.toml")).unwrap();
    assert!(profile.contains(&format!("127.0.0.1:{dead}")) && profile.contains("other_relays"));
    w.enroll(&HOUMON);
    // Every call of the 居宅 office first finds its first address down.
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    assert!(send(&w, &KYOTAKU, &plans).status.success());
    receive_identical(&w, &HOUMON, &plans);
    let results = World::files_between(&sample, &HOUMON, Some(&KYOTAKU));
    assert!(send(&w, &HOUMON, &results).status.success());
    let inbox = w.folder("kyotaku-inbox");
    receive(&w, &KYOTAKU, &inbox);
    assert_identical(&inbox, &results);
}

#[test]
fn relay_addresses_set_after_enrolment_are_used_in_turn_and_a_wrong_one_is_refused_in_plain_words()
{
    let w = World::new(&[KYOTAKU, HOUMON]);
    w.enroll(&KYOTAKU);
    w.enroll(&HOUMON);
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Not an https:// address: refused, and what was set stays.
    let out = w.kizuna(&KYOTAKU, &["relay", "http://relay.example.jp"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("https:// で始まる"), "{}", text(&out));
    let out = w.kizuna(&KYOTAKU, &["relay"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(shown.trim(), w.url.trim_end_matches('/'), "{}", text(&out));
    // The first address is down: every call carries on with the second.
    let relays = format!("https://127.0.0.1:{dead}, {}", w.url);
    let out = w.kizuna(&KYOTAKU, &["relay", &relays]);
    assert!(out.status.success(), "{}", text(&out));
    let profile = std::fs::read_to_string(w.profile(&KYOTAKU).join("profile.toml")).unwrap();
    assert!(profile.contains(&format!("127.0.0.1:{dead}")) && profile.contains("other_relays"));
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    assert!(send(&w, &KYOTAKU, &plans).status.success());
    receive_identical(&w, &HOUMON, &plans);
}
