// 設定: where files go, start at login, notifications, language, proxy, the relay's addresses,
// updates, the log file.
// What is typed stays until it is saved, whatever arrives meanwhile.

import { open } from "@tauri-apps/plugin-dialog";

import { api, errorMessage, type Settings } from "../api";
import { h, field } from "../dom";
import { setLanguage, t, type Key } from "../i18n";
import type { Screen, Shell } from "./screen";

type Flag = "save_arrivals" | "start_at_login" | "notifications" | "check_updates" | "move_sent";

export function createSettings(shell: Shell): Screen {
  let s: Settings = { ...shell.status.settings };
  // Something was changed and not saved yet: showing the screen again keeps it.
  let dirty = false;
  const touched = () => (dirty = true);
  const dir = h("code", { id: "receive-dir" });
  const boxes = new Map<Flag, HTMLInputElement>();
  const check = (key: Flag, label: Key) => {
    const box = h("input", { type: "checkbox", id: key, onchange: touched });
    boxes.set(key, box);
    return h("label", { class: "check" }, box, t(label));
  };
  const lang = h(
    "select",
    { id: "language", onchange: touched },
    h("option", { value: "ja" }, "日本語"),
    h("option", { value: "en" }, "English"),
  );
  const proxy = h("input", { id: "proxy", placeholder: "http://proxy.example:8080", oninput: touched });
  const idle = h("input", { id: "idle-lock", type: "number", min: "1", max: "480", oninput: touched });
  const watchDir = h("code", { id: "watch-dir" });
  const watchMode = h(
    "select",
    { id: "watch-mode", onchange: touched },
    h("option", { value: "confirm" }, t("watchConfirm")),
    h("option", { value: "auto" }, t("watchAuto")),
  );
  const stopWatching = h(
    "button",
    {
      class: "secondary",
      id: "stop-watching",
      onclick: () => {
        s.watch_dir = null;
        showWatchDir();
        dirty = true;
      },
    },
    t("watchStop"),
  );
  const showWatchDir = () => {
    watchDir.textContent = s.watch_dir ?? t("watchNone");
    stopWatching.hidden = !s.watch_dir;
  };
  const fill = () => {
    s = { ...shell.status.settings };
    dir.textContent = s.receive_dir ?? shell.status.receive_dir;
    for (const [key, box] of boxes) box.checked = s[key];
    lang.value = s.language;
    proxy.value = s.proxy ?? "";
    idle.value = String(s.idle_lock_minutes);
    watchMode.value = s.watch_mode;
    showWatchDir();
  };
  const saveNow = async () => {
    const minutes = Number.parseInt(idle.value, 10);
    const next: Settings = {
      ...s,
      language: lang.value,
      proxy: proxy.value.trim() || null,
      idle_lock_minutes: Number.isFinite(minutes) ? minutes : s.idle_lock_minutes,
      watch_mode: watchMode.value === "auto" ? "auto" : "confirm",
    };
    for (const [key, box] of boxes) next[key] = box.checked;
    try {
      const saved = await api.saveSettings(next);
      const languageChanged = saved.language !== shell.status.settings.language;
      shell.status.settings = saved;
      dirty = false;
      if (languageChanged) {
        setLanguage(saved.language);
        shell.rebuild();
      }
      shell.say("info", t("saved"));
    } catch (e) {
      // What was typed stays, so it can be corrected.
      shell.say("error", errorMessage(e));
    }
  };
  const relays = relayCard(shell);
  const el = h(
    "main",
    { class: "content", id: "screen-settings" },
    h("h1", {}, t("settingsTitle")),
    h(
      "div",
      { class: "card settings" },
      h(
        "div",
        { class: "field" },
        h("span", {}, t("receiveDir")),
        h(
          "div",
          { class: "row" },
          dir,
          h(
            "button",
            {
              class: "secondary",
              onclick: async () => {
                const chosen = await open({ directory: true });
                if (typeof chosen === "string") {
                  s.receive_dir = chosen;
                  dir.textContent = chosen;
                  dirty = true;
                }
              },
            },
            t("change"),
          ),
        ),
      ),
      check("save_arrivals", "saveArrivals"),
      h("p", { class: "hint" }, t("saveArrivalsHint")),
      check("start_at_login", "startAtLogin"),
      check("notifications", "notifications"),
      field(t("language"), lang),
      field(t("proxy"), proxy),
      field(t("idleLock"), idle),
      shell.status.updates_configured ? check("check_updates", "checkUpdates") : null,
      h("h2", {}, t("watchTitle")),
      h("p", { class: "hint" }, t("watchLead")),
      h(
        "div",
        { class: "row" },
        watchDir,
        h(
          "button",
          {
            class: "secondary",
            id: "choose-watch-dir",
            onclick: async () => {
              const chosen = await open({ directory: true });
              if (typeof chosen === "string") {
                s.watch_dir = chosen;
                showWatchDir();
                dirty = true;
              }
            },
          },
          t("watchChoose"),
        ),
        stopWatching,
      ),
      field(t("watchMode"), watchMode),
      check("move_sent", "moveSent"),
      h("button", { class: "primary", id: "save-settings", onclick: () => void saveNow() }, t("save")),
    ),
    relays.card,
    updatesCard(shell),
    h(
      "div",
      { class: "card settings" },
      h("h2", {}, t("logTitle")),
      h("p", { class: "hint" }, t("logLead")),
      h(
        "div",
        { class: "row" },
        h("code", { id: "log-file" }, shell.status.log_file),
        h(
          "button",
          {
            class: "secondary",
            id: "open-log",
            onclick: () => api.openLogFolder().catch((e) => shell.say("error", errorMessage(e))),
          },
          t("openLog"),
        ),
      ),
    ),
  );
  fill();
  return {
    el,
    show: () => {
      if (!dirty) fill();
      relays.refill();
    },
  };
}

/** The relay's addresses this PC uses, first tried first; what is typed stays until saved. */
function relayCard(shell: Shell): { card: HTMLElement; refill: () => void } {
  const current = () => {
    const p = shell.status.profile;
    return p ? [p.relay_url, ...p.other_relays].join(", ") : "";
  };
  let typed = false;
  const input = h("input", {
    id: "relay-addresses",
    placeholder: "https://relay.example.jp:8443",
    oninput: () => (typed = true),
  });
  input.value = current();
  const save = async () => {
    try {
      shell.status = await api.setRelayAddresses(input.value);
      typed = false;
      input.value = current();
      shell.say("info", t("saved"));
    } catch (e) {
      shell.say("error", errorMessage(e));
    }
  };
  const card = h(
    "div",
    { class: "card settings", id: "relay-card" },
    h("h2", {}, t("relayTitle")),
    h("p", { class: "hint" }, t("relayLead")),
    field(t("relayAddresses"), input),
    h("button", { class: "secondary", id: "save-relays", onclick: () => void save() }, t("saveRelays")),
  );
  const refill = () => {
    if (!typed) input.value = current();
  };
  return { card, refill };
}

/** The version running and, where updates are configured, looking for, fetching and installing
 * a newer one (its signature is checked before it is kept). */
function updatesCard(shell: Shell): HTMLElement {
  const line = h("p", { id: "update-state", role: "status" });
  const action = h("button", { class: "secondary", id: "update-action", hidden: true });
  const checkNow = h("button", { class: "secondary", id: "check-update" }, t("checkNow"));
  const busy = (text: string) => {
    line.textContent = text;
    checkNow.disabled = true;
    action.disabled = true;
  };
  const done = () => {
    checkNow.disabled = false;
    action.disabled = false;
  };
  const fail = (e: unknown) => {
    done();
    line.textContent = "";
    shell.say("error", errorMessage(e));
  };
  const install = async () => {
    busy(t("installUpdate"));
    try {
      if (!(await api.installUpdate())) done();
    } catch (e) {
      fail(e);
    }
  };
  const download = async () => {
    busy(t("downloading"));
    try {
      const version = await api.downloadUpdate();
      done();
      if (version) {
        line.textContent = `${t("updateAvailable")} ${version}`;
        action.textContent = t("installUpdate");
        action.onclick = () => void install();
      }
    } catch (e) {
      fail(e);
    }
  };
  checkNow.onclick = async () => {
    busy(t("checkingUpdate"));
    action.hidden = true;
    try {
      const view = await api.checkUpdate();
      done();
      if (!view.enabled) {
        line.textContent = t("updatesOff");
      } else if (view.available) {
        line.textContent = `${t("updateAvailable")} ${view.available}${view.notes ? ` — ${view.notes}` : ""}`;
        action.textContent = t("downloadUpdate");
        action.onclick = () => void download();
        action.hidden = false;
      } else {
        line.textContent = t("upToDate");
      }
    } catch (e) {
      fail(e);
    }
  };
  if (!shell.status.updates_configured) line.textContent = t("updatesOff");
  return h(
    "div",
    { class: "card settings", id: "updates" },
    h("h2", {}, t("updatesTitle")),
    h("p", {}, `${t("version")} ${shell.status.version}`),
    line,
    h("div", { class: "row" }, shell.status.updates_configured ? checkNow : null, action),
  );
}
