// Drives the real Kizuna app through tauri-driver (W3C WebDriver) against a real relay, with the
// `kizuna` CLI as the partner office. Started by ./run, which sets up everything it needs and
// passes it in the environment. Screenshots of every screen go to $SHOTS.

import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync, readdirSync, mkdirSync, copyFileSync, unlinkSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createHmac } from "node:crypto";
import assert from "node:assert/strict";

import { click, endApp, find, KEY, press, run, s, script, shot, startApp, step, type, waitFor, wd } from "./webdriver.mjs";

const env = process.env;
const KIZUNA = env.KIZUNA_BIN;
const WORK = env.WORK;
const KYOTAKU = "1310000001";
const HOUMON = "1320000001";
const TSUSHO = "1320000002"; // registered at the relay, never enrolled

function cli(args, input) {
  return execFileSync(KIZUNA, args, {
    input,
    env: { ...env, KIZUNA_KEY_PASSPHRASE: "partner-passphrase" },
    encoding: "utf8",
  });
}

function filesBetween(dir, from, to) {
  return readdirSync(dir)
    .filter((n) => n.split("_").includes(from) && n.split("_").indexOf(from) < n.split("_").indexOf(to))
    .sort();
}

async function main() {
  // Opened with the invitation the relay's administrator wrote, as a double-click on it does.
  await startApp([env.INVITE_FILE]);

  // The partner office enrols with the CLI; the sample exchange is written for both.
  cli(["enroll", "--profile", join(WORK, "houmon"), "--relay", env.RELAY_URL, "--ca-fingerprint",
    env.FINGERPRINT, "--office", HOUMON, "--password-stdin"], env.HOUMON_PASSWORD);
  const sample = join(WORK, "sample");
  cli(["sample", "--out", sample, "--kyotaku", KYOTAKU, "--service", `${HOUMON}:11,${TSUSHO}:15`, "--users", "3"]);

  await step("the set-up screen is filled in from the invitation the app was opened with", async () => {
    await waitFor("#enroll");
    assert.equal(await script("return document.querySelector('#relay_url').value"), env.RELAY_URL);
    assert.equal(await script("return document.querySelector('#ca_fingerprint').value"), env.FINGERPRINT);
    assert.equal(await script("return document.querySelector('#office').value"), KYOTAKU);
    await waitFor("#setup-message", { text: env.RELAY_URL });
    await shot("01-setup");
  });

  await step("a wrong password is explained", async () => {
    await type("#office", KYOTAKU);
    await type("#password", "wrong-password");
    await click("#enroll");
    await waitFor("#setup-message", { text: "パスワードが正しくありません" });
    // This PC has a key store: the keys go there and no passphrase is asked for.
    assert.equal(await script("return document.querySelector('#passphrase-field').hidden"), true);
    await shot("02-setup-wrong-password");
  });

  await step("enrolment through the office's proxy with the right password opens the app", async () => {
    await type("#password", env.KYOTAKU_PASSWORD);
    await click(".more summary");
    await type("#device_name", "事務所PC");
    await type("#setup-proxy", env.PROXY_URL);
    await click("#enroll");
    await waitFor("#nav-send", { timeout: 30000 });
    await shot("03-send-empty");
    assert.ok(tunnels() >= 1, "enrolment went through the proxy");
    const profile = readFileSync(join(WORK, "app-profile", "profile.toml"), "utf8");
    assert.ok(profile.includes("os-key-store"), `the keys are sealed in the OS key store: ${profile}`);
    const relayBin = join(KIZUNA.replace(/kizuna$/, ""), "kizuna-relay");
    const devices = execFileSync(relayBin, ["--data", join(WORK, "relay"), "office", "device", "list", KYOTAKU], { encoding: "utf8" });
    assert.ok(devices.includes("事務所PC"), `the relay lists the app's PC by its name: ${devices}`);
  });

  const units = {};
  for (const name of filesBetween(sample, KYOTAKU, HOUMON)) {
    const serial = name.replace(/\.[^.]+$/, "").split("_").pop();
    (units[serial] ??= []).push(join(sample, name));
  }
  const planUnit = Object.values(units).find((u) => u.some((p) => p.includes("UPPLAN_")));

  await step("a broken file shows its findings and cannot be sent", async () => {
    const broken = join(WORK, "broken");
    mkdirSync(broken, { recursive: true });
    const copies = planUnit.map((p) => {
      const to = join(broken, p.split("/").pop());
      copyFileSync(p, to);
      return to;
    });
    const plan = copies.find((p) => p.includes("UPPLAN_"));
    const bytes = readFileSync(plan);
    bytes[1] = "9".charCodeAt(0); // an unknown CSV version in line 1, item 1
    writeFileSync(plan, bytes);
    await script("window.kizunaTest.check(arguments[0])", [copies]);
    await waitFor(".unit .findings li.error", { text: "1行目" });
    const disabled = await script("return document.querySelector('.unit footer button').disabled");
    assert.equal(disabled, true, "the send button is disabled while errors remain");
    await shot("04-send-findings");
  });

  await step("the sample unit is sent and the partner's CLI receives it byte-identical", async () => {
    await script("window.kizunaTest.check(arguments[0])", [planUnit]);
    await waitFor(".unit .pill.ok", { text: "誤りはありません" });
    await shot("05-send-ready");
    await click(".unit footer button");
    await waitFor(".unit .result", { text: "送信しました" });
    await shot("06-sent");
    const inbox = join(WORK, "houmon-inbox");
    cli(["receive", "--profile", join(WORK, "houmon"), "--out", inbox, "--wait", "20"]);
    for (const p of planUnit) {
      const got = readFileSync(join(inbox, p.split("/").pop()));
      assert.ok(got.equals(readFileSync(p)), `${p} arrived byte-identical`);
    }
  });

  await step("the same unit a second time is stopped, and sent only on a second, explicit click", async () => {
    await script("window.kizunaTest.check(arguments[0])", [planUnit]);
    await waitFor(".unit .pill.ok");
    await click(".unit footer button");
    await waitFor(".unit .result", { text: "送信済みです" });
    await shot("06a-send-already-sent");
    await click(".unit .send-again");
    await waitFor(".unit .result", { text: "送信しました" });
  });

  await step("a unit for a partner who has not enrolled yet waits and says why", async () => {
    const files = filesBetween(sample, KYOTAKU, TSUSHO).map((n) => join(sample, n));
    await script("window.kizunaTest.check(arguments[0])", [files]);
    await waitFor(`.unit[data-recipient="${TSUSHO}"] .pill.ok`);
    await click(`.unit[data-recipient="${TSUSHO}"] footer button`);
    await waitFor(`.unit[data-recipient="${TSUSHO}"] .result`, { text: "まだ登録していません" });
    const label = await script(`return document.querySelector('.unit[data-recipient="${TSUSHO}"] footer button').textContent`);
    assert.equal(label, "送信待ち", "the button does not say 送信しました");
    const said = await script(`return document.querySelector('.unit[data-recipient="${TSUSHO}"] .result').textContent`);
    assert.ok(!said.includes("接続"), `the cause is the partner, not the connection: ${said}`);
    await shot("06b-send-waiting-for-partner");
  });

  await step("実績 sent back by the CLI raises a notification whose click opens the inbox", async () => {
    await click("#nav-history");
    await waitFor("#history");
    const results = filesBetween(sample, HOUMON, KYOTAKU).map((n) => join(sample, n));
    cli(["send", "--profile", join(WORK, "houmon"), ...results]);
    await waitFor("#unread:not([hidden])", { timeout: 90000 });
    const notified = await waitForNotification("新しいケアプランが届きました", 20000);
    assert.ok(notified.includes("ひまわり"), `notification names the partner: ${notified}`);
    // The service clicks 3 s after the notification appeared: until then the screen stays.
    await find("#history");
    await waitFor("#inbox", { text: "ひまわり", timeout: 15000 });
    const shown = readFileSync(env.NOTIFY_SERVER_LOG, "utf8");
    assert.ok(/新しいケアプランが届きました.*\tdefault,/.test(shown), `offered a click: ${shown}`);
    await shot("07-inbox");
  });

  await step("a received file the care software deleted is saved again from the inbox", async () => {
    const name = filesBetween(sample, HOUMON, KYOTAKU)[0];
    const saved = findFile(join(WORK, "home"), name);
    assert.ok(saved, `${name} was saved in the receive folder`);
    unlinkSync(saved);
    await click(`#inbox tr[data-file="${name}"] .save-again`);
    await waitFor(".banner", { text: "保存しました" });
    await shot("07b-inbox-saved-again");
    assert.ok(readFileSync(saved).equals(readFileSync(join(sample, name))), "saved again byte-identical");
  });

  await step("history shows the receipt and the timeline", async () => {
    await click("#nav-history");
    await waitFor("#history", { text: "相手受信確認済み" });
    await shot("08-history");
  });

  await step("partners, certificate and settings screens", async () => {
    await click("#nav-partners");
    await type("#partner-text", "13");
    await script("document.querySelector('#screen-partners form.filters').requestSubmit()");
    await waitFor("#partners", { text: "ひまわり" });
    await waitFor("#favourites", { text: "まだありません" });
    await shot("09-partners");
    // A star marks a favourite where it is: the search and what was typed stay.
    await click(`#partners button.star[data-number="${HOUMON}"]`);
    await waitFor("#favourites", { text: "ひまわり" });
    await waitFor(`#partners button.star[data-number="${HOUMON}"][aria-pressed="true"]`);
    await waitFor("#partners", { text: "居宅介護支援事業所さくら" });
    const typed = await script("return document.querySelector('#partner-text').value");
    assert.equal(typed, "13", "the search text is kept");
    await shot("09a-partners-favourite");
    await click("#nav-certificate");
    await waitFor("#certificate", { text: KYOTAKU });
    await shot("10-certificate");
    await click("#nav-settings");
    await waitFor("#save-settings");
    await shot("11-settings");
  });

  await step("the certificate is renewed from its screen without the password", async () => {
    await click("#nav-certificate");
    const before = await wd("GET", s(`/element/${await find("#certificate code")}/text`));
    await click("#renew");
    await waitFor(".banner", { text: "更新しました" });
    await waitFor("#certificate");
    const after = await wd("GET", s(`/element/${await find("#certificate code")}/text`));
    assert.notEqual(after, before, "a new serial");
    await shot("12-certificate-renewed");
  });

  await step("the proxy from enrolment is the setting; one that is not an address is refused", async () => {
    await click("#nav-settings");
    await waitFor("#proxy");
    const current = await script("return document.querySelector('#proxy').value");
    assert.equal(current, env.PROXY_URL, "the proxy used at enrolment is the setting");
    await type("#proxy", "proxy の アドレス");
    await click("#save-settings");
    await waitFor(".banner.error", { text: "プロキシの指定" });
    await shot("13-settings-bad-proxy");
    const saved = JSON.parse(readFileSync(join(WORK, "app-profile", "settings.json"), "utf8"));
    assert.equal(saved.proxy, env.PROXY_URL);
    assert.ok(tunnels() >= 2, `the app kept using the proxy (${tunnels()} tunnels)`);
  });

  await step("what is typed in 設定 stays while a file arrives", async () => {
    await click("#nav-settings");
    const typedProxy = "http://proxy.office.example:3128";
    await type("#proxy", typedProxy);
    const field = await find("#proxy");
    // The partner sends its 実績 once more, on purpose: a new sending, so a new file arrives.
    const again = filesBetween(sample, HOUMON, KYOTAKU).map((n) => join(sample, n))[0];
    cli(["send", "--profile", join(WORK, "houmon"), "--again", again]);
    await waitFor(".banner", { text: "新しいファイルが届きました", timeout: 90000 });
    await waitFor("#unread:not([hidden])");
    assert.equal(await find("#proxy"), field, "the same field, not a redrawn one");
    assert.equal(await script("return document.querySelector('#proxy').value"), typedProxy);
    await shot("14-settings-kept-while-a-file-arrived");
    // The notification service clicks the arrival's notification a moment later, which brings
    // the inbox forward: let that happen here, not in the middle of a later step.
    await waitFor("#screen-inbox:not([hidden])", { timeout: 15000 });
  });

  await step("settings name the log file, which records what the app did and no care data", async () => {
    await click("#nav-settings");
    await waitFor("#screen-settings:not([hidden]) #log-file");
    const shown = await script("return document.querySelector('#log-file').textContent");
    assert.equal(shown, join(env.XDG_DATA_HOME, "jp.kizuna.desktop", "logs", "kizuna.log"));
    const log = readFileSync(shown, "utf8");
    assert.match(log, /Kizuna \S+ started/);
    for (const name of ["髙橋　花子", "山﨑　正雄", "佐藤　トメ"]) assert.ok(!log.includes(name), `no user names: ${name}`);
    assert.equal(await script("return document.querySelector('#update-state').textContent.length > 0"), true);
    await script("document.querySelector('#updates').scrollIntoView()");
    await shot("15-settings-log-and-updates");
  });

  await step("the keyboard alone moves between screens and into them", async () => {
    await press("3", KEY.ctrl);
    await waitFor("#screen-history:not([hidden])");
    assert.equal(await script("return document.activeElement.textContent"), "履歴");
    await press(KEY.tab);
    const focused = await script("return document.activeElement.tagName + ' ' + (document.activeElement.name || document.activeElement.id)");
    assert.ok(/^(INPUT|SELECT|BUTTON)/.test(focused), `Tab reaches the screen's first control (${focused})`);
    await press("2", KEY.ctrl);
    await waitFor("#screen-inbox:not([hidden])");
    await shot("16-keyboard-inbox");
  });

  await step("the administrator signs in on 事業所の設定 and sees the office's staff and PCs", async () => {
    await click("#nav-office");
    await waitFor("#screen-office:not([hidden]) #sign-in");
    await type("#staff-login", "sato");
    await type("#staff-password", "kanri-さくら-2026");
    await click("#sign-in");
    // An administrator is asked for the code of their authenticator app.
    await waitFor("#staff-totp");
    await waitFor(".banner", { text: "確認コード" });
    await type("#staff-totp", totp(env.ADMIN_TOTP_SECRET));
    await click("#sign-in");
    await waitFor("#person", { text: "佐藤 花子" });
    await waitFor("#staff tbody tr");
    const rows = await script("return [...document.querySelectorAll('#staff tbody tr')].map(r => r.cells[0].textContent)");
    assert.deepEqual(rows, ["sato", "suzuki"]);
    await waitFor("#devices", { text: "事務所PC" });
    await shot("17-office-settings");
  });

  await step("an administrator added from the app is given a key for their authenticator app, once", async () => {
    await type("#new-login", "yamada");
    await type("#new-name", "山田 次郎");
    await script("const r = document.querySelector('#new-role'); r.value = 'admin'; r.dispatchEvent(new Event('change'))");
    await type("#new-password", "kanri2-さくら-2026");
    await click("#add-staff");
    await waitFor("#second-factor img.qr");
    const key = await script("return document.querySelector('#second-factor-key').textContent");
    assert.match(key, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    await script("document.querySelector('#second-factor').scrollIntoView()");
    await shot("17b-second-factor");
    await click("#second-factor button");
    assert.equal(await script("return document.querySelector('#second-factor').textContent"), "");
  });

  await step("a PC asking to join appears with its code and joins when the administrator approves", async () => {
    // The reception PC (a CLI profile here) asks without the office password and waits.
    const asking = spawn(
      KIZUNA,
      ["enroll", "--by-approval", "--relay", env.RELAY_URL, "--ca-fingerprint", env.FINGERPRINT,
        "--office", "1310000001", "--device-name", "受付のPC", "--profile", join(WORK, "reception")],
      { env: { ...env, KIZUNA_KEY_PASSPHRASE: "reception-passphrase" } },
    );
    let said = "";
    asking.stdout.on("data", (d) => (said += d));
    const ended = new Promise((resolve) => asking.on("exit", resolve));
    const until = Date.now() + 20000;
    while (!/確認コード: \d{6}/.test(said) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const code = said.match(/確認コード: (\d{6})/)[1];
    await waitFor("#waiting-devices", { text: `${code.slice(0, 3)} ${code.slice(3)}`, timeout: 15000 });
    await script("document.querySelector('#waiting-devices').scrollIntoView()");
    await shot("17c-device-waiting");
    await click("#waiting-devices .approve");
    assert.equal(await ended, 0, `the reception PC joined: ${said}`);
    await waitFor("#devices", { text: "受付のPC" });
  });

  await step("a member of staff signed in is shown neither the staff list nor the form to add one", async () => {
    await click("#nav-office");
    await waitFor("#screen-office:not([hidden]) #sign-out");
    await click("#sign-out");
    await waitFor("#person[hidden]");
    await click("#nav-office");
    await waitFor("#screen-office:not([hidden]) #sign-in");
    await type("#staff-login", "suzuki");
    await type("#staff-password", "ippan-さくら-2026");
    await click("#sign-in");
    await waitFor("#person", { text: "鈴木 一郎" });
    await waitFor("#staff", { text: "管理者" });
    assert.equal(await script("return document.querySelector('#add-staff')"), null);
  });

  await step("a unit sent by a signed-in member of staff names them on its card", async () => {
    await click("#nav-send");
    await script("window.kizunaTest.check(arguments[0])", [planUnit]);
    await waitFor(".unit .pill.ok");
    await click(".unit footer button");
    await waitFor(".unit .send-again");
    await click(".unit .send-again");
    await waitFor(".unit .sent-by", { text: "鈴木 一郎" });
    await shot("18-sent-by-person");
  });

  await step("a PC set not to import keeps what arrives, and its inbox shows where the reception PC saved it", async () => {
    await click("#nav-settings");
    await waitFor("#save_arrivals");
    if (await script("return document.querySelector('#save_arrivals').checked")) await click("#save_arrivals");
    // What an earlier step typed into the proxy field (and left unsaved) is put back first.
    await type("#proxy", env.PROXY_URL);
    await click("#save-settings");
    await waitFor(".banner", { text: "保存しました" });
    await shot("19-settings-this-pc-does-not-import");
    const results = filesBetween(sample, HOUMON, KYOTAKU);
    cli(["send", "--again", "--profile", join(WORK, "houmon"), ...results.map((n) => join(sample, n))]);
    // The reception PC imports: it receives into the care software's folder and says so.
    const imported = join(WORK, "reception-import");
    execFileSync(KIZUNA, ["receive", "--profile", join(WORK, "reception"), "--out", imported, "--wait", "30"], {
      env: { ...env, KIZUNA_KEY_PASSPHRASE: "reception-passphrase" },
      encoding: "utf8",
    });
    assert.deepEqual(readdirSync(imported).sort(), results);
    await click("#nav-inbox");
    // The newest file, first in the list: kept here, saved on the reception PC.
    const newest = "#inbox tbody tr:first-child";
    await waitFor(`${newest} .file-state`, { text: "受付のPC", timeout: 90000 });
    await waitFor(`${newest} .file-state`, { text: "この PC では未保存" });
    await waitFor(`${newest} .save-here`);
    await shot("20-inbox-saved-on-another-pc");
  });

  await endApp();
}

// The code an authenticator app shows now for a base32 `secret` (RFC 6238: HMAC-SHA1, 6 digits,
// 30-second steps).
function totp(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const h = createHmac("sha1", key).update(counter).digest();
  const offset = h[19] & 0x0f;
  return String((h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

// How many tunnels the office's proxy has opened.
function tunnels() {
  return existsSync(env.PROXY_LOG) ? Number(readFileSync(env.PROXY_LOG, "utf8")) : 0;
}

// The first file called `name` under `dir`, searched depth first.
function findFile(dir, name) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isFile() && e.name === name) return p;
    // Hidden folders hold caches (and the document portal's mount), never received files.
    if (e.isDirectory() && !e.name.startsWith(".")) {
      const found = findFile(p, name);
      if (found) return found;
    }
  }
  return null;
}

// The notifications the app sent, as dbus-monitor saw them (./run starts it).
async function waitForNotification(text, timeout) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const log = readFileSync(env.NOTIFY_LOG, "utf8");
    const i = log.indexOf(text);
    if (i >= 0) return log.slice(i, i + 400);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no notification “${text}”`);
}

run(main);
