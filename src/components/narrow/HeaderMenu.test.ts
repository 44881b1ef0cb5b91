/** @vitest-environment happy-dom */
import { act, createElement } from "react";
import { describe, expect, it } from "vitest";
import { rootPerTest } from "../testing/testRoot";
import { HeaderMenu } from "./HeaderMenu";

const testRoot = rootPerTest();

function render(collapsible: boolean) {
  testRoot.render(
    createElement(HeaderMenu, { collapsible }, createElement("button", { type: "button", id: "item" }, "Models"), createElement("dialog", { id: "help" })),
  );
}
const toggle = () => testRoot.container.querySelector<HTMLButtonElement>("[data-testid='header.menu']");
const items = () => testRoot.container.querySelector<HTMLElement>(".header-menu-items")!;

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
