// The states every screen that loads something goes through: loading, error, empty, data.

import { errorMessage } from "./api";
import { clear, h } from "./dom";
import { t } from "./i18n";

// The newest load of each element: an older one that answers later is not drawn over it.
const latest = new WeakMap<HTMLElement, number>();
let loads = 0;

/**
 * Loads with `fetch` into `el`: "loading" while there is nothing to show yet (what is shown stays
 * until the new data is there), then the data drawn by `draw`, the `empty` sentence when there is
 * none, or the error with a button to try again. Answers the data, or null after an error or
 * when a newer load of `el` started meanwhile (its answer is the one shown).
 */
export async function loadInto<T>(
  el: HTMLElement,
  fetch: () => Promise<T[]>,
  draw: (data: T[]) => Node,
  empty: string,
): Promise<T[] | null> {
  if (!el.firstChild) el.append(h("p", { class: "muted loading" }, t("loading")));
  const me = ++loads;
  latest.set(el, me);
  const stale = () => latest.get(el) !== me;
  try {
    const data = await fetch();
    if (stale()) return null;
    clear(el);
    el.append(data.length ? draw(data) : h("p", { class: "muted empty" }, empty));
    return data;
  } catch (e) {
    if (stale()) return null;
    clear(el);
    el.append(
      h(
        "div",
        { class: "message error", role: "alert" },
        errorMessage(e),
        " ",
        h("button", { class: "link retry", onclick: () => void loadInto(el, fetch, draw, empty) }, t("retry")),
      ),
    );
    return null;
  }
}
