//! An office with several devices (PCs and CLI profiles), each with its own keys.

use std::path::{Path, PathBuf};

use kizuna_e2e::*;
use serde_json::Value;

fn send_again(w: &World, o: &Office, files: &[PathBuf]) {
    let mut args = vec!["send", "--again"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let out = w.kizuna(o, &args);
    assert!(out.status.success(), "{}", text(&out));
}

fn receive_in(w: &World, profile: &Path, inbox: &Path) -> std::process::Output {
    w.kizuna_in(
        profile,
        &["receive", "--out", inbox.to_str().unwrap(), "--wait", "10"],
    )
}

fn assert_identical(received: &Path, originals: &[PathBuf]) {
    assert_eq!(names_in(received), names_of(originals));
    for f in originals {
        let got = std::fs::read(received.join(f.file_name().unwrap())).unwrap();
        assert!(got == std::fs::read(f).unwrap(), "{} differs", f.display());
    }
}

/// The id of `o`'s device named `name`, as the relay's administrator lists it.
fn device_id(w: &World, o: &Office, name: &str) -> String {
    let out = w.relay_admin(&["office", "device", "list", o.number], None);
    let listed = String::from_utf8(out.stdout).unwrap();
    listed
        .lines()
        .find(|l| l.split('\t').nth(1) == Some(name))
        .and_then(|l| l.split('\t').next())
        .unwrap_or_else(|| panic!("no device {name} in {listed}"))
        .to_owned()
}

#[test]
fn a_plan_is_readable_on_every_device_of_the_office_and_its_receipt_goes_once() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let laptop = w.folder("houmon-laptop");
    let tablet = w.folder("houmon-tablet");
    w.enroll_device(&HOUMON, &laptop, "ノートPC");
    w.enroll_device(&HOUMON, &tablet, "タブレット");
    let listed = w.kizuna_in(&laptop, &["devices", "--json"]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<(&str, bool)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["this_device"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names[1..],
        [("ノートPC", true), ("タブレット", false)],
        "{listed}"
    );
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    send_again(&w, &KYOTAKU, &plans);

    for (i, profile) in [w.profile(&HOUMON), laptop, tablet].iter().enumerate() {
        let inbox = w.folder(&format!("inbox-{i}"));
        let out = receive_in(&w, profile, &inbox);
        assert!(out.status.success(), "device {i}: {}", text(&out));
        assert_identical(&inbox, &plans);
    }
    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["sent"]["acknowledged"], plans.len(), "{status}");
}

#[test]
fn a_revoked_device_cannot_read_what_is_sent_after_and_the_others_can() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let laptop = w.folder("houmon-laptop");
    w.enroll_device(&HOUMON, &laptop, "ノートPC");
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));

    let revoked = w.relay_admin(
        &[
            "office",
            "device",
            "revoke",
            HOUMON.number,
            &device_id(&w, &HOUMON, "ノートPC"),
        ],
        None,
    );
    assert!(revoked.status.success(), "{}", text(&revoked));
    send_again(&w, &KYOTAKU, &plans);

    let office_pc = w.folder("inbox-office-pc");
    let out = receive_in(&w, &w.profile(&HOUMON), &office_pc);
    assert!(out.status.success(), "{}", text(&out));
    assert_identical(&office_pc, &plans);
    let stolen = w.folder("inbox-laptop");
    let out = receive_in(&w, &laptop, &stolen);
    assert!(
        !out.status.success(),
        "a revoked device still received: {}",
        text(&out)
    );
    assert!(names_in(&stolen).is_empty());
}

#[test]
fn a_member_of_staff_is_refused_by_the_relay_what_an_administrator_may_do() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let laptop = w.folder("houmon-laptop");
    w.enroll_device(&HOUMON, &laptop, "ノートPC");
    let kanri_key = w
        .add_staff(&HOUMON, "kanri", "admin", "kanri-password-1")
        .unwrap();
    w.add_staff(&HOUMON, "ippan", "staff", "ippan-password-1");
    let pc = w.profile(&HOUMON);

    // 一般 on the office PC: signed in, but adding staff and revoking devices are refused.
    let out = w.kizuna_input(
        &pc,
        &["login", "--login", "ippan", "--password-stdin"],
        Some("ippan-password-1"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = w.kizuna_input(
        &pc,
        &[
            "staff",
            "add",
            "--login",
            "tanaka",
            "--name",
            "田中",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("tanaka-password-1"),
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("管理者だけ"), "{}", text(&out));
    let laptop_id = device_id(&w, &HOUMON, "ノートPC");
    let out = w.kizuna_in(&pc, &["devices", "revoke", &laptop_id]);
    assert!(!out.status.success(), "{}", text(&out));

    // 管理者 on the same PC: both go through.
    assert!(w.kizuna_in(&pc, &["logout"]).status.success());
    let out = w.kizuna_input(
        &pc,
        &["login", "--login", "kanri", "--password-stdin"],
        Some("kanri-password-1"),
    );
    assert!(!out.status.success(), "an administrator needs a code too");
    assert!(text(&out).contains("確認コード"), "{}", text(&out));
    let out = w.kizuna_input(
        &pc,
        &[
            "login",
            "--login",
            "kanri",
            "--password-stdin",
            "--totp",
            &totp_now(&kanri_key),
        ],
        Some("kanri-password-1"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = w.kizuna_input(
        &pc,
        &[
            "staff",
            "add",
            "--login",
            "tanaka",
            "--name",
            "田中",
            "--role",
            "staff",
            "--password-stdin",
        ],
        Some("tanaka-password-1"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let list = w.kizuna_in(&pc, &["staff", "list", "--json"]);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let out = w.kizuna_in(&pc, &["devices", "revoke", &laptop_id]);
    assert!(out.status.success(), "{}", text(&out));
    let out = w.kizuna_in(&laptop, &["devices"]);
    assert!(
        !out.status.success(),
        "the revoked laptop still reaches the relay"
    );
}

#[test]
fn the_office_staff_list_needs_a_sign_in_first() {
    let w = World::enrolled(&[HOUMON]);
    let out = w.kizuna(&HOUMON, &["staff", "list"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("サインイン"), "{}", text(&out));
}

#[test]
fn the_send_result_and_the_history_of_both_offices_name_who_sent_and_who_received() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    w.add_staff(&KYOTAKU, "sato", "staff", "sato-password-1");
    w.add_staff(&HOUMON, "ippan", "staff", "ippan-password-1");
    for (o, login, pw) in [
        (&KYOTAKU, "sato", "sato-password-1"),
        (&HOUMON, "ippan", "ippan-password-1"),
    ] {
        let out = w.kizuna_input(
            &w.profile(o),
            &["login", "--login", login, "--password-stdin"],
            Some(pw),
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    let mut args = vec!["send", "--json", "--again"];
    args.extend(plans.iter().map(|p| p.to_str().unwrap()));
    let out = w.kizuna(&KYOTAKU, &args);
    assert!(out.status.success(), "{}", text(&out));
    let sent: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sent.len(), plans.len());
    for s in &sent {
        assert_eq!(s["sent_by"], "sato (sato)", "{s}");
    }
    let inbox = w.folder("inbox");
    let out = receive_in(&w, &w.profile(&HOUMON), &inbox);
    assert!(out.status.success(), "{}", text(&out));

    let history = |o: &Office| -> Vec<Value> {
        let out = w.kizuna(o, &["history", "--json"]);
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    for e in history(&KYOTAKU) {
        assert_eq!(e["person"], "sato (sato)", "{e}");
    }
    for e in history(&HOUMON) {
        assert_eq!(e["person"], "ippan (ippan)", "{e}");
        assert_eq!(e["partner_person"], "sato (sato)", "{e}");
    }
    // The relay's audit names the person and the device for the upload and the download.
    let db = rusqlite::Connection::open(w.data().join("relay.db")).unwrap();
    let details: Vec<(String, String)> = db
        .prepare("SELECT event, detail FROM audit WHERE event IN ('upload', 'download', 'ack')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(details.len(), 3 * plans.len(), "{details:?}");
    for (event, detail) in &details {
        let who = if event == "upload" {
            "by sato on device "
        } else {
            "by ippan on device "
        };
        assert!(detail.contains(who), "{event}: {detail}");
    }
}

#[test]
fn a_pc_joins_by_an_administrators_approval_and_reads_what_is_sent_after() {
    use std::io::BufRead;
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let key = w
        .add_staff(&HOUMON, "kanri", "admin", "kanri-password-1")
        .unwrap();
    let pc = w.profile(&HOUMON);
    w.sign_in(&pc, "kanri", "kanri-password-1", Some(&key));

    // The laptop asks without the office password and waits, showing its code.
    let laptop = w.folder("houmon-laptop");
    let mut asking = std::process::Command::new(bin("kizuna"))
        .args([
            "enroll",
            "--by-approval",
            "--relay",
            &w.url,
            "--ca-fingerprint",
        ])
        .arg(w.fingerprint())
        .args([
            "--office",
            HOUMON.number,
            "--device-name",
            "ノートPC",
            "--profile",
        ])
        .arg(&laptop)
        .env("KIZUNA_KEY_PASSPHRASE", PASSPHRASE)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = std::io::BufReader::new(asking.stdout.take().unwrap());
    let mut shown = String::new();
    said.read_line(&mut shown).unwrap();
    let code: String = shown.chars().filter(char::is_ascii_digit).take(6).collect();
    assert_eq!(code.len(), 6, "the laptop shows a code: {shown}");

    // The administrator, on the office PC, sees the same code and approves it.
    let waiting = w.kizuna_in(&pc, &["devices", "waiting", "--json"]);
    let waiting: Value = serde_json::from_slice(&waiting.stdout).unwrap();
    let request = waiting
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code.as_str())
        .unwrap_or_else(|| panic!("code {code} not in {waiting}"));
    assert_eq!(request["device_name"], "ノートPC");
    let out = w.kizuna_in(
        &pc,
        &["devices", "approve", request["request"].as_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut said, &mut rest).unwrap();
    let done = asking.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(rest.contains("登録しました"), "{rest}");

    // Encrypted to the laptop too from now on.
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    send_again(&w, &KYOTAKU, &plans);
    let inbox = w.folder("laptop-inbox");
    let out = receive_in(&w, &laptop, &inbox);
    assert!(out.status.success(), "{}", text(&out));
    assert_identical(&inbox, &plans);
    let db = rusqlite::Connection::open(w.data().join("relay.db")).unwrap();
    let detail: String = db
        .query_row(
            "SELECT detail FROM audit WHERE event = 'device.approve'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("ノートPC by kanri on device "), "{detail}");
}

/// `o`'s history as `kizuna history --json` prints it, from `profile`.
fn history_in(w: &World, profile: &Path) -> Vec<Value> {
    let out = w.kizuna_in(profile, &["history", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_pc_that_imports_saves_the_others_keep_and_every_pc_shows_where_and_by_whom() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let laptop = w.folder("houmon-laptop");
    w.enroll_device(&HOUMON, &laptop, "ノートPC");
    w.add_staff(&HOUMON, "ippan", "staff", "ippan-password-1");
    let out = w.kizuna_input(
        &w.profile(&HOUMON),
        &["login", "--login", "ippan", "--password-stdin"],
        Some("ippan-password-1"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    send_again(&w, &KYOTAKU, &plans);

    // The office PC imports; the laptop only keeps.
    let import = w.folder("import");
    let out = receive_in(&w, &w.profile(&HOUMON), &import);
    assert!(out.status.success(), "{}", text(&out));
    assert_identical(&import, &plans);
    let out = w.kizuna_in(&laptop, &["receive", "--keep", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let kept: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kept.len(), plans.len(), "{kept:?}");
    assert!(
        kept.iter()
            .all(|r| r["kept"] == true && r["saved_path"].is_null())
    );

    // The receipt went once per file, whichever PC sent it.
    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["sent"]["acknowledged"], plans.len(), "{status}");

    // The laptop's inbox shows each file once, saved on the office PC by ippan, into the import
    // folder.
    let on_laptop = history_in(&w, &laptop);
    assert_eq!(on_laptop.len(), plans.len());
    for e in &on_laptop {
        assert_eq!(e["state"], "kept", "{e}");
        let saves = e["saves"].as_array().unwrap();
        assert_eq!(saves.len(), 1, "{e}");
        assert_eq!(saves[0]["here"], false);
        assert_eq!(saves[0]["person"], "ippan (ippan)");
        let place = saves[0]["place"].as_str().unwrap();
        assert!(Path::new(place).starts_with(&import), "{place}");
    }

    // The laptop saves one file after all: the office PC then sees that too, with the laptop's
    // name, and the relay's audit has every save.
    let id = on_laptop[0]["id"].as_i64().unwrap();
    let elsewhere = w.folder("laptop-copy");
    let out = w.kizuna_in(
        &laptop,
        &[
            "save-again",
            "--out",
            elsewhere.to_str().unwrap(),
            &id.to_string(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = w.kizuna_in(&laptop, &["receive", "--keep"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = receive_in(&w, &w.profile(&HOUMON), &import);
    assert!(out.status.success(), "{}", text(&out));
    let on_pc = history_in(&w, &w.profile(&HOUMON));
    let file = on_laptop[0]["file_name"].as_str().unwrap();
    let entry = on_pc.iter().find(|e| e["file_name"] == file).unwrap();
    let saves = entry["saves"].as_array().unwrap();
    assert_eq!(saves.len(), 2, "{entry}");
    assert_eq!(saves[0]["here"], true);
    assert_eq!(
        (
            saves[1]["device_name"].as_str(),
            saves[1]["again"].as_bool()
        ),
        (Some("ノートPC"), Some(true)),
        "{entry}"
    );
    // An export of the history for an inspection is in the relay's audit too.
    let csv = w.folder("audit").join("履歴.csv");
    let out = w.kizuna(&HOUMON, &["history", "--csv", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read_to_string(&csv).unwrap().contains("ノートPC"));
    let db = rusqlite::Connection::open(w.data().join("relay.db")).unwrap();
    let count = |events: &str| -> usize {
        db.query_row(
            &format!("SELECT count(*) FROM audit WHERE event IN ({events})"),
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
    };
    assert_eq!(count("'save', 'save_again'"), plans.len() + 1);
    let export: String = db
        .query_row("SELECT detail FROM audit WHERE event = 'export'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        export.starts_with("history, ") && export.contains("by ippan on device "),
        "{export}"
    );
}

#[test]
fn a_pc_that_joins_while_a_file_waits_for_the_others_leaves_it_to_them_unrejected() {
    let w = World::enrolled(&[KYOTAKU, HOUMON]);
    let sample = w.sample(&[HOUMON]);
    let plans = World::files_between(&sample, &KYOTAKU, Some(&HOUMON));
    send_again(&w, &KYOTAKU, &plans);
    // Encrypted to the office PC alone; the laptop joins before anyone received it.
    let laptop = w.folder("houmon-laptop");
    w.enroll_device(&HOUMON, &laptop, "ノートPC");
    let out = w.kizuna_in(&laptop, &["receive", "--keep", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let taken: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        taken.is_empty(),
        "nothing quarantined or refused: {taken:?}"
    );

    let inbox = w.folder("inbox");
    let out = receive_in(&w, &w.profile(&HOUMON), &inbox);
    assert!(out.status.success(), "{}", text(&out));
    assert_identical(&inbox, &plans);
    let status = w.kizuna(&KYOTAKU, &["status", "--json"]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["sent"]["acknowledged"], plans.len(), "{status}");
    assert!(
        status["sent"]["rejected"].is_null() || status["sent"]["rejected"] == 0,
        "{status}"
    );
}
