// The 帳票 and 予実 screens draw the model careplan-forms builds: the fixtures are its golden
// files (crates/careplan-forms/tests/golden), so the window is tested on what Rust really sends.

import { clearMocks } from "@tauri-apps/api/mocks";
import { open, save } from "@tauri-apps/plugin-dialog";
import { afterEach, describe, expect, it, vi } from "vitest";

import comparisons from "../../crates/careplan-forms/tests/golden/compare.json";
import firstUser from "../../crates/careplan-forms/tests/golden/viewer-first-user.json";
import type { Comparison, MonthComparison, OpenedView, UserForms } from "./api";
import { setLanguage } from "./i18n";
import { createCompare } from "./screens/compare";
import { createForms, matches } from "./screens/forms";
import { createInbox } from "./screens/inbox";
import { createHistory } from "./screens/history";
import { createPartners } from "./screens/partners";
import { createSend } from "./screens/send";
import { fakeShell, ipc, settle, shown } from "./testing";

vi.mock("@tauri-apps/plugin-dialog", () => ({ open: vi.fn(), save: vi.fn() }));

const forms = firstUser as unknown as UserForms;
const month: MonthComparison = { month: "202612", comparisons: comparisons as unknown as Comparison[], problems: [] };

function opened(): OpenedView {
  return {
    view: 3,
    opened: {
      files: [
        { name: "UPPLAN_202612_1310000001_43_1320000001_11_20261125093100.CSV", kind: "UPPLAN", title: "サービス利用票（第6表）予定", problem: null },
        { name: "UPSIKYU_broken.CSV", kind: "UPSIKYU", title: "サービス利用票別表（第7表）", problem: "3行目の項目数が標準仕様と違います。" },
      ],
      users: [
        forms.user,
        { key: { insurer: "131211", insured: "0001000107" }, name: "山﨑　正雄", kana: "ヤマサキ マサオ", kinds: ["UPPLAN"] },
      ],
    },
  };
}

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
  setLanguage("ja");
});

describe("帳票", () => {
  it("lists the users and shows the first one's forms, each with its title", async () => {
    const calls = ipc((cmd) => (cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : null));
    const screen = createForms(fakeShell());
    document.body.replaceChildren(screen.el);
    await screen.openFiles(["/x"]);
    await settle();
    expect(calls).toEqual(["open_forms", "user_forms"]);
    expect([...screen.el.querySelectorAll("#forms-users button")].map((b) => b.textContent)).toEqual([
      "髙橋　花子（0001000100）",
      "山﨑　正雄（0001000107）",
    ]);
    const titles = [...screen.el.querySelectorAll(".form h2")].map((x) => x.textContent);
    expect(titles).toContain("居宅サービス計画書（第1表）");
    expect(titles).toContain("サービス利用票（第6表）予定");
    expect(titles).toContain("サービス利用票別表（第7表）");
  });

  it("names every file it could not read with the reason", async () => {
    ipc((cmd) => (cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : null));
    const screen = createForms(fakeShell());
    await screen.openFiles(["/x"]);
    expect(screen.el.querySelector("#forms-problems")?.textContent).toContain("UPSIKYU_broken.CSV 3行目の項目数が標準仕様と違います。");
  });

  it("draws the schedule as the month's calendar with the actual days beside the planned", async () => {
    ipc((cmd) => (cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : null));
    const screen = createForms(fakeShell());
    await screen.openFiles(["/x"]);
    const plan = screen.el.querySelector('.form-schedule[data-kind="UPPLAN"] table.calendar')!;
    expect(plan.querySelectorAll("thead tr:first-child th.day")).toHaveLength(31);
    // 2026-12-05 is a Saturday, the 6th a Sunday.
    expect(plan.querySelector("thead tr:nth-child(2) th.day:nth-of-type(5)")?.textContent).toBe("土");
    expect(plan.querySelectorAll("tr.actual")).toHaveLength(2);
    // The visit not delivered on the 30th differs from the plan.
    expect(plan.querySelectorAll("tr.actual td.differs").length).toBeGreaterThan(0);
  });

  it("shows only filled items and marks those the standard leaves uncertain", async () => {
    ipc((cmd) => (cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : null));
    const screen = createForms(fakeShell());
    await screen.openFiles(["/x"]);
    const hosoku = screen.el.querySelector('.form-sheet[data-kind="UPHOSOKU"]')!;
    const labels = [...hosoku.querySelectorAll("dt")].map((d) => d.textContent);
    expect(labels).toContain("要介護状態区分");
    expect(labels).not.toContain("２サービス種類コード");
    expect(hosoku.querySelector("dt .uncertain")).not.toBeNull();
    expect(hosoku.textContent).toContain("21 要介護１");
  });

  it("says where the 第7表 keeps its limit units", async () => {
    ipc((cmd) => (cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : null));
    const screen = createForms(fakeShell());
    await screen.openFiles(["/x"]);
    const note = screen.el.querySelector(".limits-on")!;
    expect(note.getAttribute("data-limits")).toBe("closing_rows");
    expect(note.textContent).toContain("合計行");
  });

  it("finds users by name, kana or insured number", () => {
    const u = opened().opened.users[1];
    expect(matches(u, "山﨑")).toBe(true);
    expect(matches(u, "ヤマサキ")).toBe(true);
    expect(matches(u, "0107")).toBe(true);
    expect(matches(u, "髙橋")).toBe(false);
    expect(matches(u, "  ")).toBe(true);
  });

  it("opens a received file's unit from the inbox and a sent one's from the history", async () => {
    const entry = {
      direction: "received" as const,
      id: 9,
      file_name: "UPJSK.CSV",
      partner: "1320000001",
      partner_name: null,
      kind: "UPJSK",
      kind_name: "実績",
      month: "202612",
      users: 2,
      state: "saved" as const,
      detail: null,
      saved_path: "/in/UPJSK.CSV",
      receipt: null,
      created_at: 1_796_000_000,
      timeline: [],
      person: null,
      partner_person: null,
      saves: [],
    };
    ipc((cmd) => (cmd === "history" ? [entry, { ...entry, direction: "sent", id: 4 }] : 0));
    const shell = fakeShell();
    const inbox = await shown(createInbox(shell));
    inbox.querySelector<HTMLButtonElement>(".view-forms")!.click();
    const history = await shown(createHistory(shell));
    history.querySelectorAll<HTMLButtonElement>(".view-forms")[1].click();
    expect(shell.viewed).toEqual([
      { direction: "received", id: 9 },
      { direction: "sent", id: 4 },
    ]);
  });
});

describe("予実", () => {
  it("offers the months with 実績 and compares the newest", async () => {
    const calls = ipc((cmd) => (cmd === "jisseki_months" ? ["202612", "202611"] : cmd === "compare_month" ? month : null));
    const el = await shown(createCompare(fakeShell()));
    await settle();
    expect(calls).toEqual(["jisseki_months", "compare_month"]);
    expect([...el.querySelectorAll("#compare-month option")].map((o) => o.textContent)).toEqual(["2026年12月", "2026年11月"]);
    expect(el.querySelectorAll(".comparison")).toHaveLength(3);
  });

  it("lists exactly the sample's four differences per office, with their names", async () => {
    ipc((cmd) => (cmd === "jisseki_months" ? ["202612"] : cmd === "compare_month" ? month : null));
    const el = await shown(createCompare(fakeShell()));
    await settle();
    const houmon = el.querySelector('.comparison[data-office="1320000001"]')!;
    const checks = [...houmon.querySelectorAll("tr.difference")].map((r) => r.getAttribute("data-check")).sort();
    expect(checks).toEqual(["count_changed", "delivered_not_planned", "planned_not_delivered", "time_changed"]);
    expect(houmon.textContent).toContain("予定あり・実績なし");
    expect(el.querySelector('.comparison[data-office="1320000003"] .pill.ok')?.textContent).toBe("違いなし");
  });

  it("marks each differing day on the calendar", async () => {
    ipc((cmd) => (cmd === "jisseki_months" ? ["202612"] : cmd === "compare_month" ? month : null));
    const el = await shown(createCompare(fakeShell()));
    await settle();
    const grid = el.querySelector('.comparison[data-office="1320000001"] .compare-user table.compare-grid')!;
    const marked = grid.querySelectorAll("td.mark");
    expect(marked.length).toBeGreaterThan(0);
    expect([...marked].some((c) => c.getAttribute("title") === "予定あり・実績なし")).toBe(true);
  });

  it("exports an office's differences as CSV where the person chooses", async () => {
    vi.mocked(save).mockResolvedValue("/tmp/予実.csv");
    const calls: [string, Record<string, unknown>][] = [];
    ipc((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "jisseki_months" ? ["202612"] : cmd === "compare_month" ? month : cmd === "export_comparison" ? 4 : null;
    });
    const shell = fakeShell();
    const el = await shown(createCompare(shell));
    await settle();
    el.querySelector<HTMLButtonElement>('.comparison[data-office="1320000001"] button')!.click();
    await settle();
    await settle();
    const exported = calls.find(([c]) => c === "export_comparison")![1];
    expect(exported).toMatchObject({ month: "202612", office: "1320000001", serviceType: "11", path: "/tmp/予実.csv" });
    expect(shell.said.at(-1)).toEqual(["info", "4 件を書き出しました: /tmp/予実.csv"]);
  });

  it("says there is nothing to compare before any 実績 arrived", async () => {
    ipc((cmd) => (cmd === "jisseki_months" ? [] : null));
    const el = await shown(createCompare(fakeShell()));
    expect(el.querySelector(".empty")?.textContent).toContain("実績がまだありません");
  });
});

describe("紙で渡す", () => {
  it("saves the user shown as a PDF where the person chooses", async () => {
    vi.mocked(save).mockResolvedValue("/tmp/0001000100_髙橋花子.pdf");
    const calls: [string, Record<string, unknown>][] = [];
    ipc((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "open_forms" ? opened() : cmd === "user_forms" ? forms : cmd === "save_forms_pdf" ? 1 : null;
    });
    const shell = fakeShell();
    const screen = createForms(shell);
    await screen.openFiles(["/x"]);
    screen.el.querySelector<HTMLButtonElement>("#forms-pdf")!.click();
    await settle();
    await settle();
    expect(vi.mocked(save).mock.calls.at(-1)?.[0]?.defaultPath).toBe("0001000100_髙橋花子.pdf");
    const asked = calls.find(([c]) => c === "save_forms_pdf")![1];
    expect(asked).toMatchObject({ view: 3, users: [forms.user.key], path: "/tmp/0001000100_髙橋花子.pdf" });
    expect(shell.said.at(-1)?.[0]).toBe("info");
  });

  it("marks a partner that is not on the exchange yet", async () => {
    ipc((cmd) =>
      cmd === "favourites"
        ? [
            { number: "1320000001", name: "ひまわり訪問介護", kind: "service", favourite: true, connected: true },
            { number: "1320000002", name: "けやきデイサービス", kind: "service", favourite: true, connected: false },
          ]
        : null,
    );
    const el = await shown(createPartners(fakeShell()));
    const marks = [...el.querySelectorAll("#favourites li")].map((li) => li.querySelector(".not-connected")?.textContent ?? "");
    expect(marks).toEqual(["", "未接続"]);
  });

  it("offers a unit for a partner not connected as PDF, one per user, into a folder chosen", async () => {
    vi.mocked(open).mockResolvedValue("/tmp/紙");
    const calls: [string, Record<string, unknown>][] = [];
    const card = (recipient: string, connected: boolean) => ({
      recipient,
      recipient_name: "けやきデイサービス",
      recipient_connected: connected,
      month: "202612",
      serial: recipient,
      users: 2,
      files: [{ path: `/x/${recipient}.CSV`, name: "A.CSV", kind: "UPPLAN", kind_name: "予定", users: 2, findings: [], errors: 0 }],
      errors: 0,
      warnings: 0,
      sendable: true,
    });
    ipc((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "plan_send" ? { units: [card("1320000001", true), card("1320000002", false)], foreign: [] } : cmd === "save_unit_pdf" ? 2 : null;
    });
    const shell = fakeShell();
    const send = createSend(shell);
    document.body.replaceChildren(send.el);
    await send.check(["/x"]);
    const buttons = [...send.el.querySelectorAll<HTMLButtonElement>(".unit-pdf")];
    expect(buttons).toHaveLength(1);
    expect(send.el.querySelector('.unit[data-recipient="1320000002"] .not-connected')).not.toBeNull();
    buttons[0].click();
    await settle();
    await settle();
    expect(calls.find(([c]) => c === "save_unit_pdf")![1]).toEqual({ files: ["/x/1320000002.CSV"], dir: "/tmp/紙" });
    expect(shell.said.at(-1)).toEqual(["info", "2 人分の帳票を PDF に保存しました: /tmp/紙"]);
  });
});

describe("送信画面から", () => {
  it("shows a partner's files dropped with the office's own (a 実績 in the export folder) as forms", async () => {
    ipc((cmd) =>
      cmd === "plan_send"
        ? { units: [], foreign: [{ path: "/x/UPJSK.CSV", name: "UPJSK.CSV", sender: "1320000001", sender_name: "ひまわり" }] }
        : null,
    );
    const shell = fakeShell();
    const send = createSend(shell);
    document.body.replaceChildren(send.el);
    await send.check(["/x"]);
    send.el.querySelector<HTMLButtonElement>("#foreign .view-forms")!.click();
    expect(shell.viewed).toEqual([{ paths: ["/x/UPJSK.CSV"] }]);
  });
});
