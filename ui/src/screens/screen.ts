// What the app shell and its screens know of each other.

import type { Activity, StaffMember, Status } from "../api";

/** How the shortcut key is written on this computer: ⌘ on a Mac, Ctrl elsewhere. */
export const MAC = typeof navigator !== "undefined" && /Mac/.test(navigator.platform);
export const MOD = MAC ? "⌘" : "Ctrl+";

export type ScreenId = "send" | "inbox" | "history" | "forms" | "compare" | "partners" | "certificate" | "office" | "settings" | "savings";

/** What a screen may ask of the shell around it. */
export interface Shell {
  /** How the app stands (kept up to date by the shell). */
  status: Status;
  /** Says something in the banner above the screen. */
  say(kind: "info" | "error", text: string): void;
  /** Shows another screen. */
  go(id: ScreenId): void;
  /** The unread count changed. */
  setUnread(n: number): void;
  /** The language or the office changed: every screen is built anew. */
  rebuild(): void;
  /** Shows files in the 帳票 viewer: paths picked or of a unit, or a file of the history. */
  viewForms(what: { paths: string[] } | { direction: "sent" | "received"; id: number }): void;
  /** Someone signed in on this PC, or out (null). */
  setPerson(person: StaffMember | null): void;
}

/** A screen: built once, kept while the app runs, shown and refreshed without losing its inputs. */
export interface Screen {
  /** Its element (hidden while another screen shows). */
  el: HTMLElement;
  /** It is now the screen shown: refresh what it shows from the app. */
  show(): void | Promise<void>;
  /** Something happened in the background while it is shown. */
  activity?(a: Activity): void;
  /** A key pressed while it is shown (`mod`: Ctrl, or ⌘ on a Mac); `true` when it was used. */
  shortcut?(e: KeyboardEvent, mod: boolean): boolean;
}
