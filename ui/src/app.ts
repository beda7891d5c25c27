// The app around the screens: navigation, the banner and the unread badge. Each screen is built
// once and kept; switching shows and hides them, and background events update only what they
// change, so nothing typed is lost when a file arrives.

import { api, type Activity, type StaffMember, type Status } from "./api";
import { clear, h } from "./dom";
import { t, type Key } from "./i18n";
import { createCertificate } from "./screens/certificate";
import { createCompare } from "./screens/compare";
import { createForms, type FormsScreen } from "./screens/forms";
import { createHistory } from "./screens/history";
import { createInbox } from "./screens/inbox";
import { createPartners } from "./screens/partners";
import { MAC, MOD, type Screen, type ScreenId, type Shell } from "./screens/screen";
import { createSend, type SendScreen } from "./screens/send";
import { createOffice } from "./screens/office";
import { createSavings } from "./screens/savings";
import { createSettings } from "./screens/settings";

const NAV: [ScreenId, Key][] = [
  ["send", "navSend"],
  ["inbox", "navInbox"],
  ["history", "navHistory"],
  ["forms", "navForms"],
  ["compare", "navCompare"],
  ["partners", "navPartners"],
  ["certificate", "navCertificate"],
  ["office", "navOffice"],
  ["settings", "navSettings"],
  ["savings", "navSavings"],
];

/** How long without a key or a click before a signed-in person is signed out (設定). */
export function idleLockMs(status: Status): number {
  return Math.max(1, status.settings.idle_lock_minutes) * 60 * 1000;
}

// One listener for the window's life; it serves the app shown now.
let active: App | null = null;
document.addEventListener("keydown", (e) => {
  active?.touch();
  active?.keydown(e);
});
document.addEventListener("pointerdown", () => active?.touch());

/** The running app in `root`. */
export class App implements Shell {
  status: Status;
  private root: HTMLElement;
  private screens = new Map<ScreenId, Screen>();
  private current: ScreenId = "send";
  private banner = h("div", { class: "banner", role: "status", hidden: true });
  private badge = h("span", { class: "badge", id: "unread" });
  private navButtons = new Map<ScreenId, HTMLButtonElement>();
  private pane = h("div", { class: "pane" });
  private personLine = h("small", { class: "person", id: "person" });
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(root: HTMLElement, status: Status) {
    this.root = root;
    this.status = status;
    this.build();
    active = this;
  }

  /** A key pressed anywhere in the window: Ctrl (⌘ on a Mac) + 1…9 shows the screen of that
   * place in the side bar; other keys go to the screen shown. */
  keydown(e: KeyboardEvent): void {
    if (!this.root.isConnected) return;
    const mod = MAC ? e.metaKey : e.ctrlKey;
    const place = Number(e.key) - 1;
    if (mod && !e.altKey && !e.shiftKey && place >= 0 && place < NAV.length) {
      e.preventDefault();
      this.go(NAV[place][0], true);
      return;
    }
    if (this.screens.get(this.current)?.shortcut?.(e, mod)) e.preventDefault();
  }

  private build(): void {
    clear(this.root);
    this.screens.clear();
    this.navButtons.clear();
    const nav = h(
      "nav",
      { class: "sidebar" },
      h(
        "div",
        { class: "brand" },
        h("strong", {}, "Kizuna"),
        h("small", {}, this.status.profile?.office_name ?? ""),
        this.personLine,
      ),
      NAV.map(([id, key], i) => {
        const button = h(
          "button",
          { class: "nav", id: `nav-${id}`, title: `${MOD}${i + 1}`, onclick: () => this.go(id, true) },
          t(key),
        );
        if (id === "inbox") button.append(this.badge);
        this.navButtons.set(id, button);
        return button;
      }),
    );
    clear(this.pane);
    this.pane.append(this.banner);
    this.root.append(h("div", { class: "layout" }, nav, this.pane));
    this.setUnread(this.status.unread);
    this.setPerson(this.status.person);
    if (this.status.background.restarts > 0) this.say("error", t("loopRestarted"));
    if (this.status.log_problem) this.say("error", this.status.log_problem);
    this.go(this.current);
  }

  private screen(id: ScreenId): Screen {
    let s = this.screens.get(id);
    if (!s) {
      const make = {
        send: createSend,
        inbox: createInbox,
        history: createHistory,
        forms: createForms,
        compare: createCompare,
        partners: createPartners,
        certificate: createCertificate,
        office: createOffice,
        settings: createSettings,
        savings: createSavings,
      }[id];
      s = make(this);
      s.el.hidden = true;
      // Where the keyboard lands when the screen is chosen.
      s.el.querySelector("h1")?.setAttribute("tabindex", "-1");
      this.pane.append(s.el);
      this.screens.set(id, s);
    }
    return s;
  }

  /** Shows screen `id` (as it was left) and lets it refresh; the screen shown refreshes too.
   * Chosen by the person (`focus`), the keyboard continues from its heading. */
  go(id: ScreenId, focus = false): void {
    // A message belongs to the screen it was said on.
    if (id !== this.current) this.say("info", "");
    for (const [other, s] of this.screens) s.el.hidden = other !== id;
    const next = this.screen(id);
    next.el.hidden = false;
    for (const [other, b] of this.navButtons) b.className = other === id ? "nav active" : "nav";
    this.current = id;
    if (focus) next.el.querySelector<HTMLElement>("h1")?.focus();
    void next.show();
  }

  /** The send screen, for files dropped on the window. */
  send(): SendScreen {
    this.go("send");
    return this.screen("send") as SendScreen;
  }

  viewForms(what: { paths: string[] } | { direction: "sent" | "received"; id: number }): void {
    this.go("forms");
    const forms = this.forms();
    void ("paths" in what ? forms.openFiles(what.paths) : forms.openHistory(what.direction, what.id));
  }

  /** The 帳票 screen. */
  forms(): FormsScreen {
    return this.screen("forms") as FormsScreen;
  }

  say(kind: "info" | "error", text: string): void {
    this.banner.className = `banner ${kind}`;
    this.banner.textContent = text;
    this.banner.hidden = !text;
  }

  setUnread(n: number): void {
    this.status.unread = n;
    this.badge.textContent = String(n);
    this.badge.hidden = n === 0;
  }

  /** Who is signed in on this PC; while someone is, a quiet spell signs them out (the lock). */
  setPerson(person: StaffMember | null): void {
    this.status.person = person;
    this.personLine.textContent = person ? person.name : "";
    this.personLine.hidden = !person;
    this.touch();
    const office = this.screens.get("office");
    if (office && this.current === "office") void office.show();
  }

  /** The person did something: the lock waits again. */
  touch(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (!this.status.person) return;
    this.idle = setTimeout(() => {
      void api.signOut().catch(() => {});
      this.setPerson(null);
      this.say("info", t("signedOutIdle"));
    }, idleLockMs(this.status));
  }

  rebuild(): void {
    this.build();
  }

  /** Something happened in the background: update the badge and banner, tell the screen shown. */
  activity(a: Activity): void {
    switch (a.kind) {
      case "received":
        this.setUnread(a.unread);
        this.say("info", `${t("newFiles")}（${a.count}）`);
        break;
      case "trouble":
        this.say("error", `${t("connectionTrouble")}: ${a.message}`);
        break;
      case "connected":
        this.say("info", "");
        break;
      case "folder":
        this.say(a.waiting ? "error" : "info", `${a.title}: ${a.message}`);
        break;
    }
    this.screens.get(this.current)?.activity?.(a);
  }
}
