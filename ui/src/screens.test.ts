// Every screen under a mocked IPC: what it shows while loading, after an error, with nothing and
// with data, and that what the user typed outlives refreshes and arrivals.

import { clearMocks } from "@tauri-apps/api/mocks";
import { open } from "@tauri-apps/plugin-dialog";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Activity, Device, HistoryEntry, Partner, StaffMember, Status } from "./api";
import { App } from "./app";
import { setLanguage } from "./i18n";
import { createCertificate } from "./screens/certificate";
import { createHistory } from "./screens/history";
import { createInbox } from "./screens/inbox";
import { createPartners } from "./screens/partners";
import { createSavings } from "./screens/savings";
import { createSend } from "./screens/send";
import { createOffice } from "./screens/office";
import { createSettings } from "./screens/settings";
import { renderSetup } from "./screens/setup";
import { fakeShell, ipc, settle, shown, status } from "./testing";


function received(id: number, file_name: string): HistoryEntry {
  return {
    direction: "received",
    id,
    file_name,
    partner: "1320000001",
    partner_name: "ひまわり訪問介護",
    kind: "UPJSK",
    kind_name: "実績",
    month: "202612",
    users: 3,
    state: "saved",
    detail: null,
    saved_path: `/in/${file_name}`,
    receipt: "r",
    created_at: 1_796_000_000,
    timeline: [["saved", 1_796_000_000]],
    person: "佐藤 花子 (sato)",
    partner_person: "鈴木 一郎 (suzuki)",
    saves: [],
  };
}

const partner = (favourite: boolean): Partner => ({
  number: "1320000001",
  name: "ひまわり訪問介護",
  kind: "service",
  favourite,
  connected: true,
});





const refuse = (message: string) => Promise.reject({ code: "unreachable", message });

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
  setLanguage("ja");
});

describe("送信", () => {
  it("names who sent a card once its files went", async () => {
    ipc((cmd) => {
      if (cmd === "plan_send")
        return {
          units: [
            {
              recipient: "1320000002",
              recipient_name: "訪問介護ひまわり",
              month: "202612",
              serial: "01",
              users: 1,
              files: [{ path: "/x/A.CSV", name: "A.CSV", kind: "I", kind_name: "サービス利用票", users: 1, findings: [], errors: 0 }],
              errors: 0,
              warnings: 0,
              sendable: true,
            },
          ],
          foreign: [],
        };
      if (cmd === "send")
        return [
          { file_name: "A.CSV", recipient: "1320000002", sent_by: "佐藤 花子 (sato)", outcome: "sent", code: null, message: null },
        ];
      return null;
    });
    const send = createSend(fakeShell());
    document.body.replaceChildren(send.el);
    await send.check(["/x/A.CSV"]);
    send.el.querySelector<HTMLButtonElement>(".card.unit button.primary")!.click();
    await settle();
    await settle();
    expect(send.el.querySelector(".sent-by")?.textContent).toBe("担当者: 佐藤 花子 (sato)");
  });
});

describe("送信: the watched export folder", () => {
  const unit = (files: string[]) => ({
    recipient: "1320000002",
    recipient_name: "訪問介護ひまわり",
    month: "202612",
    serial: "01",
    users: 1,
    files: files.map((path) => ({ path, name: path.slice(3), kind: "I", kind_name: "サービス利用票", users: 1, findings: [], errors: 0 })),
    errors: 0,
    warnings: 0,
    sendable: true,
  });

  it("puts a unit waiting in the export folder on the cards when the screen opens", async () => {
    const checked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "waiting_units") return [{ files: ["/x/A.CSV", "/x/B.CSV"], ready: true, message: "訪問介護ひまわり 宛の 2 ファイルを検査しました。" }];
      if (cmd === "plan_send") return (checked.push(args.files), { units: [unit(args.files as string[])], foreign: [] });
      return null;
    });
    const el = await shown(createSend(fakeShell()));
    await settle();
    expect(checked).toEqual([["/x/A.CSV", "/x/B.CSV"]]);
    expect(el.querySelector("#waiting")?.textContent).toContain("訪問介護ひまわり 宛の 2 ファイルを検査しました。");
    expect(el.querySelectorAll(".card.unit")).toHaveLength(1);
  });

  it("replaces cards that were all sent with the unit waiting in the export folder", async () => {
    const checked: unknown[] = [];
    let waiting: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "waiting_units") return waiting;
      if (cmd === "plan_send") return (checked.push(args.files), { units: [unit(args.files as string[])], foreign: [] });
      if (cmd === "send") return [{ file_name: "Z.CSV", recipient: "1320000002", sent_by: null, outcome: "sent", code: null, message: null }];
      return null;
    });
    const send = createSend(fakeShell());
    document.body.replaceChildren(send.el);
    await send.check(["/y/Z.CSV"]);
    send.el.querySelector<HTMLButtonElement>(".card.unit button.primary")!.click();
    await settle();
    waiting = [{ files: ["/x/A.CSV"], ready: true, message: "検査しました。" }];
    await send.show();
    await settle();
    expect(checked).toEqual([["/y/Z.CSV"], ["/x/A.CSV"]]);
  });

  it("keeps files a person dropped on the cards and offers the waiting unit one click away", async () => {
    const checked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "waiting_units") return [{ files: ["/x/A.CSV"], ready: false, message: "A.CSV 3行目: 誤り" }];
      if (cmd === "plan_send") return (checked.push(args.files), { units: [unit(args.files as string[])], foreign: [] });
      return null;
    });
    const send = createSend(fakeShell());
    document.body.replaceChildren(send.el);
    await send.check(["/y/Z.CSV"]);
    await send.show();
    await settle();
    expect(checked).toEqual([["/y/Z.CSV"]]);
    send.el.querySelector<HTMLButtonElement>("#waiting button")!.click();
    await settle();
    expect(checked).toEqual([["/y/Z.CSV"], ["/x/A.CSV"]]);
    expect(send.el.querySelector("#waiting .waiting-unit")?.classList.contains("bad")).toBe(true);
  });
});

describe("受信箱", () => {
  it("says it is loading until the list is there", async () => {
    let answer: (v: unknown) => void = () => {};
    ipc(() => new Promise((r) => (answer = r)));
    const inbox = createInbox(fakeShell());
    document.body.replaceChildren(inbox.el);
    void inbox.show();
    await settle();
    expect(inbox.el.querySelector(".loading")?.textContent).toBe("読み込んでいます…");
    answer([]);
  });

  it("names the PC, the person and the place of each save of the office", async () => {
    const kept: HistoryEntry = {
      ...received(7, "A.CSV"),
      state: "kept",
      saved_path: null,
      saves: [
        { device_name: "事務所PC", here: false, person: "鈴木 一郎 (suzuki)", place: "C:\\取込\\A.CSV", again: false, at: 1_796_000_060 },
      ],
    };
    ipc((cmd) => (cmd === "history" ? [kept] : 0));
    const el = await shown(createInbox(fakeShell()));
    const lines = [...el.querySelectorAll(".office-save")].map((l) => l.textContent);
    expect(lines).toEqual(["この PC では未保存", "保存: 事務所PC・鈴木 一郎 (suzuki)・2026-11-30 09:54 C:\\取込\\A.CSV"]);
  });

  it("offers to save a file this PC only kept, and shows the list again once saved", async () => {
    const calls: unknown[] = [];
    let state: HistoryEntry["state"] = "kept";
    ipc((cmd, args) => {
      if (cmd === "history") return [{ ...received(7, "A.CSV"), state, saved_path: state === "kept" ? null : "/in/A.CSV" }];
      if (cmd === "save_again") return (calls.push(args), (state = "acknowledged"), "/in/A.CSV");
      return 0;
    });
    const el = await shown(createInbox(fakeShell()));
    expect(el.querySelector(".save-again")).toBeNull();
    el.querySelector<HTMLButtonElement>(".save-here")!.click();
    await settle();
    await settle();
    expect(calls).toEqual([{ id: 7, folder: null }]);
    expect(el.querySelector(".save-here")).toBeNull();
    expect(el.querySelector(".save-again")).not.toBeNull();
  });

  it("says so when nothing was received", async () => {
    ipc(() => []);
    const el = await shown(createInbox(fakeShell()));
    expect(el.querySelector(".empty")?.textContent).toBe("受信したファイルはまだありません。");
  });

  it("shows what failed where the list would be, and loads again on request", async () => {
    let fail = true;
    ipc((cmd) => (cmd === "history" && fail ? refuse("連携基盤に接続できません。") : cmd === "history" ? [received(1, "A.CSV")] : 0));
    const el = await shown(createInbox(fakeShell()));
    expect(el.querySelector("[role=alert]")?.textContent).toContain("連携基盤に接続できません。");
    fail = false;
    el.querySelector<HTMLButtonElement>(".retry")!.click();
    await settle();
    expect(el.querySelectorAll("tbody tr")).toHaveLength(1);
  });

  it("marks read exactly the files it showed", async () => {
    const marked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "history") return [received(7, "A.CSV"), received(8, "B.CSV")];
      if (cmd === "mark_read") return (marked.push(args.ids), 0);
    });
    const shell = fakeShell();
    const el = await shown(createInbox(shell));
    expect(el.querySelectorAll("tbody tr")).toHaveLength(2);
    expect(marked).toEqual([[7, 8]]);
    expect(shell.unread).toEqual([0]);
  });

  it("draws the newest list when an older load answers after it", async () => {
    const answers: ((v: HistoryEntry[]) => void)[] = [];
    const marked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "history") return new Promise((resolve) => answers.push(resolve));
      if (cmd === "mark_read") return (marked.push(args.ids), 0);
    });
    const inbox = createInbox(fakeShell());
    document.body.replaceChildren(inbox.el);
    void inbox.show();
    void inbox.show();
    await settle();
    answers[1]([received(2, "NEW.CSV"), received(1, "OLD.CSV")]);
    await settle();
    answers[0]([received(1, "OLD.CSV")]);
    await settle();
    expect(inbox.el.querySelectorAll("tbody tr")).toHaveLength(2);
    expect(marked).toEqual([[2, 1]]);
  });

  it("says where the folder of a received file could not be opened", async () => {
    ipc((cmd) => {
      if (cmd === "history") return [received(7, "A.CSV")];
      if (cmd === "open_folder") return Promise.reject({ code: "cannot_open", message: "/in を開けませんでした" });
      return 0;
    });
    const shell = fakeShell();
    const el = await shown(createInbox(shell));
    el.querySelector<HTMLButtonElement>(".row-actions button.link")!.click();
    await settle();
    expect(shell.said.at(-1)).toEqual(["error", "/in を開けませんでした"]);
  });
});

describe("履歴", () => {
  it("keeps the filters as typed when the list follows a change", async () => {
    const filters: unknown[] = [];
    ipc((cmd, args) => (cmd === "history" ? (filters.push(args.filter), [received(1, "A.CSV")]) : null));
    const history = createHistory(fakeShell());
    const el = await shown(history);
    const text = el.querySelector<HTMLInputElement>("#history-text")!;
    text.value = "ひまわり";
    history.activity?.({ kind: "sent_changed", count: 1 });
    await settle();
    expect(text.value).toBe("ひまわり");
    expect(filters.at(-1)).toMatchObject({ text: "ひまわり" });
    expect(el.querySelectorAll("tbody tr")).toHaveLength(1);
  });

  it("names who handled each file here and who sent it at the partner", async () => {
    ipc((cmd) => (cmd === "history" ? [received(1, "A.CSV")] : null));
    const el = await shown(createHistory(fakeShell()));
    const cell = el.querySelector("td.person")!;
    expect(cell.textContent).toContain("佐藤 花子 (sato)");
    expect(cell.textContent).toContain("相手: 鈴木 一郎 (suzuki)");
  });

  it("says when nothing matches", async () => {
    ipc(() => []);
    const el = await shown(createHistory(fakeShell()));
    expect(el.querySelector(".empty")?.textContent).toBe("見つかりませんでした。");
  });

  it("shows what failed", async () => {
    ipc(() => refuse("履歴データベースを読み書きできませんでした。"));
    const el = await shown(createHistory(fakeShell()));
    expect(el.querySelector("[role=alert]")?.textContent).toContain("履歴データベース");
  });
});

describe("取引先", () => {

  it("says how to fill an empty favourites list", async () => {
    ipc(() => []);
    const el = await shown(createPartners(fakeShell()));
    expect(el.querySelector("#favourites .empty")).not.toBeNull();
  });

  it("keeps the search while a star is toggled", async () => {
    let favourite = false;
    ipc((cmd) => {
      if (cmd === "partners_search") return [partner(favourite)];
      if (cmd === "set_favourite") return (favourite = !favourite), null;
      if (cmd === "favourites") return favourite ? [partner(true)] : [];
    });
    const el = await shown(createPartners(fakeShell()));
    const q = el.querySelector<HTMLInputElement>("#partner-text")!;
    q.value = "ひまわり";
    el.querySelector("form")!.dispatchEvent(new Event("submit"));
    await settle();
    el.querySelector<HTMLButtonElement>("#partners .star")!.click();
    await settle();
    await settle();
    expect(q.value).toBe("ひまわり");
    expect(el.querySelector("#partners .star")?.textContent).toBe("★");
    expect(el.querySelectorAll("#favourites li")).toHaveLength(1);
  });

  it("shows a failed search where the results would be", async () => {
    ipc((cmd) => (cmd === "partners_search" ? refuse("連携基盤に接続できません。") : []));
    const el = await shown(createPartners(fakeShell()));
    el.querySelector("form")!.dispatchEvent(new Event("submit"));
    await settle();
    expect(el.querySelector("#partners [role=alert]")?.textContent).toContain("接続できません");
  });
});

describe("証明書", () => {
  it("shows the office and the days left", async () => {
    ipc(() => null);
    const el = await shown(createCertificate(fakeShell()));
    expect(el.querySelector("#certificate")?.textContent).toContain("abc123");
    expect(el.querySelector("#certificate")?.textContent).toContain("400");
  });

  it("says why a renewal failed", async () => {
    ipc(() => refuse("この事業所の電子証明書は失効しています。"));
    const shell = fakeShell();
    const el = await shown(createCertificate(shell));
    el.querySelector<HTMLButtonElement>("#renew")!.click();
    await settle();
    expect(shell.said.at(-1)).toEqual(["error", "この事業所の電子証明書は失効しています。"]);
    expect(el.querySelector<HTMLButtonElement>("#renew")!.disabled).toBe(false);
  });
});

describe("設定", () => {
  it("keeps what was typed when shown again before saving", async () => {
    ipc(() => null);
    const settings = createSettings(fakeShell());
    const el = await shown(settings);
    const proxy = el.querySelector<HTMLInputElement>("#proxy")!;
    proxy.value = "http://proxy.example.jp:8080";
    proxy.dispatchEvent(new Event("input"));
    await settings.show();
    expect(proxy.value).toBe("http://proxy.example.jp:8080");
  });

  it("saves the minutes before the idle sign-out", async () => {
    const saved: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "save_settings") return (saved.push(args.settings), args.settings);
      return null;
    });
    const el = await shown(createSettings(fakeShell()));
    const idle = el.querySelector<HTMLInputElement>("#idle-lock")!;
    expect(idle.value).toBe("15");
    idle.value = "30";
    idle.dispatchEvent(new Event("input"));
    el.querySelector<HTMLButtonElement>("#save-settings")!.click();
    await settle();
    expect((saved[0] as { idle_lock_minutes: number }).idle_lock_minutes).toBe(30);
  });

  it("saves the export folder's mode and whether sent files move", async () => {
    const saved: Record<string, unknown>[] = [];
    ipc((cmd, args) => {
      if (cmd === "save_settings") return (saved.push(args.settings as Record<string, unknown>), args.settings);
      return null;
    });
    const el = await shown(createSettings(fakeShell()));
    expect(el.querySelector("#watch-dir")?.textContent).toBe("選んでいません");
    expect(el.querySelector<HTMLButtonElement>("#stop-watching")?.hidden).toBe(true);
    const mode = el.querySelector<HTMLSelectElement>("#watch-mode")!;
    expect(mode.value).toBe("confirm");
    mode.value = "auto";
    mode.dispatchEvent(new Event("change"));
    el.querySelector<HTMLInputElement>("#move_sent")!.checked = false;
    el.querySelector<HTMLButtonElement>("#save-settings")!.click();
    await settle();
    expect(saved[0]).toMatchObject({ watch_mode: "auto", move_sent: false, watch_dir: null });
  });

  it("keeps a refused proxy so it can be corrected", async () => {
    ipc(() => Promise.reject({ code: "bad_proxy", message: "プロキシの指定が正しくありません。" }));
    const shell = fakeShell();
    const el = await shown(createSettings(shell));
    const proxy = el.querySelector<HTMLInputElement>("#proxy")!;
    proxy.value = "not a proxy";
    proxy.dispatchEvent(new Event("input"));
    el.querySelector<HTMLButtonElement>("#save-settings")!.click();
    await settle();
    expect(shell.said.at(-1)?.[0]).toBe("error");
    expect(proxy.value).toBe("not a proxy");
  });
});

describe("設定: relay addresses", () => {
  it("shows this PC's relay addresses and saves new ones, first tried first", async () => {
    const asked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd !== "set_relay_addresses") return null;
      asked.push(args.addresses);
      const s = status();
      s.profile!.relay_url = "https://a.example.jp:8443";
      s.profile!.other_relays = ["https://b.example.jp:8443"];
      return s;
    });
    const shell = fakeShell();
    const el = await shown(createSettings(shell));
    const input = el.querySelector<HTMLInputElement>("#relay-addresses")!;
    expect(input.value).toBe("https://127.0.0.1:8443");
    input.value = "https://a.example.jp:8443,https://b.example.jp:8443";
    input.dispatchEvent(new Event("input"));
    el.querySelector<HTMLButtonElement>("#save-relays")!.click();
    await settle();
    expect(asked).toEqual(["https://a.example.jp:8443,https://b.example.jp:8443"]);
    expect(input.value).toBe("https://a.example.jp:8443, https://b.example.jp:8443");
    expect(shell.status.profile?.other_relays).toEqual(["https://b.example.jp:8443"]);
    expect(shell.said.at(-1)?.[0]).toBe("info");
  });

  it("keeps typed addresses when the screen is shown again, and shows new ones otherwise", async () => {
    ipc(() => null);
    const shell = fakeShell();
    const screen = createSettings(shell);
    const el = await shown(screen);
    const input = el.querySelector<HTMLInputElement>("#relay-addresses")!;
    shell.status.profile!.other_relays = ["https://b.example.jp:8443"];
    await screen.show();
    expect(input.value).toBe("https://127.0.0.1:8443, https://b.example.jp:8443");
    input.value = "https://typed.example.jp";
    input.dispatchEvent(new Event("input"));
    await screen.show();
    expect(input.value).toBe("https://typed.example.jp");
  });

  it("keeps a refused address so it can be corrected", async () => {
    ipc(() => Promise.reject({ code: "bad_relay_address", message: "「http://x」は中継サーバーのアドレスになりません。" }));
    const shell = fakeShell();
    const el = await shown(createSettings(shell));
    const input = el.querySelector<HTMLInputElement>("#relay-addresses")!;
    input.value = "http://x";
    input.dispatchEvent(new Event("input"));
    el.querySelector<HTMLButtonElement>("#save-relays")!.click();
    await settle();
    expect(shell.said.at(-1)).toEqual(["error", "「http://x」は中継サーバーのアドレスになりません。"]);
    expect(input.value).toBe("http://x");
    expect(shell.status.profile?.relay_url).toBe("https://127.0.0.1:8443");
  });
});

describe("設定: log and updates", () => {
  it("names the log file and shows it on request", async () => {
    const calls = ipc(() => null);
    const el = await shown(createSettings(fakeShell()));
    expect(el.querySelector("#log-file")?.textContent).toContain("kizuna.log");
    el.querySelector<HTMLButtonElement>("#open-log")!.click();
    await settle();
    expect(calls).toContain("open_log_folder");
  });

  it("says updates come from the administrator where none are configured", async () => {
    ipc(() => null);
    const shell = fakeShell();
    shell.status.updates_configured = false;
    const el = await shown(createSettings(shell));
    expect(el.querySelector("#check-update")).toBeNull();
    expect(el.querySelector("#check_updates")).toBeNull();
    expect(el.querySelector("#update-state")?.textContent).toContain("管理者が配布");
  });

  it("says when the version is the newest", async () => {
    ipc((cmd) => (cmd === "check_update" ? { enabled: true, current: "0.1.0", available: null, notes: null } : null));
    const el = await shown(createSettings(fakeShell()));
    el.querySelector<HTMLButtonElement>("#check-update")!.click();
    await settle();
    expect(el.querySelector("#update-state")?.textContent).toBe("最新のバージョンです。");
    expect(el.querySelector("#update-action")?.hasAttribute("hidden")).toBe(true);
  });

  it("offers a newer version, downloads it, then offers to restart into it", async () => {
    const calls = ipc((cmd) => {
      if (cmd === "check_update") return { enabled: true, current: "0.1.0", available: "0.2.0", notes: "速くなりました" };
      if (cmd === "download_update") return "0.2.0";
      if (cmd === "install_update") return true;
    });
    const el = await shown(createSettings(fakeShell()));
    el.querySelector<HTMLButtonElement>("#check-update")!.click();
    await settle();
    expect(el.querySelector("#update-state")?.textContent).toContain("0.2.0 — 速くなりました");
    const action = el.querySelector<HTMLButtonElement>("#update-action")!;
    expect(action.textContent).toBe("ダウンロードする");
    action.click();
    await settle();
    expect(action.textContent).toBe("再起動して更新する");
    action.click();
    await settle();
    expect(calls.filter((c) => c.endsWith("_update"))).toEqual(["check_update", "download_update", "install_update"]);
  });

  it("shows a refused update in the banner and installs nothing", async () => {
    const calls = ipc((cmd) => {
      if (cmd === "check_update") return { enabled: true, current: "0.1.0", available: "0.2.0", notes: null };
      if (cmd === "download_update") return Promise.reject({ code: "update_unsigned", message: "更新ファイルの署名を確認できなかったため、更新しませんでした。" });
    });
    const shell = fakeShell();
    const el = await shown(createSettings(shell));
    el.querySelector<HTMLButtonElement>("#check-update")!.click();
    await settle();
    el.querySelector<HTMLButtonElement>("#update-action")!.click();
    await settle();
    expect(shell.said.at(-1)).toEqual(["error", "更新ファイルの署名を確認できなかったため、更新しませんでした。"]);
    expect(el.querySelector("#update-action")?.textContent).toBe("ダウンロードする");
    expect(calls).not.toContain("install_update");
  });
});

describe("はじめに", () => {
  it("fills in an opened invitation and says where it points", () => {
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const s = status();
    s.enrolled = false;
    s.invite = {
      invite: { relay_url: "https://relay.example.jp:8443", ca_fingerprint: "ab".repeat(32), office: "1370000001" },
      problem: null,
    };
    renderSetup(root, s, () => {});
    expect(root.querySelector<HTMLInputElement>("#relay_url")?.value).toBe("https://relay.example.jp:8443");
    expect(root.querySelector<HTMLInputElement>("#office")?.value).toBe("1370000001");
    expect(root.querySelector("#setup-message")?.textContent).toContain("https://relay.example.jp:8443");
    expect(document.activeElement?.id).toBe("password");
  });

  it("says why an invitation cannot be used and fills nothing in", () => {
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const s = status();
    s.enrolled = false;
    s.invite = { invite: null, problem: { code: "bad_invite", message: "接続先が https:// で始まるアドレスではありません" } };
    renderSetup(root, s, () => {});
    expect(root.querySelector<HTMLInputElement>("#relay_url")?.value).toBe("");
    expect(root.querySelector("#setup-message.error")?.textContent).toContain("https://");
  });

  it("joins without the password: shows the code while an administrator approves, then opens", async () => {
    let approve: (s: Status) => void = () => {};
    const calls = ipc((cmd) => {
      if (cmd === "ask_to_join") return { code: "482913", expires_at: 1_830_000_600 };
      if (cmd === "await_approval") return new Promise((r) => (approve = r));
      return null;
    });
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const s = status();
    s.enrolled = false;
    s.invite = { invite: { relay_url: "https://relay.example.jp:8443", ca_fingerprint: "ab".repeat(32), office: "1310000001" }, problem: null };
    let openedWith: Status | null = null;
    renderSetup(root, s, (st) => (openedWith = st));
    root.querySelector<HTMLButtonElement>("#ask-to-join")!.click();
    await settle();
    expect(root.querySelector("#pairing-code")?.textContent).toBe("482 913");
    expect(root.querySelector<HTMLFormElement>("form")!.hidden).toBe(true);
    expect(calls).toEqual(["ask_to_join", "await_approval"]);
    approve(status());
    await settle();
    expect(openedWith).not.toBeNull();
  });

  it("says a refusal and shows the form again", async () => {
    ipc((cmd) =>
      cmd === "ask_to_join"
        ? { code: "482913", expires_at: 1_830_000_600 }
        : cmd === "await_approval"
          ? Promise.reject({ code: "device_refused", message: "事業所の管理者がこのパソコンの追加を拒否しました。" })
          : null,
    );
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const s = status();
    s.enrolled = false;
    s.invite = { invite: { relay_url: "https://relay.example.jp:8443", ca_fingerprint: "ab".repeat(32), office: "1310000001" }, problem: null };
    renderSetup(root, s, () => {});
    root.querySelector<HTMLButtonElement>("#ask-to-join")!.click();
    await settle();
    await settle();
    expect(root.querySelector("#joining")).toBeNull();
    expect(root.querySelector<HTMLFormElement>("form")!.hidden).toBe(false);
    expect(root.querySelector("#setup-message.error")?.textContent).toContain("拒否");
  });

  it("asks for the relay and the office before asking to join", () => {
    const calls = ipc(() => null);
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const s = status();
    s.enrolled = false;
    renderSetup(root, s, () => {});
    root.querySelector<HTMLButtonElement>("#ask-to-join")!.click();
    expect(calls).toEqual([]);
    expect(root.querySelector("#setup-message.error")).not.toBeNull();
  });
});

describe("the app", () => {
  const arrival: Activity = { kind: "received", count: 1, unread: 3 };

  it("keeps what is typed in 設定 when a file arrives", async () => {
    ipc(() => []);
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const app = new App(root, status());
    app.go("settings");
    const proxy = root.querySelector<HTMLInputElement>("#proxy")!;
    proxy.value = "http://proxy.example.jp:8080";
    proxy.dispatchEvent(new Event("input"));
    app.activity(arrival);
    await settle();
    expect(root.querySelector<HTMLInputElement>("#proxy")).toBe(proxy);
    expect(proxy.value).toBe("http://proxy.example.jp:8080");
    expect(root.querySelector("#unread")?.textContent).toBe("3");
    expect(root.querySelector(".banner")?.textContent).toContain("新しいファイルが届きました");
  });

  it("refreshes the inbox shown when a file arrives, and marks it read", async () => {
    const marked: unknown[] = [];
    let list = [received(1, "A.CSV")];
    ipc((cmd, args) => {
      if (cmd === "history") return list;
      if (cmd === "mark_read") return (marked.push(args.ids), 0);
    });
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const app = new App(root, status());
    app.go("inbox");
    await settle();
    list = [received(2, "B.CSV"), ...list];
    app.activity(arrival);
    await settle();
    expect(root.querySelectorAll("#inbox tbody tr")).toHaveLength(2);
    expect(marked.at(-1)).toEqual([2, 1]);
    expect(root.querySelector("#unread")?.hasAttribute("hidden")).toBe(true);
  });

  it("loads the screen shown again when its button is pressed again", async () => {
    const calls = ipc((cmd) => (cmd === "history" ? [] : 0));
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const app = new App(root, status());
    app.go("inbox");
    await settle();
    root.querySelector<HTMLButtonElement>("#nav-inbox")!.click();
    await settle();
    expect(calls.filter((c) => c === "history")).toHaveLength(2);
  });

  it("says when there is no log file", () => {
    ipc(() => []);
    const root = document.createElement("div");
    const s = status();
    s.log_problem = "ログファイル /x/kizuna.log に書き込めません（権限がありません）。送受信はいつも通り使えます。";
    new App(root, s);
    expect(root.querySelector(".banner.error")?.textContent).toContain("送受信はいつも通り");
  });

  it("says when receiving had to be restarted", () => {
    ipc(() => []);
    const root = document.createElement("div");
    const s = status();
    s.background = { running: true, restarts: 1, last_failure: "panic" };
    new App(root, s);
    expect(root.querySelector(".banner.error")?.textContent).toBe("受信の処理を再開しました");
  });
});

describe("事業所の設定", () => {
  const sato: StaffMember = { login: "sato", name: "佐藤 花子", role: "admin", active: true };
  const suzuki: StaffMember = { login: "suzuki", name: "鈴木 一郎", role: "staff", active: true };
  const devices: Device[] = [
    { device: "aa11", name: "事務所PC", not_after: 1_830_000_000, last_seen: 1_796_000_000, this_device: true },
    { device: "bb22", name: "ノートPC", not_after: 1_830_000_000, last_seen: null, this_device: false },
  ];

  it("asks to sign in and shows the devices, not the staff, to nobody signed in", async () => {
    const calls = ipc((cmd) => (cmd === "devices" ? devices : null));
    const el = await shown(createOffice(fakeShell()));
    expect(el.querySelector("#sign-in")).not.toBeNull();
    expect(el.querySelector("#staff")?.textContent).toContain("管理者がサインイン");
    expect(calls).not.toContain("staff_list");
    expect(el.querySelectorAll("#devices tbody tr")).toHaveLength(2);
    expect(el.querySelector("#devices .revoke")).toBeNull();
    const seen = [...el.querySelectorAll("#devices .last-seen")].map((c) => c.textContent);
    expect(seen).toEqual(["2026-11-30 09:53", "—"]);
  });

  it("signs in and says a wrong password where the user looks", async () => {
    ipc((cmd) => {
      if (cmd === "sign_in") return Promise.reject({ code: "wrong_credentials", message: "ログイン名またはパスワードが違います" });
      return cmd === "devices" ? devices : null;
    });
    const shell = fakeShell();
    const el = await shown(createOffice(shell));
    el.querySelector<HTMLInputElement>("#staff-login")!.value = "sato";
    el.querySelector<HTMLInputElement>("#staff-password")!.value = "wrong";
    el.querySelector<HTMLFormElement>("#signed-in form")!.requestSubmit();
    await settle();
    expect(shell.said.at(-1)).toEqual(["error", "ログイン名またはパスワードが違います"]);
    expect(el.querySelector<HTMLInputElement>("#staff-password")!.value).toBe("");
  });

  it("asks for the one-time code when the relay wants one, and sends it with the next try", async () => {
    const sent: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "sign_in") {
        sent.push(args.totp);
        return args.totp ? sato : Promise.reject({ code: "totp_required", message: "確認コードが必要です" });
      }
      return cmd === "devices" ? devices : [];
    });
    const shell = fakeShell();
    const el = await shown(createOffice(shell));
    const form = el.querySelector<HTMLFormElement>("#signed-in form")!;
    el.querySelector<HTMLInputElement>("#staff-login")!.value = "sato";
    el.querySelector<HTMLInputElement>("#staff-password")!.value = "pw";
    form.requestSubmit();
    await settle();
    const code = el.querySelector<HTMLInputElement>("#staff-totp")!;
    expect(code.closest("span")?.hidden).toBe(false);
    code.value = "123456";
    form.requestSubmit();
    await settle();
    expect(sent).toEqual([null, "123456"]);
    expect(shell.status.person?.login).toBe("sato");
    expect(shell.said.at(-1), "the request for the code is gone once signed in").toEqual(["info", ""]);
  });

  it("gives an administrator the staff, the form to add one and a revoke button for other PCs", async () => {
    ipc((cmd) => (cmd === "devices" ? devices : cmd === "staff_list" ? [sato, suzuki] : null));
    const shell = fakeShell();
    shell.status.person = sato;
    const el = await shown(createOffice(shell));
    expect(el.querySelectorAll("#staff tbody tr")).toHaveLength(2);
    expect(el.querySelector("#add-staff")).not.toBeNull();
    expect(el.querySelectorAll("#devices .revoke")).toHaveLength(1);
  });

  it("shows a new administrator's one-time code key and QR code once, and a member of staff's not at all", async () => {
    const added = (role: "admin" | "staff") => ({
      person: { login: "tanaka", name: "田中 三郎", role, active: true },
      second_factor: role === "admin" ? { secret: "ABCDEFGHIJKLMNOP", uri: "otpauth://totp/Kizuna:1310000001:tanaka?secret=ABCDEFGHIJKLMNOP" } : null,
      qr_svg: role === "admin" ? '<svg xmlns="http://www.w3.org/2000/svg"></svg>' : null,
    });
    let role: "admin" | "staff" = "staff";
    ipc((cmd) => (cmd === "devices" ? devices : cmd === "staff_list" ? [sato, suzuki] : cmd === "add_staff" ? added(role) : null));
    const shell = fakeShell();
    shell.status.person = sato;
    const el = await shown(createOffice(shell));
    const submit = () => el.querySelector<HTMLFormElement>("#add-staff-form form")!.requestSubmit();

    submit();
    await settle();
    expect(el.querySelector<HTMLElement>("#second-factor")!.hidden).toBe(true);

    role = "admin";
    submit();
    await settle();
    const box = el.querySelector<HTMLElement>("#second-factor")!;
    expect(box.hidden).toBe(false);
    expect(box.querySelector("#second-factor-key")?.textContent).toBe("ABCD EFGH IJKL MNOP");
    expect(box.querySelector<HTMLImageElement>("img.qr")?.src).toMatch(/^data:image\/svg\+xml;base64,/);
    box.querySelector<HTMLButtonElement>("button")!.click();
    expect(box.hidden).toBe(true);
    expect(box.textContent).toBe("");
  });

  it("shows an administrator the PCs waiting, with their codes, and approves the one chosen", async () => {
    const decided: unknown[] = [];
    let waiting = [{ request: "r1", device_name: "ノートPC", code: "482913", created_at: 1_830_000_000, expires_at: 1_830_000_600 }];
    ipc((cmd, args) => {
      if (cmd === "pending_devices") return waiting;
      if (cmd === "decide_device") {
        decided.push([args.request, args.approve]);
        waiting = [];
        return null;
      }
      return cmd === "devices" ? devices : cmd === "staff_list" ? [sato] : null;
    });
    const shell = fakeShell();
    shell.status.person = sato;
    const el = await shown(createOffice(shell));
    const row = el.querySelector("#waiting-devices tr[data-request='r1']")!;
    expect(row.textContent).toContain("482 913");
    row.querySelector<HTMLButtonElement>(".approve")!.click();
    await settle();
    await settle();
    expect(decided).toEqual([["r1", true]]);
    expect(shell.said.at(-1)?.[1]).toContain("ノートPC");
    expect(el.querySelector("#waiting-devices")?.textContent).toContain("ありません");
  });

  it("does not ask a member of staff's PC for the PCs waiting", async () => {
    const calls = ipc((cmd) => (cmd === "devices" ? devices : null));
    const shell = fakeShell();
    shell.status.person = suzuki;
    const el = await shown(createOffice(shell));
    expect(calls).not.toContain("pending_devices");
    expect(el.querySelector<HTMLElement>("#waiting-devices")!.parentElement!.hidden).toBe(true);
  });

  it("shows what the relay refused where the staff list would be", async () => {
    ipc((cmd) =>
      cmd === "staff_list"
        ? Promise.reject({ code: "forbidden", message: "この操作は事業所の管理者だけができます。" })
        : devices,
    );
    const shell = fakeShell();
    shell.status.person = sato;
    const el = await shown(createOffice(shell));
    expect(el.querySelector("#staff .message.error")?.textContent).toContain("管理者だけ");
  });

  it("signs the person out after the quiet spell set in 設定", async () => {
    vi.useFakeTimers();
    try {
      const calls = ipc(() => []);
      const root = document.createElement("div");
      document.body.replaceChildren(root);
      const s = status();
      s.person = suzuki;
      s.settings.idle_lock_minutes = 5;
      const IDLE_LOCK_MS = 5 * 60 * 1000;
      new App(root, s);
      expect(root.querySelector("#person")?.textContent).toBe("鈴木 一郎");
      vi.advanceTimersByTime(IDLE_LOCK_MS - 1000);
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
      vi.advanceTimersByTime(IDLE_LOCK_MS - 1000);
      expect(calls).not.toContain("sign_out");
      vi.advanceTimersByTime(2000);
      expect(calls).toContain("sign_out");
      expect(root.querySelector("#person")?.hasAttribute("hidden")).toBe(true);
      expect(root.querySelector(".banner")?.textContent).toContain("サインアウトしました");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the keyboard", () => {
  it("reaches every control that reacts to a click", async () => {
    const clickable: Element[] = [];
    const original = EventTarget.prototype.addEventListener;
    const spy = vi.spyOn(EventTarget.prototype, "addEventListener").mockImplementation(function (
      this: EventTarget,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | AddEventListenerOptions,
    ) {
      if (type === "click" && this instanceof Element) clickable.push(this);
      return original.call(this, type, listener, options);
    });
    ipc((cmd) => {
      if (cmd === "history") return [received(1, "A.CSV"), received(2, "B.CSV")];
      if (cmd === "favourites" || cmd === "partners_search") return [partner(true), partner(false)];
      if (cmd === "plan_send") return { units: [], foreign: [] };
      return null;
    });
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const app = new App(root, status());
    for (const id of ["send", "inbox", "history", "partners", "certificate", "office", "settings"] as const) {
      app.go(id);
      await settle();
    }
    spy.mockRestore();
    const reachable = (el: Element) =>
      el.matches("button, a[href], input, select, textarea, summary") && el.getAttribute("tabindex") !== "-1";
    expect(clickable.filter((el) => !reachable(el)).map((el) => el.outerHTML)).toEqual([]);
    expect(clickable.length).toBeGreaterThan(12);
  });

  it("shows a screen with Ctrl and its number, and continues from its heading", async () => {
    ipc(() => []);
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    new App(root, status());
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "2", ctrlKey: true, bubbles: true }));
    await settle();
    expect(root.querySelector("#screen-inbox")?.hasAttribute("hidden")).toBe(false);
    expect(document.activeElement?.textContent).toBe("受信箱");
    expect(root.querySelector("#nav-inbox")?.getAttribute("title")).toBe("Ctrl+2");
  });

  it("chooses files with Ctrl+O and a folder with Ctrl+Shift+O on the send screen", async () => {
    ipc(() => []);
    const chooser = vi.mocked(open);
    chooser.mockClear();
    chooser.mockResolvedValue(null);
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    new App(root, status());
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "o", ctrlKey: true }));
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "O", ctrlKey: true, shiftKey: true }));
    await settle();
    expect(chooser.mock.calls.map((c) => c[0])).toEqual([
      { multiple: true, directory: false },
      { multiple: false, directory: true },
    ]);
  });

  it("leaves keys without Ctrl to the field being typed in", async () => {
    ipc(() => []);
    const root = document.createElement("div");
    document.body.replaceChildren(root);
    const app = new App(root, status());
    app.go("settings");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "2" }));
    expect(root.querySelector("#screen-settings")?.hasAttribute("hidden")).toBe(false);
  });
});

vi.mock("@tauri-apps/plugin-dialog", () => ({ open: vi.fn(), save: vi.fn() }));

describe("効果", () => {
  const month = (m: string, total: number, projected = false) => ({
    month: m,
    projected,
    sent: { plans: 1, schedules: 25, jisseki: 0, user_documents: 295 },
    received: { plans: 0, schedules: 0, jisseki: 25, user_documents: 250 },
    sheets: 680,
    deliveries: 50,
    paper_yen: 3400,
    delivery_yen: 3000,
    staff_minutes: 1840,
    staff_yen: total - 6400,
    without_staff_yen: 6400,
    total_yen: total,
  });
  const costs = [
    { key: "print_yen_per_sheet", label: "印刷 1 枚", value: 5, default: 5, unit: "円/枚", source: "複合機の目安" },
    { key: "delivery_yen", label: "届ける 1 回", value: 60, default: 60, unit: "円/回", source: "日本郵便 定形郵便" },
  ];
  const report = {
    costs,
    months: [month("202612", 67733)],
    projected: Array.from({ length: 11 }, (_, i) => month(i === 0 ? "202701" : `2027${String(i + 1).padStart(2, "0")}`, 67733, true)),
    partners: [{ month: "202612", partner: "1320000001", name: "訪問介護ひまわり", sent: month("", 0).sent, received: month("", 0).received }],
    year_total_yen: 812796,
    year_without_staff_yen: 76800,
  };

  it("shows the year's projection, a bar per month and every partner", async () => {
    ipc((cmd) => (cmd === "cost_report" ? report : null));
    const el = await shown(createSavings(fakeShell()));
    expect(el.querySelector("#savings-year")?.textContent).toBe("812,796 円");
    expect(el.querySelectorAll("#savings-chart rect.bar")).toHaveLength(12);
    expect(el.querySelectorAll("#savings-chart rect.bar.projected")).toHaveLength(11);
    expect(el.querySelector("#savings-partners tbody")?.textContent).toContain("訪問介護ひまわり");
    expect(el.querySelector("#savings-costs")?.textContent).toContain("日本郵便 定形郵便");
  });

  it("recalculates with the unit costs typed and keeps them", async () => {
    const asked: unknown[] = [];
    ipc((cmd, args) => {
      if (cmd === "cost_report") return report;
      if (cmd === "set_costs") return (asked.push(args.costs), { ...report, year_total_yen: 900000 });
      return null;
    });
    const el = await shown(createSavings(fakeShell()));
    el.querySelector<HTMLInputElement>("#cost-print_yen_per_sheet")!.value = "8";
    el.querySelector<HTMLButtonElement>("#savings-apply")!.click();
    await settle();
    expect(asked).toEqual([{ print_yen_per_sheet: 8, delivery_yen: 60 }]);
    expect(el.querySelector("#savings-year")?.textContent).toBe("900,000 円");
  });

  it("says there is nothing to count yet when the history is empty", async () => {
    ipc((cmd) => (cmd === "cost_report" ? { ...report, months: [], projected: [], partners: [] } : null));
    const el = await shown(createSavings(fakeShell()));
    expect(el.querySelector(".empty")?.textContent).toContain("まだ送受信の記録がありません");
  });
});
