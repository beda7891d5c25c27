import { h } from "./dom";

describe("h", () => {
  it("builds elements with attributes, text and skips empty children", () => {
    const el = h("p", { class: "x", "data-id": "7" }, "a", null, false, h("b", {}, "b"));
    expect(el.outerHTML).toBe('<p class="x" data-id="7">a<b>b</b></p>');
  });

  it("wires event handlers", () => {
    let clicked = 0;
    const el = h("button", { onclick: () => clicked++ }, "go");
    el.click();
    expect(clicked).toBe(1);
  });
});
