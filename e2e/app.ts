/** Page object for Refinery: every selector goes through the stable test ids of DESIGN §5. */
import { expect, type Locator, type Page } from "@playwright/test";

export class RefineryPage {
  constructor(readonly page: Page) {}

  byId(id: string): Locator {
    return this.page.getByTestId(id);
  }
  candidate(i: number): Locator {
    return this.byId(`candidate.${i}`);
  }
  get refined(): Locator {
    return this.byId("refined.solution");
  }
  get banner(): Locator {
    return this.byId("error.banner");
  }

  async open(query = ""): Promise<void> {
    await this.page.goto(`/${query}`);
    await expect(this.byId("run.start")).toBeVisible();
  }

  async loadUrl(url: string): Promise<void> {
    await this.byId("model.select").selectOption("__url");
    await this.byId("model.url").fill(url);
    await this.byId("model.load").click();
  }

  async loadFile(path: string): Promise<void> {
    await this.byId("model.select").selectOption("__file");
    await this.byId("model.file").setInputFiles(path);
    await this.byId("model.load").click();
  }

  async expectReady(): Promise<void> {
    await expect(this.byId("model.status")).toContainText("Ready", { timeout: 60_000 });
  }

  async setSetting(name: "n" | "temperature" | "topP" | "maxTokens" | "seed", value: number): Promise<void> {
    const input = this.byId(`settings.${name}`);
    await input.fill(String(value));
    await input.blur();
  }

  async run(problem: string): Promise<void> {
    await this.byId("problem.input").fill(problem);
    await this.byId("run.start").click();
  }

  async expectRunFinished(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await expect(this.candidate(i)).toHaveAttribute("data-status", "done", { timeout: 90_000 });
    await expect(this.refined).toHaveAttribute("data-status", "done", { timeout: 90_000 });
  }

  /**
   * The rendered text of a panel's solution, all of it: blocks scrolled out of
   * view skip rendering (content-visibility: auto) and so have no innerText.
   */
  async solutionText(panel: Locator): Promise<string> {
    await renderOffscreenBlocks(this.page);
    return panel.locator(".solution").innerText();
  }

  /**
   * Records, inside the page, when each candidate panel first shows text and when
   * it is first marked done, so concurrency is judged by the page's own clock.
   */
  async recordCandidateTimeline(): Promise<void> {
    await this.page.evaluate(() => {
      const w = window as unknown as { __timeline: Record<string, { firstText?: number; done?: number }> };
      w.__timeline = {};
      const scan = () => {
        document.querySelectorAll<HTMLElement>("[data-testid^='candidate.']").forEach((el) => {
          const id = el.dataset.testid!;
          if (!/^candidate\.\d+$/.test(id)) return;
          const entry = (w.__timeline[id] ??= {});
          const text = el.querySelector(".solution")?.textContent ?? "";
          if (entry.firstText === undefined && text.trim().length > 0 && el.dataset.status === "streaming") entry.firstText = performance.now();
          if (entry.done === undefined && el.dataset.status === "done") entry.done = performance.now();
        });
      };
      new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
  }

  /** Side by side at the same time: every one of the n panels showed text before any finished (needs recordCandidateTimeline). */
  async expectStreamedTogether(n: number): Promise<void> {
    const timeline = await this.timeline();
    const indexes = Array.from({ length: n }, (_, i) => i);
    const firsts = indexes.map((i) => timeline[`candidate.${i}`]?.firstText ?? Infinity);
    const dones = indexes.map((i) => timeline[`candidate.${i}`]?.done ?? -Infinity);
    expect(Math.max(...firsts), "every panel streamed before any finished").toBeLessThan(Math.min(...dones));
  }

  timeline(): Promise<Record<string, { firstText?: number; done?: number }>> {
    return this.page.evaluate(() => (window as unknown as { __timeline: Record<string, { firstText?: number; done?: number }> }).__timeline);
  }
}

/**
 * Renders the solution blocks that are out of view, as scrolling to them would,
 * so `innerText` sees all rendered text. A test-only style; idempotent.
 */
export async function renderOffscreenBlocks(page: Page): Promise<void> {
  await page.evaluate(() => {
    if (document.getElementById("e2e-render-all")) return;
    const style = document.createElement("style");
    style.id = "e2e-render-all";
    style.textContent = ".math-markdown > * { content-visibility: visible !important; }";
    document.head.append(style);
  });
}
