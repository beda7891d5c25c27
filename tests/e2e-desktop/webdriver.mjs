// What the desktop end-to-end drivers share: a W3C WebDriver session on the real app through
// tauri-driver, element helpers, screenshots of the X display, and named steps that are counted.
// ./run starts tauri-driver and passes its port (DRIVER_PORT), the app (APP_BIN) and where
// screenshots go (SHOTS) in the environment.

import { execFileSync } from "node:child_process";
import { join } from "node:path";

const env = process.env;
const WD = `http://127.0.0.1:${env.DRIVER_PORT}`;
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
let session;
let passed = 0;
let failed = 0;

export async function wd(method, path, body) {
  if (env.DEBUG_WD) console.log(`> ${method} ${path}`);
  const res = await fetch(`${WD}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value)}`);
  return json.value;
}

/** A path inside the current session. */
export const s = (path) => `/session/${session}${path}`;

/** Starts the app in a new WebDriver session, with `args` on its command line. */
export async function startApp(args = []) {
  session = (
    await wd("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application: env.APP_BIN, args } } },
    })
  ).sessionId;
}

/** Ends the session, which closes the app. */
export async function endApp() {
  await wd("DELETE", s(""));
}

export async function find(css) {
  const found = await wd("POST", s("/element"), { using: "css selector", value: css });
  const id = found?.[ELEMENT];
  if (!id) throw new Error(`no element ${css}: ${JSON.stringify(found)}`);
  return id;
}

export async function textOf(css) {
  return wd("GET", s(`/element/${await find(css)}/text`));
}

export async function waitFor(css, { text, timeout = 20000 } = {}) {
  const until = Date.now() + timeout;
  let last = "";
  while (Date.now() < until) {
    try {
      const el = await find(css);
      last = await wd("GET", s(`/element/${el}/text`));
      if (!text || last.includes(text)) return el;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${css}${text ? ` containing “${text}”` : ""} (last text: “${last}”)`);
}

export async function type(css, value) {
  const el = await find(css);
  await wd("POST", s(`/element/${el}/clear`), {});
  await wd("POST", s(`/element/${el}/value`), { text: value });
}

// The window redraws when a file arrives, which can replace an element between finding it and
// clicking it: the click is then made on the new one, as a person's next click would be.
export async function click(css) {
  for (let attempt = 1; ; attempt++) {
    const el = await find(css);
    try {
      await wd("POST", s(`/element/${el}/click`), {});
      return;
    } catch (e) {
      if (attempt >= 5 || !String(e).includes("stale element reference")) throw e;
    }
  }
}

/** WebDriver's key codes for the keys the tests press. */
export const KEY = { ctrl: "\uE009", shift: "\uE008", tab: "\uE004", enter: "\uE007" };

/** Presses `key` while holding `modifiers` (KEY values), as a person on the keyboard does. */
export async function press(key, ...modifiers) {
  const down = (value) => ({ type: "keyDown", value });
  const up = (value) => ({ type: "keyUp", value });
  const actions = [...modifiers.map(down), down(key), up(key), ...modifiers.reverse().map(up)];
  await wd("POST", s("/actions"), { actions: [{ type: "key", id: "keyboard", actions }] });
  await wd("DELETE", s("/actions"));
}

export async function script(body, args = []) {
  return wd("POST", s("/execute/sync"), { script: body, args });
}

// The screen as a person sees it (the X display), not WebDriver's page capture, which hangs
// under Xvfb with WebKitGTK here.
export async function shot(name) {
  await new Promise((r) => setTimeout(r, 300)); // let the last change paint
  execFileSync("import", ["-display", env.DISPLAY, "-window", "root", join(env.SHOTS, `${name}.png`)]);
}

export async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ""}`);
    try {
      await shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-")}`);
    } catch {
      // no window to take a picture of
    }
  }
}

/** Runs `main`, then reports the steps and exits 1 if any failed. */
export function run(main) {
  main()
    .catch((e) => {
      failed++;
      console.log(`FAIL ${e.message}`);
    })
    .finally(() => {
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    });
}
