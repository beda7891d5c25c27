// The states every screen that loads something goes through: loading, error, empty, data.

import { errorMessage } from "./api";
import { clear, h } from "./dom";
import { t } from "./i18n";

/**
 * Loads with `fetch` into `el`: "loading" while there is nothing to show yet (what is shown stays
 * until the new data is there), then the data drawn by `draw`, the `empty` sentence when there is
 * none, or the error with a button to try again. Answers the data, or null after an error.
 */
export async function loadInto<T>(
  el: HTMLElement,
  fetch: () => Promise<T[]>,
  draw: (data: T[]) => Node,
  empty: string,
): Promise<T[] | null> {
  if (!el.firstChild) el.append(h("p", { class: "muted loading" }, t("loading")));
  try {
    const data = await fetch();
    clear(el);
    el.append(data.length ? draw(data) : h("p", { class: "muted empty" }, empty));
    return data;
  } catch (e) {
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
