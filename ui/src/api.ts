// The desktop shell's commands and events, typed. Mirrors src-tauri/src/commands.rs.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

export interface Settings {
  receive_dir: string | null;
  auto_receive: boolean;
  start_at_login: boolean;
  notifications: boolean;
  language: string;
  proxy: string | null;
}

export interface Status {
  enrolled: boolean;
  unlocked: boolean;
  office: string | null;
  office_name: string | null;
  office_kind: string | null;
  relay_url: string | null;
  cert_serial: string | null;
  cert_not_after: number | null;
  cert_days_left: number | null;
  needs_passphrase: boolean;
  unread: number;
  receive_dir: string;
  settings: Settings;
  preset_relay: string | null;
  preset_fingerprint: string | null;
  test_hooks: boolean;
}

export interface UiError {
  code: string;
  message: string;
}

export interface Finding {
  severity: "error" | "warning";
  code: string;
  line: number | null;
  column: number | null;
  column_name: string | null;
  message: string;
}

export interface FileView {
  path: string;
  name: string;
  kind: string | null;
  kind_name: string | null;
  users: number;
  findings: Finding[];
  errors: number;
}

export interface UnitCard {
  recipient: string;
  recipient_name: string | null;
  month: string | null;
  serial: string;
  users: number;
  files: FileView[];
  errors: number;
  warnings: number;
  sendable: boolean;
  problem: string | null;
}

export interface SentView {
  file_name: string;
  recipient: string;
  accepted: boolean;
  queued: boolean;
  message: string | null;
}

export interface HistoryEntry {
  direction: "sent" | "received";
  id: number;
  file_name: string;
  partner: string;
  partner_name: string | null;
  kind: string | null;
  month: string | null;
  users: number | null;
  state: string;
  detail: string | null;
  saved_path: string | null;
  receipt: string | null;
  created_at: number;
  timeline: [string, number][];
}

export interface HistoryFilter {
  direction?: string;
  partner?: string;
  month?: string;
  kind?: string;
  state?: string;
  text?: string;
}

export interface Partner {
  number: string;
  name: string;
  kind: string;
  favourite: boolean;
}

export interface EnrolmentFile {
  relay_url: string;
  ca_fingerprint: string;
  office: string | null;
}

export type Activity =
  | { kind: "received"; count: number; unread: number }
  | { kind: "sent_changed"; count: number }
  | { kind: "uploaded"; count: number }
  | { kind: "certificate"; days_left: number }
  | { kind: "trouble"; message: string }
  | { kind: "connected" };

export const api = {
  status: () => invoke<Status>("status"),
  enroll: (args: {
    relay_url: string;
    ca_fingerprint: string;
    office: string;
    password: string;
    totp: string | null;
    passphrase: string | null;
  }) => invoke<Status>("enroll", { args }),
  unlock: (passphrase: string) => invoke<Status>("unlock", { passphrase }),
  readEnrolmentFile: (path: string) => invoke<EnrolmentFile>("read_enrolment_file", { path }),
  planSend: (files: string[]) => invoke<UnitCard[]>("plan_send", { files }),
  send: (files: string[]) => invoke<SentView[]>("send", { files }),
  history: (filter: HistoryFilter) => invoke<HistoryEntry[]>("history", { filter }),
  markRead: () => invoke<void>("mark_read"),
  exportHistory: (filter: HistoryFilter, path: string) =>
    invoke<number>("export_history", { filter, path }),
  partnersSearch: (text: string) => invoke<Partner[]>("partners_search", { text }),
  favourites: () => invoke<Partner[]>("favourites"),
  setFavourite: (number: string, favourite: boolean) =>
    invoke<void>("set_favourite", { number, favourite }),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  openFolder: (path: string) => invoke<void>("open_folder", { path }),
  firstScreen: () => invoke<void>("first_screen"),
};

export function onActivity(handler: (a: Activity) => void): Promise<UnlistenFn> {
  return listen<Activity>("kizuna://activity", (e) => handler(e.payload));
}

export function onNavigate(handler: (screen: string) => void): Promise<UnlistenFn> {
  return listen<string>("kizuna://navigate", (e) => handler(e.payload));
}

/** The message of an error thrown by a command. */
export function errorMessage(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as UiError).message);
  return String(e);
}
