// The living demo as a newcomer meets it: ./run starts it with scripts/lib/demo.sh, exactly as
// scripts/run does, on a PC without a key store, and passes what it printed ($DEMO_OUT). This
// follows the printed words: enrol with the printed number and password, drop the printed folder,
// send everything; then a receipt, a notification and the partners' 実績 must come by themselves.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

import { click, endApp, run, script, shot, startApp, step, textOf, type, waitFor } from "./webdriver.mjs";

const env = process.env;
const printed = readFileSync(env.DEMO_OUT, "utf8");
const [, office, password] = printed.match(/事業所番号 (\d{10}) とパスワード (\S+) を入力/) ?? [];
const [, folder] = printed.match(/フォルダ (\S+) を「送信」画面にドロップ/) ?? [];
const partners = ["ひまわり訪問介護ステーション", "デイサービスセンターけやき", "あおば福祉用具レンタル"];

async function main() {
  assert.ok(office && password && folder, `the demo printed what to type and drop:\n${printed}`);
  await startApp();

  await step("demo: the set-up screen has the relay filled in", async () => {
    await waitFor("#enroll");
    assert.ok((await script("return document.querySelector('#relay_url').value")).startsWith("https://"));
    await shot("demo-01-setup");
  });

  await step("demo: without a key store the form asks for a passphrase, not an environment variable", async () => {
    await type("#office", office);
    await type("#password", password);
    await click("#enroll");
    await waitFor("#setup-message", { text: "鍵の保管庫がありません" });
    const message = await textOf("#setup-message");
    assert.ok(!message.includes("KIZUNA_"), `no variable named: ${message}`);
    assert.equal(await script("return document.querySelector('#passphrase-field').hidden"), false);
    assert.equal(await script("return document.activeElement.id"), "passphrase", "the passphrase field has the focus");
    const fits = await script(
      "const r = document.querySelector('#enroll').getBoundingClientRect(); return r.bottom <= window.innerHeight && r.top >= 0",
    );
    assert.equal(fits, true, "the 登録する button is within the window");
    await shot("demo-02-setup-passphrase");
  });

  await step("demo: a PC without the password asks to join, shows its code and can stop waiting", async () => {
    await type("#passphrase", "demo-passphrase-さくら");
    await click("#ask-to-join");
    await waitFor("#pairing-code", { timeout: 15000 });
    assert.match(await textOf("#pairing-code"), /^\d{3} \d{3}$/);
    await shot("demo-02b-join-waiting");
    await click("#joining button");
    const until = Date.now() + 10000;
    while ((await script("return document.querySelector('#joining') !== null")) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await script("return document.querySelector('#joining')"), null, "the waiting card is gone");
    assert.equal(await script("return document.querySelector('#enroll').offsetParent !== null"), true, "the form is back");
  });

  await step("demo: with a passphrase the office enrols and the app opens", async () => {
    await type("#passphrase", "demo-passphrase-さくら");
    await click("#enroll");
    await waitFor("#nav-send", { timeout: 30000 });
    await shot("demo-03-send-empty");
  });

  await step("demo: the printed folder gives one sendable card per unit and partner", async () => {
    // What a drop does (WebDriver cannot drag from the desktop).
    await script("window.kizunaTest.check(arguments[0])", [[folder]]);
    await waitFor("#send-all");
    const cards = await script("return [...document.querySelectorAll('.unit')].map(c => c.dataset.recipient)");
    assert.equal(cards.length, 6, `plan and schedule unit for each of three partners: ${cards}`);
    assert.ok(!cards.includes(office), "no card is addressed to the office itself");
    assert.equal(await script("return document.querySelector('#foreign')"), null, "no other office's files");
    assert.equal(await script("return document.querySelectorAll('.unit .pill.ok').length"), 6);
    await shot("demo-04-send-ready");
  });

  await step("demo: everything is sent and says so", async () => {
    await click("#send-all");
    await waitFor("#send-all", { text: "送信しました", timeout: 60000 });
    const labels = await script("return [...document.querySelectorAll('.unit footer button:not(.view-forms)')].map(b => b.textContent)");
    assert.deepEqual(new Set(labels), new Set(["送信しました"]), `every card: ${labels}`);
    await shot("demo-05-sent");
  });

  await step("demo: the partners' receipts show in 履歴", async () => {
    await click("#nav-history");
    await waitFor("#history", { text: "相手受信確認済み", timeout: 60000 });
    await shot("demo-06-history-receipts");
  });

  await step("demo: the partners' 実績 raise a notification", async () => {
    const notified = await waitForNotification("新しいケアプランが届きました", 60000);
    assert.ok(partners.some((p) => notified.includes(p)), `names a partner: ${notified}`);
  });

  await step("demo: the 実績 of every partner are in 受信箱 and saved inside the demo folder", async () => {
    await click("#nav-inbox");
    for (const p of partners) await waitFor("#inbox", { text: p, timeout: 60000 });
    await shot("demo-07-inbox");
    const saved = readdirSync(env.KIZUNA_RECEIVE_DIR).filter((n) => n.startsWith("UPJSK_"));
    assert.equal(saved.length, 3, `saved: ${saved}`);
    assert.ok(!existsSync(join(env.HOME, "Kizuna")), "nothing written to the home folder");
    assert.ok(!existsSync(join(env.HOME, "Documents", "Kizuna")), "nothing written to Documents");
  });

  await step("demo: a received 実績 opens from 受信箱 as the month's calendar of its users", async () => {
    await click("#inbox .view-forms");
    await waitFor("#forms-users button");
    await waitFor(".form-schedule .calendar");
    const users = await script("return [...document.querySelectorAll('#forms-users button')].map(b => b.textContent)");
    assert.ok(users.length >= 1, `users listed: ${users}`);
    // A 実績 names nobody; the names come from the 補足 sent with the plan.
    assert.ok(users.every((u) => /^\S+　\S+（/.test(u)), `users named: ${users}`);
    assert.notEqual(await textOf(".user-heading h2"), "氏名なし");
    assert.equal(await script("return document.querySelector('.form-schedule h2').textContent"), "サービス利用票（第6表）実績");
    const days = await script("return document.querySelectorAll('.form-schedule thead tr:first-child th.day').length");
    assert.ok(days >= 28 && days <= 31, `a month of days: ${days}`);
    await shot("demo-08-forms-jisseki");
  });

  await step("demo: 予実 finds exactly the four differences of each partner that has times", async () => {
    await click("#nav-compare");
    await waitFor(".comparison", { timeout: 30000 });
    const found = await script(
      "return Object.fromEntries([...document.querySelectorAll('.comparison')].map(c => [c.querySelector('h2').textContent, [...c.querySelectorAll('tr.difference')].map(r => r.dataset.check).sort()]))",
    );
    const four = ["count_changed", "delivered_not_planned", "planned_not_delivered", "time_changed"];
    for (const [office, checks] of Object.entries(found)) {
      if (office.includes("福祉用具")) assert.deepEqual(checks, [], `${office}: untimed rental matches its plan`);
      else assert.deepEqual(checks, four, `${office}: ${checks}`);
    }
    assert.equal(Object.keys(found).length, 3, `one comparison per partner: ${Object.keys(found)}`);
    await shot("demo-09-compare");
    await script("document.querySelector('.compare-user.has-differences').scrollIntoView()");
    await shot("demo-10-compare-calendar");
  });

  await step("demo: the plan's forms open from the printed folder and print to an A4 PDF that names the user", async () => {
    await script("window.kizunaTest.viewForms(arguments[0])", [[folder]]);
    await waitFor('.form-schedule[data-kind="UPPLAN"] .calendar', { timeout: 30000 });
    await waitFor('.form-sikyu .sikyu');
    await shot("demo-11-forms-plan");
    const name = await textOf(".user-heading h2");
    const pdf = join(env.SHOTS, "demo-forms.pdf");
    const users = await script("return window.kizunaTest.savePdf(arguments[0])", [pdf]);
    assert.equal(users, 1, "the user shown");
    const text = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" }).replace(/\s/g, "");
    assert.ok(text.includes(name.replace(/\s/g, "")), `the PDF names ${name}`);
    assert.ok(text.includes("サービス利用票（第6表）予定") && text.includes("居宅介護支援事業所さくら"));
    // The pages as PNGs next to the screenshots, to look at.
    execFileSync("pdftoppm", ["-r", "60", "-png", pdf, join(env.SHOTS, "demo-12-pdf-page")]);
    assert.ok(readdirSync(env.SHOTS).some((n) => n.startsWith("demo-12-pdf-page")), "rendered pages");
  });

  await step("demo: 効果 counts the month just exchanged and projects it to a year", async () => {
    await click("#nav-savings");
    await waitFor("#savings-chart", { timeout: 30000 });
    const first = await script("return [...document.querySelectorAll('#savings-months tbody tr:first-child td')].map(td => td.textContent)");
    assert.equal(first[1], "3・3・0", `a plan and a schedule to each of three partners: ${first}`);
    assert.equal(first[2], "0・0・3", `a 実績 from each: ${first}`);
    assert.equal(await script("return document.querySelectorAll('#savings-chart rect.bar').length"), 12, "a year of bars");
    assert.match(await textOf("#savings-year"), /^[\d,]+ 円$/);
    await shot("demo-13-savings");
  });

  await step("demo: a unit the care software exports file by file into the watched folder raises one notification per unit and waits on 送信", async () => {
    const export_ = join(env.WORK, "export");
    const fresh = join(env.WORK, "next-month");
    mkdirSync(export_, { recursive: true });
    const next = new Date();
    next.setMonth(next.getMonth() + 1);
    const month = `${next.getFullYear()}${String(next.getMonth() + 1).padStart(2, "0")}`;
    execFileSync(env.KIZUNA_BIN, ["sample", "--by-office", "--out", fresh, "--users", "2", "--month", month, "--service", "1320000001:11"]);
    const own = readdirSync(fresh).find((n) => n.startsWith(office));
    const files = readdirSync(join(fresh, own)).filter((n) => n.includes("_1320000001_"));
    const units = new Set(files.map((n) => n.match(/_(\d{14})/)[1])).size;
    await script("return window.kizunaTest.watch(arguments[0], 'confirm')", [export_]);
    for (const n of files) {
      copyFileSync(join(fresh, own, n), join(export_, n));
      await new Promise((r) => setTimeout(r, 1500));
    }
    await waitForNotification("送信の準備ができました", 60000);
    // Past the quiet time again: a unit told twice would show by now.
    await new Promise((r) => setTimeout(r, 8000));
    const told = readFileSync(env.NOTIFY_SERVER_LOG, "utf8").split("\n").filter((l) => l.includes("送信の準備ができました"));
    assert.equal(told.length, units, `one notification per unit: ${told}`);
    await click("#nav-send");
    await waitFor("#waiting .waiting-unit", { timeout: 15000 });
    await waitFor(".card.unit", { timeout: 15000 });
    assert.equal(await script("return document.querySelectorAll('#waiting .waiting-unit').length"), units);
    // The cards sent earlier gave way to the exported ones.
    await waitFor("#cards", { text: files[0], timeout: 15000 });
    await shot("demo-14-watched-ready");
  });

  await endApp();
}

// The notifications the notification service was given (./run starts it).
async function waitForNotification(text, timeout) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const log = existsSync(env.NOTIFY_SERVER_LOG) ? readFileSync(env.NOTIFY_SERVER_LOG, "utf8") : "";
    const line = log.split("\n").find((l) => l.includes(text));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no notification “${text}”`);
}

run(main);
