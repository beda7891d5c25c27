// 帳票: files opened from the inbox, the history, a unit on the send screen or picked here, shown
// as the forms staff know, one user at a time. A month of thousands of users opens at once: the
// list of users comes first, a user's forms when the user is chosen.

import { open, save } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type OpenedView, type UserEntry } from "../api";
import { clear, h } from "../dom";
import { drawForm, userHeading, userLabel } from "../forms";
import { t } from "../i18n";
import type { Screen, Shell } from "./screen";

/** The 帳票 screen, which other screens open files in. */
export interface FormsScreen extends Screen {
  /** Opens files and folders (picked, dropped, or a unit's files). */
  openFiles(paths: string[]): Promise<void>;
  /** Opens the unit of a file of the history. */
  openHistory(direction: "sent" | "received", id: number): Promise<void>;
  /** Saves the user shown (or everyone opened) as one PDF at `path`; answers how many users. */
  savePdfTo(path: string, all: boolean): Promise<number>;
}

/** Whether a user matches what was typed in the search box: name, フリガナ or numbers. */
export function matches(u: UserEntry, text: string): boolean {
  const q = text.trim();
  if (!q) return true;
  return [u.name, u.kana, u.key.insured, u.key.insurer].some((v) => v?.includes(q));
}

export function createForms(shell: Shell): FormsScreen {
  const problems = h("div", { id: "forms-problems" });
  const search = h("input", { id: "forms-search", placeholder: t("searchUsers") });
  const list = h("ul", { class: "user-list", id: "forms-users" });
  const pane = h("div", { class: "forms-pane", id: "forms-pane" }, h("p", { class: "muted empty" }, t("formsEmpty")));
  const count = h("p", { class: "muted", id: "forms-count" });
  let current: OpenedView | null = null;
  let chosen: UserEntry | null = null;

  const pick = async (multiple: boolean, directory: boolean) => {
    const picked = await open({ multiple, directory, filters: directory ? undefined : [{ name: "CSV", extensions: ["csv", "CSV", "jpg"] }] });
    if (!picked) return;
    await openFiles(Array.isArray(picked) ? picked : [picked]);
  };

  const el = h(
    "main",
    { class: "content", id: "screen-forms" },
    h("h1", {}, t("formsTitle")),
    h(
      "div",
      { class: "actions no-print" },
      h("button", { class: "secondary", id: "forms-pick", onclick: () => void pick(true, false) }, t("chooseFiles")),
      h("button", { class: "secondary", onclick: () => void pick(false, true) }, t("chooseFolder")),
      h("button", { class: "secondary", id: "forms-print", onclick: () => window.print() }, t("print")),
      h("button", { class: "secondary", id: "forms-pdf", onclick: () => void savePdf(false) }, t("savePdfUser")),
      h("button", { class: "secondary", id: "forms-pdf-all", onclick: () => void savePdf(true) }, t("savePdfAll")),
    ),
    problems,
    h(
      "div",
      { class: "viewer" },
      h("aside", { class: "users no-print" }, search, count, list),
      pane,
    ),
  );

  const savePdfTo = async (path: string, all: boolean): Promise<number> => {
    if (!current) return 0;
    return api.saveFormsPdf(current.view, all || !chosen ? [] : [chosen.key], path);
  };

  // The user shown (or everyone opened) as an A4 PDF where the person chooses.
  const savePdf = async (all: boolean) => {
    if (!current || (!all && !chosen)) return;
    const name = all || !chosen ? "帳票.pdf" : `${chosen.key.insured}_${(chosen.name ?? "").replace(/\s/g, "")}.pdf`;
    const path = await save({ defaultPath: name, filters: [{ name: "PDF", extensions: ["pdf"] }] });
    if (!path) return;
    try {
      const n = await savePdfTo(path, all);
      shell.say("info", `${n}${t("pdfSavedUsers")}: ${path}`);
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };

  const showUser = async (u: UserEntry) => {
    if (!current) return;
    chosen = u;
    for (const b of list.querySelectorAll("button")) b.classList.toggle("active", b.dataset.insured === u.key.insured && b.dataset.insurer === u.key.insurer);
    const view = current.view;
    try {
      const forms = await api.userForms(view, u.key);
      if (current?.view !== view || chosen !== u) return;
      clear(pane);
      pane.append(userHeading(u), ...forms.forms.map(drawForm));
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };

  const drawList = () => {
    clear(list);
    const users = current?.opened.users.filter((u) => matches(u, search.value)) ?? [];
    // Thousands of buttons draw fast enough; the list is what staff scroll.
    list.append(
      ...users.map((u) =>
        h(
          "li",
          {},
          h("button", { class: "user", "data-insurer": u.key.insurer, "data-insured": u.key.insured, onclick: () => void showUser(u) }, userLabel(u)),
        ),
      ),
    );
    count.textContent = current ? `${users.length} / ${current.opened.users.length}${t("people")}` : "";
  };
  search.addEventListener("input", drawList);

  const load = async (opening: Promise<OpenedView>) => {
    clear(pane);
    pane.append(h("p", { class: "muted loading" }, t("loading")));
    try {
      current = await opening;
    } catch (e) {
      clear(pane);
      pane.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
      return;
    }
    clear(problems);
    const bad = current.opened.files.filter((f) => f.problem);
    if (bad.length) {
      problems.append(
        h(
          "div",
          { class: "message error", role: "alert" },
          h("strong", {}, t("filesNotRead")),
          h("ul", {}, bad.map((f) => h("li", {}, h("code", {}, f.name), " ", f.problem ?? ""))),
        ),
      );
    }
    drawList();
    clear(pane);
    const first = current.opened.users[0];
    if (first) await showUser(first);
    else pane.append(h("p", { class: "muted empty" }, t("formsNoUsers")));
  };

  const openFiles = (paths: string[]) => load(api.openForms(paths));
  const openHistory = (direction: "sent" | "received", id: number) => load(api.openHistoryForms(direction, id));

  return { el, show: () => {}, openFiles, openHistory, savePdfTo };
}
