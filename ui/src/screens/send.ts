// 送信: pick or drop files, see every finding per unit and partner, send card by card.

import { open } from "@tauri-apps/plugin-dialog";

import { api, errorCode, errorMessage, type FileView, type SendPlan, type SentFile, type UnitCard, type WaitingUnit } from "../api";
import { OUTCOME_LABELS } from "../bindings";
import { clear, h } from "../dom";
import { findingPlace, formatMonth } from "../format";
import { language, t } from "../i18n";
import { MOD, type Screen, type Shell } from "./screen";

/** The send screen; `check` takes files the way a drop does. */
export interface SendScreen extends Screen {
  check(paths: string[]): Promise<void>;
}

/** What a card's button says once its files went: sent, waiting, or not sent. */
function sentLabel(sent: SentFile[]): string {
  const words = OUTCOME_LABELS[language()];
  if (sent.some((s) => s.outcome === "failed")) return words.failed;
  if (sent.some((s) => s.outcome !== "sent")) return words.waiting_for_partner;
  return words.sent;
}

function outcomeLabel(s: SentFile): string {
  return OUTCOME_LABELS[language()][s.outcome];
}

export function createSend(shell: Shell): SendScreen {
  const list = h("div", { class: "cards", id: "cards" });
  const waiting = h("section", { class: "card waiting", id: "waiting", hidden: true });
  let plan: SendPlan = { units: [], foreign: [] };
  // Files the watched export folder offered that are on the cards now.
  let offered = "";
  const check = async (paths: string[]): Promise<void> => {
    clear(list);
    list.append(h("p", { class: "muted" }, t("checking")));
    try {
      plan = await api.planSend(paths);
      drawPlan(list, plan, shell);
    } catch (e) {
      clear(list);
      list.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
    }
  };
  const choose = async (directory: boolean) => {
    const result = await open({ multiple: !directory, directory });
    if (!result) return;
    await check(Array.isArray(result) ? result : [result]);
  };
  const el = h(
    "main",
    { class: "content", id: "screen-send" },
    h("h1", {}, t("sendTitle")),
    h(
      "div",
      { class: "drop", id: "drop" },
      h("p", {}, t("sendLead")),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { class: "primary", id: "choose-files", title: `${MOD}O`, onclick: () => choose(false) },
          t("chooseFiles"),
        ),
        h(
          "button",
          { class: "secondary", id: "choose-folder", title: `${MOD}Shift+O`, onclick: () => choose(true) },
          t("chooseFolder"),
        ),
      ),
    ),
    waiting,
    list,
  );
  // Units the watched export folder checked wait here for a person: shown on the cards at once
  // when none there can still be sent, else one click away.
  const showWaiting = async (): Promise<void> => {
    let units: WaitingUnit[] = [];
    try {
      units = await api.waitingUnits();
    } catch {
      return;
    }
    drawWaiting(waiting, units, (paths) => {
      offered = paths.join("\n");
      void check(paths);
    });
    const all = units.flatMap((u) => u.files);
    const key = all.join("\n");
    // Cards with nothing left to send (none, or all sent) give way to what waits.
    const sendable = list.querySelectorAll(".card.unit footer button.primary:not([disabled])").length;
    if (all.length && key !== offered && sendable === 0) {
      offered = key;
      await check(all);
    }
  };
  // Ctrl+O chooses files, Ctrl+Shift+O a folder, as in other programs' open dialogs.
  const shortcut = (e: KeyboardEvent, mod: boolean): boolean => {
    if (!mod || e.key.toLowerCase() !== "o") return false;
    void choose(e.shiftKey);
    return true;
  };
  return {
    el,
    show: () => void showWaiting(),
    check,
    shortcut,
    activity: (a) => {
      if (a.kind === "folder" && a.waiting) void showWaiting();
    },
  };
}

/** The watched export folder's units that wait for a person, each with what was found. */
function drawWaiting(section: HTMLElement, units: WaitingUnit[], show: (paths: string[]) => void): void {
  clear(section);
  section.hidden = units.length === 0;
  if (!units.length) return;
  section.append(h("h2", {}, t("exportWaitingTitle")), h("p", { class: "muted" }, t("exportWaitingLead")));
  for (const u of units) {
    section.append(
      h(
        "div",
        { class: `waiting-unit ${u.ready ? "ok" : "bad"}` },
        h("span", {}, u.message),
        h("button", { class: "secondary", onclick: () => show(u.files) }, t("exportWaitingShow")),
      ),
    );
  }
}

function drawPlan(list: HTMLElement, plan: SendPlan, shell: Shell): void {
  clear(list);
  const sendable = plan.units.filter((c) => c.sendable);
  // Each card's sending; null when the call itself failed (its card says why).
  const senders: (() => Promise<SentFile[] | null>)[] = [];
  if (sendable.length > 1) {
    const all = h(
      "button",
      {
        class: "primary",
        id: "send-all",
        onclick: async () => {
          all.disabled = true;
          all.textContent = t("sending");
          const sent: SentFile[] = [];
          let broken = false;
          for (const send of senders) {
            const done = await send();
            if (done) sent.push(...done);
            else broken = true;
          }
          all.textContent = broken ? OUTCOME_LABELS[language()].failed : sentLabel(sent);
        },
      },
      `${t("sendAll")}（${sendable.length}${t("unitsCount")}）`,
    );
    list.append(h("div", { class: "send-all" }, all, h("span", { class: "muted" }, t("sendAllLead"))));
  }
  for (const card of plan.units) {
    const result = h("div", { class: "result" });
    const send = h(
      "button",
      {
        class: "primary",
        disabled: !card.sendable,
        title: card.sendable ? "" : t("sendDisabled"),
        onclick: () => void sendCard(),
      },
      t("sendButton"),
    );
    const sendCard = async (again = false): Promise<SentFile[] | null> => {
      if (send.disabled) return [];
      send.disabled = true;
      send.textContent = t("sending");
      try {
        const sent = await api.send(card.files.map((f) => f.path), again);
        clear(result);
        // Files that went the same way for the same reason are said once.
        const groups = new Map<string, SentFile[]>();
        for (const s of sent) {
          const key = `${s.outcome}\n${s.message ?? ""}`;
          groups.set(key, [...(groups.get(key) ?? []), s]);
        }
        for (const group of groups.values()) {
          const s = group[0];
          const cls = s.outcome === "sent" ? "ok" : s.outcome === "failed" ? "bad" : "wait";
          const what = group.length === 1 ? s.file_name : `${group.length}${t("filesCount")}`;
          result.append(
            h("div", { class: cls, title: group.map((g) => g.file_name).join("\n") }, `${outcomeLabel(s)}: ${what}`, s.message ? ` — ${s.message}` : ""),
          );
        }
        // One person sends a card: named once, as the partner will see it in the manifest.
        const by = sent.find((s) => s.outcome !== "failed" && s.sent_by)?.sent_by;
        if (by) result.append(h("div", { class: "muted sent-by" }, `${t("person")}: ${by}`));
        send.textContent = sentLabel(sent);
        if (sent.some((s) => s.outcome === "failed")) send.disabled = false;
        return sent;
      } catch (e) {
        clear(result);
        result.append(h("div", { class: "message error", role: "alert" }, errorMessage(e)));
        send.disabled = false;
        send.textContent = t("sendButton");
        if (errorCode(e) === "already_sent") {
          // Sent before with the same content: only on purpose, with a second click.
          result.append(
            h("button", { class: "secondary send-again", onclick: () => void sendCard(true) }, t("sendAgain")),
          );
        }
        return null;
      }
    };
    if (card.sendable) senders.push(sendCard);
    const summary =
      card.errors > 0
        ? h("span", { class: "pill bad" }, `${card.errors} ${t("errorsFound")}`)
        : h("span", { class: "pill ok" }, t("noErrors"));
    list.append(
      h(
        "section",
        { class: "card unit", "data-recipient": card.recipient },
        h(
          "header",
          {},
          h("div", {}, h("small", {}, t("recipient")), h("strong", {}, card.recipient_name ?? "—"), h("span", { class: "muted" }, ` ${card.recipient}`)),
          h("div", {}, h("small", {}, t("month")), h("strong", {}, formatMonth(card.month))),
          h("div", {}, h("small", {}, t("users")), h("strong", {}, String(card.users))),
          summary,
          card.warnings > 0 ? h("span", { class: "pill warn" }, `${card.warnings} ${t("warningsFound")}`) : null,
        ),
        h("ul", { class: "files" }, card.files.map(fileItem)),
        h(
          "footer",
          {},
          send,
          h("button", { class: "secondary view-forms", onclick: () => shell.viewForms({ paths: card.files.map((f) => f.path) }) }, t("viewForms")),
          card.recipient_connected === false
            ? h("button", { class: "secondary unit-pdf", onclick: () => void savePdf(card, shell) }, t("savePdfForPaper"))
            : null,
          card.sendable ? null : h("span", { class: "muted" }, t("sendDisabled")),
        ),
        card.recipient_connected === false ? h("p", { class: "hint not-connected" }, t("notConnectedCard")) : null,
        result,
      ),
    );
  }
  if (plan.foreign.length) {
    list.append(
      h(
        "section",
        { class: "card foreign", id: "foreign" },
        h("h2", {}, t("foreignTitle")),
        h("p", { class: "muted" }, t("foreignLead")),
        h(
          "button",
          { class: "secondary view-forms", onclick: () => shell.viewForms({ paths: plan.foreign.map((f) => f.path) }) },
          t("viewForms"),
        ),
        h(
          "ul",
          { class: "files" },
          plan.foreign.map((f) =>
            h(
              "li",
              {},
              h("span", { class: "kind" }, `${f.sender_name ?? ""} ${f.sender}`.trim()),
              h("span", { class: "name" }, f.name),
            ),
          ),
        ),
      ),
    );
  }
}

// A partner not on the exchange yet gets paper: one PDF per user, into a folder chosen.
async function savePdf(card: UnitCard, shell: Shell): Promise<void> {
  const dir = await open({ directory: true });
  if (typeof dir !== "string") return;
  try {
    const n = await api.saveUnitPdf(
      card.files.map((f) => f.path),
      dir,
    );
    shell.say("info", `${n}${t("pdfSavedUsers")}: ${dir}`);
  } catch (e) {
    shell.say("error", errorMessage(e));
  }
}

function fileItem(f: FileView): HTMLElement {
  return h(
    "li",
    {},
    h("span", { class: "kind" }, f.kind_name ?? f.kind ?? "?"),
    h("span", { class: "name" }, f.name),
    f.findings.length
      ? h(
          "ul",
          { class: "findings" },
          f.findings.map((x) =>
            h("li", { class: x.severity }, h("span", { class: "place" }, findingPlace(x)), h("span", {}, x.message), h("code", {}, x.code)),
          ),
        )
      : null,
  );
}
