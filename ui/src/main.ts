// The Kizuna window: set-up, then 送信 / 受信箱 / 履歴 / 取引先 / 証明書 / 設定 (see app.ts).

import { getCurrentWebview } from "@tauri-apps/api/webview";

import { api, errorMessage, onActivity, onInvite, onNavigate, onUpdate, type Status } from "./api";
import { App } from "./app";
import { setLanguage, t } from "./i18n";
import { renderSetup, renderUnlock } from "./screens/setup";

const root = document.getElementById("app")!;
let app: App | null = null;

function opened(status: Status): void {
  app = new App(root, status);
}

async function start(): Promise<void> {
  const status = await api.status();
  setLanguage(status.settings.language);
  if (status.test_hooks) installTestHooks();
  if (!status.enrolled) renderSetup(root, status, opened);
  else if (!status.unlocked) renderUnlock(root, opened);
  else opened(status);
  requestAnimationFrame(() => void api.firstScreen());
}

void onActivity((a) => app?.activity(a));

// An invitation opened while the app runs: the set-up screen takes it; an enrolled app says why
// it is not used.
void onInvite(async () => {
  if (app) {
    app.say("info", t("alreadyEnrolled"));
    return;
  }
  const status = await api.status();
  if (!status.enrolled) renderSetup(root, status, opened);
});

void onUpdate((u) => {
  if (u.available) app?.say("info", `${t("updateAvailable")} ${u.available}`);
});

void onNavigate((to) => {
  if (to === "inbox" || to === "send") app?.go(to);
});

void getCurrentWebview().onDragDropEvent((event) => {
  if (event.payload.type !== "drop" || !app) return;
  void app.send().check(event.payload.paths);
});

// Under the desktop end-to-end test (KIZUNA_TEST_HOOKS=1) the test hands files to the send screen
// the way a drop does, opens them in 帳票, saves a PDF where a save dialog would and chooses the
// export folder the folder dialog would: WebDriver cannot drive the OS file dialogs or a drag
// from the desktop.
declare global {
  interface Window {
    kizunaTest?: {
      check: (paths: string[]) => void;
      viewForms: (paths: string[]) => void;
      savePdf: (path: string) => Promise<number>;
      watch: (dir: string, mode: "confirm" | "auto") => Promise<void>;
    };
  }
}

function installTestHooks(): void {
  window.kizunaTest = {
    check: (paths: string[]) => void app?.send().check(paths),
    viewForms: (paths: string[]) => app?.viewForms({ paths }),
    savePdf: (path: string) => app?.forms().savePdfTo(path, false) ?? Promise.resolve(0),
    watch: async (dir: string, mode: "confirm" | "auto") => {
      const status = await api.status();
      const saved = await api.saveSettings({ ...status.settings, watch_dir: dir, watch_mode: mode });
      if (app) app.status.settings = saved;
    },
  };
}

void start().catch((e) => {
  root.textContent = errorMessage(e);
});
