/** @vitest-environment happy-dom */
import { act, createElement } from "react";
import { describe, expect, it, vi } from "vitest";

import type { SavedRunSummary } from "../history/types.ts";
import { HistoryPanel, type HistoryPanelProps } from "./HistoryPanel.tsx";
import { ImportExport, type ImportExportProps } from "./ImportExport.tsx";
import { rootPerTest } from "./testing/testRoot.ts";

const testRoot = rootPerTest();

const byTestId = (id: string) => testRoot.container.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`);
const click = (el: Element | null | undefined) => act(() => (el as HTMLElement).click());

function summary(n: number, overrides: Partial<SavedRunSummary> = {}): SavedRunSummary {
  return {
    id: `00000000-0000-4000-8000-00000000000${n}`,
    createdAt: Date.UTC(2026, 4, n),
    updatedAt: Date.UTC(2026, 4, n),
    status: "complete",
    problemExcerpt: `Problem number ${n}`,
    problemRef: null,
    n: 4,
    engine: "wllama",
    model: "Tiny",
    majorityAnswer: "18",
    majorityCorrect: true,
    refinedAnswer: "18",
    refinedCorrect: true,
    ...overrides,
  };
}

function panel(runs: SavedRunSummary[]) {
  const props: HistoryPanelProps = {
    runs,
    onOpen: vi.fn(),
    onDelete: vi.fn(),
    onRerun: vi.fn(),
    onSearch: vi.fn(),
    onExportAll: vi.fn(),
    onDeleteAll: vi.fn(),
  };
  testRoot.render(createElement(HistoryPanel, props));
  return props;
}

describe("HistoryPanel", () => {
  it("lists runs with status, N, answer, verdict and an incomplete badge", () => {
    panel([
      summary(2),
      summary(1, { status: "incomplete", refinedAnswer: null, refinedCorrect: null }),
    ]);
    const items = byTestId("history.item");
    expect(byTestId("history.list")).toHaveLength(1);
    expect([...items].map((i) => i.dataset.status)).toEqual(["complete", "incomplete"]);
    expect(items[0]!.textContent).toContain("Problem number 2");
    expect(items[0]!.textContent).toContain("N = 4");
    expect(items[0]!.querySelector('[data-testid="history.item.verdict"]')?.textContent).toBe(
      "✓ correct",
    );
    expect(items[1]!.querySelector('[data-testid="history.item.incomplete"]')?.textContent).toBe(
      "incomplete",
    );
    expect(items[1]!.querySelector('[data-testid="history.item.answer"]')?.textContent).toContain(
      "none",
    );
  });

  it("calls back with the run's id from Open, Re-run and Delete", () => {
    const props = panel([summary(1), summary(2)]);
    const second = byTestId("history.item")[1]!;
    click(second.querySelector('[data-testid="history.item.open"]'));
    click(second.querySelector('[data-testid="history.item.rerun"]'));
    click(second.querySelector('[data-testid="history.item.delete"]'));
    const id = summary(2).id;
    expect(props.onOpen).toHaveBeenCalledWith(id);
    expect(props.onRerun).toHaveBeenCalledWith(id);
    expect(props.onDelete).toHaveBeenCalledWith(id);
  });

  it("asks before deleting everything", () => {
    const props = panel([summary(1)]);
    click(byTestId("history.deleteAll")[0]);
    expect(props.onDeleteAll).not.toHaveBeenCalled();
    click(byTestId("history.deleteAll.cancel")[0]);
    expect(props.onDeleteAll).not.toHaveBeenCalled();
    click(byTestId("history.deleteAll")[0]);
    click(byTestId("history.deleteAll.confirm")[0]);
    expect(props.onDeleteAll).toHaveBeenCalledOnce();
  });

  it("shows problem text as text, never as markup", () => {
    panel([summary(1, { problemExcerpt: "<img src=x onerror=alert(1)>" })]);
    expect(testRoot.container.querySelector("img")).toBeNull();
    expect(byTestId("history.item")[0]!.textContent).toContain("<img src=x onerror=alert(1)>");
  });

  it("says when there is nothing to show", () => {
    panel([]);
    expect(byTestId("history.list")).toHaveLength(0);
    expect(byTestId("history.empty")[0]?.textContent).toMatch(/No saved runs yet/);
  });
});

function importExport(onImport: ImportExportProps["onImport"]) {
  const props: ImportExportProps = { onImport, onExportAll: vi.fn(), onExportRun: vi.fn() };
  testRoot.render(createElement(ImportExport, props));
  return props;
}

async function chooseFile(file: File) {
  const input = byTestId("session.import")[0] as HTMLInputElement;
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  await act(async () => {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

describe("ImportExport", () => {
  it("accepts .json files and exports through its buttons", () => {
    const props = importExport(vi.fn());
    expect(byTestId("session.import")[0]?.getAttribute("accept")).toContain(".json");
    click(byTestId("session.export")[0]);
    click(byTestId("session.exportRun")[0]);
    expect(props.onExportAll).toHaveBeenCalledOnce();
    expect(props.onExportRun).toHaveBeenCalledOnce();
    expect(byTestId("session.exportMarkdown")).toHaveLength(0);
  });

  it("shows the import error as an alert", async () => {
    const onImport = vi.fn(
      async () => "runs[3].candidates[0].text: too long (max 200000 characters)",
    );
    importExport(onImport);
    const file = new File(["{}"], "bad.json", { type: "application/json" });
    await chooseFile(file);
    expect(onImport).toHaveBeenCalledWith(file);
    const alert = testRoot.container.querySelector('[role="alert"]');
    expect(alert?.textContent).toBe(
      "Import failed: runs[3].candidates[0].text: too long (max 200000 characters)",
    );
  });

  it("shows how many runs came in", async () => {
    importExport(async () => ({ imported: 3, renamed: 1 }));
    await chooseFile(new File(["{}"], "good.json"));
    expect(byTestId("session.import.result")[0]?.textContent).toBe(
      "Imported 3 runs. 1 run already in history was added as a copy.",
    );
    expect(testRoot.container.querySelector('[role="alert"]')).toBeNull();
  });
});
