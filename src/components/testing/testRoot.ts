/**
 * A fresh React root in the (happy-dom) document for every test of a file,
 * unmounted and removed after it — the set-up each component test needs.
 * Call once at the top level of a test file.
 */
import { act, type ReactElement } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach } from "vitest";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface TestRoot {
  /** The element the current test renders into. */
  readonly container: HTMLElement;
  /** Renders (or re-renders) inside `act`, so effects have run when it returns. */
  render(element: ReactElement): void;
}

export function rootPerTest(): TestRoot {
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
  return {
    get container() {
      return container;
    },
    render: (element) => act(() => root.render(element)),
  };
}
