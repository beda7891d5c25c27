// What the screen tests share: a status, a shell that records what it is asked, a mocked IPC.

import { mockIPC } from "@tauri-apps/api/mocks";

import type { Status } from "./api";
import type { Screen, Shell } from "./screens/screen";

export function status(): Status {
  return {
    enrolled: true,
    unlocked: true,
    profile: {
      office: "1310000001",
      office_name: "居宅介護支援事業所さくら",
      office_kind: "kyotaku",
      relay_url: "https://127.0.0.1:8443",
      other_relays: [],
      proxy: null,
      certificate_serial: "abc123",
      certificate_not_after: 1_830_000_000,
      certificate_days_left: 400,
      needs_passphrase: false,
    },
    unread: 2,
    receive_dir: "/home/u/Documents/Kizuna/受信",
    settings: {
      receive_dir: null,
      save_arrivals: true,
      start_at_login: false,
      notifications: true,
      language: "ja",
      proxy: null,
      check_updates: true,
      idle_lock_minutes: 15,
      watch_dir: null,
      watch_mode: "confirm",
      move_sent: true,
      costs: {
        print_yen_per_sheet: 5,
        delivery_yen: 60,
        staff_yen_per_hour: 2000,
        minutes_per_sent_document: 2,
        minutes_per_delivery: 5,
        minutes_per_received_document: 4,
      },
    },
    background: { running: true, restarts: 0, last_failure: null },
    preset_relay: null,
    preset_fingerprint: null,
    test_hooks: false,
    invite: null,
    log_file: "/home/u/.local/share/jp.kizuna.desktop/logs/kizuna.log",
    log_problem: null,
    version: "0.1.0",
    updates_configured: true,
    person: null,
  };
}

export type Viewed = Parameters<Shell["viewForms"]>[0];

export function fakeShell(): Shell & { said: [string, string][]; unread: number[]; viewed: Viewed[] } {
  const said: [string, string][] = [];
  const unread: number[] = [];
  const viewed: Viewed[] = [];
  return {
    status: status(),
    said,
    unread,
    viewed,
    viewForms: (what) => void viewed.push(what),
    say: (kind, text) => said.push([kind, text]),
    go: () => {},
    setUnread: (n) => unread.push(n),
    rebuild: () => {},
    setPerson: function (p) {
      this.status.person = p;
    },
  };
}

/** Shows a screen in the document and lets its calls settle. */
export async function shown(screen: Screen): Promise<HTMLElement> {
  document.body.replaceChildren(screen.el);
  await screen.show();
  await settle();
  return screen.el;
}

export const settle = () => new Promise((r) => setTimeout(r, 0));

export type Handler = (cmd: string, args: Record<string, unknown>) => unknown;
/** Answers the window's calls with `handler`; the send screen's look at the export folder
 * answers "nothing waiting" unless the handler gives a list. */
export function ipc(handler: Handler): string[] {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const answer = handler(cmd, (args ?? {}) as Record<string, unknown>);
    if (cmd === "waiting_units" && !Array.isArray(answer)) return [];
    return answer;
  });
  return calls;
}
