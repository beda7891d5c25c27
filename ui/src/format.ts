// Pure helpers for what the screens show; unit-tested without a window.

import { STATE_LABELS, type Direction } from "./bindings";
import { language } from "./i18n";

/** The name of a sent or received file's state, in the client's words (STATE_LABELS). */
export function stateLabel(state: string, direction = "sent"): string {
  const words = STATE_LABELS[language() === "en" ? "en" : "ja"];
  const dir: Direction = direction === "received" ? "received" : "sent";
  return (words[dir] as Record<string, string>)[state] ?? state;
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
