/** @vitest-environment happy-dom */
import { act, createElement } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HeaderMenu } from "./HeaderMenu";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

function render(collapsible: boolean) {
  act(() =>
    root.render(
      createElement(HeaderMenu, { collapsible }, createElement("button", { type: "button", id: "item" }, "Models"), createElement("dialog", { id: "help" })),
    ),
  );
}
const toggle = () => container.querySelector<HTMLButtonElement>("[data-testid='header.menu']");
const items = () => container.querySelector<HTMLElement>(".header-menu-items")!;

describe("HeaderMenu", () => {
  it("on a wide screen shows its controls with no Menu button", () => {
    render(false);
    expect(toggle()).toBeNull();
    expect(items().hasAttribute("data-collapsed")).toBe(false);
    expect(items().querySelector("#item")).not.toBeNull();
  });

  it("on a narrow screen folds the controls (still mounted) behind a Menu button that opens and closes", () => {
    render(true);
    const button = toggle()!;
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(button.getAttribute("aria-controls")).toBe(items().id);
    expect(items().hasAttribute("data-collapsed")).toBe(true);
    expect(items().querySelector("#item")).not.toBeNull(); // hidden by CSS, not unmounted
    act(() => button.click());
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(items().hasAttribute("data-collapsed")).toBe(false);
    act(() => button.click());
    expect(items().hasAttribute("data-collapsed")).toBe(true);
  });

  it("Escape inside the open menu closes it and returns focus to the Menu button", () => {
    render(true);
    act(() => toggle()!.click());
    const item = items().querySelector<HTMLButtonElement>("#item")!;
    item.focus();
    act(() => {
      item.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    });
    expect(items().hasAttribute("data-collapsed")).toBe(true);
    expect(document.activeElement).toBe(toggle());
  });

  it("unfolds when the screen becomes wide", () => {
    render(true);
    render(false);
    expect(toggle()).toBeNull();
    expect(items().hasAttribute("data-collapsed")).toBe(false);
  });
});
