// 受信箱: every file received, newest first; a file is read once it has been shown here.

import { open } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type Activity, type HistoryEntry, type OfficeSave } from "../api";
import { h } from "../dom";
import { formatMonth, formatTime, stateLabel } from "../format";
import { t } from "../i18n";
import { loadInto } from "../view";
import type { Screen, Shell } from "./screen";

function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : path;
}

export function createInbox(shell: Shell): Screen {
  const list = h("div", { id: "inbox-list" });
  const el = h("main", { class: "content", id: "screen-inbox" }, h("h1", {}, t("inboxTitle")), list);

  // The care software moved or deleted a received file: write it again from the kept copy.
  const saveAgain = async (id: number, choose: boolean) => {
    try {
      let folder: string | null = null;
      if (choose) {
        const picked = await open({ directory: true });
        if (typeof picked !== "string") return;
        folder = picked;
      }
      const path = await api.saveAgain(id, folder);
      shell.say("info", `${t("savedAgain")}: ${path}`);
      void show();
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };

  // Where and by whom the office's PCs saved it: the office sees which PC imported it.
  const saves = (e: HistoryEntry) => {
    const lines = e.saves.map((v: OfficeSave) =>
      h(
        "div",
        { class: "office-save muted" },
        `${t("savedBy")}${v.again ? t("savedAgainMark") : ""}: ${v.here ? t("thisPc") : v.device_name}${v.person ? `・${v.person}` : ""}・${formatTime(v.at)} `,
        h("code", {}, v.place),
      ),
    );
    if (e.state === "kept" && !e.saves.some((v) => v.here)) {
      lines.unshift(h("div", { class: "office-save muted" }, t("notSavedHere")));
    }
    return lines;
  };

  const view = (e: HistoryEntry) =>
    h("button", { class: "link view-forms", onclick: () => shell.viewForms({ direction: "received", id: e.id }) }, t("viewForms"));

  const fileActions = (e: HistoryEntry) => {
    if (e.state === "quarantined" || e.state === "replayed") return null;
    if (e.state === "kept") {
      return [
        h("button", { class: "link save-here", onclick: () => saveAgain(e.id, false) }, t("saveHere")),
        h("button", { class: "link", onclick: () => saveAgain(e.id, true) }, t("saveElsewhere")),
        view(e),
      ];
    }
    if (!e.saved_path) return [view(e)];
    return [
      h(
        "button",
        {
          class: "link",
          onclick: () => api.openFolder(dirname(e.saved_path!)).catch((err) => shell.say("error", errorMessage(err))),
        },
        t("openFolder"),
      ),
      h("button", { class: "link save-again", onclick: () => saveAgain(e.id, false) }, t("saveAgain")),
      h("button", { class: "link", onclick: () => saveAgain(e.id, true) }, t("saveElsewhere")),
      view(e),
    ];
  };

  const row = (e: HistoryEntry) =>
    h(
      "tr",
      { class: e.state === "quarantined" || e.state === "replayed" ? "bad" : "", "data-file": e.file_name },
      h("td", {}, formatTime(e.created_at)),
      h("td", {}, e.kind_name ?? e.kind ?? "?"),
      h("td", {}, e.partner_name ?? e.partner),
      h("td", {}, formatMonth(e.month)),
      h(
        "td",
        { class: "file-state" },
        e.state === "quarantined"
          ? t("quarantined")
          : e.state === "replayed"
            ? stateLabel(e.state, "received")
            : `${t("verified")}・${stateLabel(e.state, "received")}`,
        saves(e),
      ),
      h("td", { class: "row-actions" }, fileActions(e)),
    );

  const draw = (entries: HistoryEntry[]) =>
    h(
      "table",
      { class: "list", id: "inbox" },
      h("thead", {}, h("tr", {}, [t("date"), t("kind"), t("partner"), t("month"), t("state"), ""].map((c) => h("th", {}, c)))),
      h("tbody", {}, entries.map(row)),
    );

  const show = async () => {
    const entries = await loadInto(list, () => api.history({ direction: "received" }), draw, t("inboxEmpty"));
    // What was drawn has been seen; what arrives later stays unread until it is drawn too.
    if (entries?.length) {
      try {
        shell.setUnread(await api.markRead(entries.map((e) => e.id)));
      } catch (e) {
        shell.say("error", errorMessage(e));
      }
    }
  };

  return {
    el,
    show,
    activity: (a: Activity) => {
      if (a.kind === "received" || a.kind === "office_saved") void show();
    },
  };
}
