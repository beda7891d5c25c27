// Pure helpers for what the screens show; unit-tested without a window.

import { language } from "./i18n";

const STATES_JA: Record<string, string> = {
  queued: "送信待ち",
  uploaded: "送信済み（連携基盤で保管中）",
  delivered: "相手が受信中",
  acknowledged: "相手受信確認済み",
  rejected: "相手側で検証エラー",
  expired: "期限切れ（未受信のまま削除）",
  failed: "送信できませんでした",
  saved: "受信・保存済み",
  quarantined: "検証エラーのため隔離",
  replayed: "同じ送信の複製のため拒否",
  saved_again: "保存し直し",
};

const STATES_EN: Record<string, string> = {
  queued: "Queued",
  uploaded: "Sent (held at the relay)",
  delivered: "Being received",
  acknowledged: "Receipt confirmed",
  rejected: "Rejected by recipient",
  expired: "Expired unreceived",
  failed: "Not sent",
  saved: "Received and saved",
  quarantined: "Quarantined",
  replayed: "Refused: a copy of a file already received",
  saved_again: "Saved again",
};

// A received file's receipt is ours; a sent file's is the partner's.
const RECEIVED_JA: Record<string, string> = { acknowledged: "受信確認を返送済み" };
const RECEIVED_EN: Record<string, string> = { acknowledged: "Receipt sent" };

/** The name of a sent or received file's state. */
export function stateLabel(state: string, direction = "sent"): string {
  const en = language() === "en";
  const own = direction === "received" ? (en ? RECEIVED_EN : RECEIVED_JA)[state] : undefined;
  return own ?? (en ? STATES_EN : STATES_JA)[state] ?? state;
}

/** Unix seconds as Japan time, `2026-12-01 09:30`. */
export function formatTime(unix: number): string {
  const d = new Date((unix + 9 * 3600) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/** YYYYMM as `2026年12月` (000000 is a plan unit without a month). */
export function formatMonth(month: string | null | undefined): string {
  if (!month) return "—";
  if (month === "000000") return language() === "en" ? "Plan" : "計画書";
  const y = month.slice(0, 4);
  const m = Number(month.slice(4, 6));
  return language() === "en" ? `${y}-${month.slice(4, 6)}` : `${y}年${m}月`;
}

export interface FindingLike {
  line: number | null;
  column: number | null;
  column_name: string | null;
}

/** Where a finding is: `3行目 No.10「サービス利用日」`, or empty for a whole file. */
export function findingPlace(f: FindingLike): string {
  const en = language() === "en";
  if (f.line == null) return "";
  let s = en ? `line ${f.line}` : `${f.line}行目`;
  if (f.column != null) {
    s += ` No.${f.column}`;
    if (f.column_name) s += en ? ` ${f.column_name}` : `「${f.column_name}」`;
  }
  return s;
}

/** Whether a state counts as finished well (for the timeline's colour). */
export function isGoodState(state: string): boolean {
  return state === "acknowledged" || state === "saved";
}
