/**
 * Phones and tablets (issue 18): touch-enabled Chromium at 360×740 and 768×1024.
 * One real GSR run per viewport (wllama, the generated tiny model), then on it:
 * no horizontal overflow (both themes, projector mode, other widths), every control
 * reachable and at least 44 px, candidate switching by tap and by swipe, the vote
 * and refined solution one tap away, axe clean. A second test uses the scripted
 * harness for what the tiny model cannot write: long formulas, slow streams.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { RefineryPage, renderOffscreenBlocks } from "./app";
import { HarnessPage } from "./fixtures/harness";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const PROBLEM = "What is 17 + 25?";

/**
 * No horizontal overflow. A mobile browser zooms out to fit a page wider than the screen,
 * which widens innerWidth with it, so the layout viewport must also still be the screen's width.
 */
async function expectNoOverflow(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(innerWidth, `${label}: page zoomed out to fit`).toBe(page.viewportSize()!.width);
  expect(scrollWidth, `${label}: page wider than the screen`).toBeLessThanOrEqual(innerWidth);
}

async function expectAxeClean(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${label}: ${v.id} (${v.nodes.length}) ${v.help}`)).toEqual([]);
}

/**
 * A one-finger horizontal swipe across the middle of `target` (10% to 60% of its width), as a touch screen sends it
 * (CDP touch events). The finger rests before it lifts, as a deliberate swipe does: a fast
 * release starts a fling, and the browser spends the next tap on stopping the fling.
 */
async function swipe(page: Page, target: Locator, direction: "left" | "right"): Promise<void> {
  await target.evaluate((el) => el.scrollIntoView({ block: "center" }));
  const box = (await target.boundingBox())!;
  const y = Math.min(box.y + box.height / 2, page.viewportSize()!.height - 20);
  const cdp = await page.context().newCDPSession(page);
  const [from, to] = direction === "left" ? [box.x + box.width * 0.6, box.x + box.width * 0.1] : [box.x + box.width * 0.1, box.x + box.width * 0.6];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: from, y }] });
  for (let step = 1; step <= 6; step++) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: from + ((to - from) * step) / 6, y: y + step }] });
  }
  await page.waitForTimeout(200);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: to, y: y + 6 }] });
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await cdp.detach();
}

/**
 * Every visible control can be reached: inside the screen's width once scrolled to,
 * not covered by anything (a trial click hit-tests it), and at least 44×44 px
 * (a checkbox through its label; links inside running text are exempt, as in WCAG).
 */
async function expectControlsReachable(page: Page, label: string): Promise<void> {
  const controls = page.locator("button, select, input:not([type='file']), textarea, summary, a[href]:not(.math-markdown a)").filter({ visible: true });
  const count = await controls.count();
  expect(count).toBeGreaterThan(10);
  for (let i = 0; i < count; i++) {
    const control = controls.nth(i);
    await control.scrollIntoViewIfNeeded();
    const box = await control.evaluate((el) => {
      const target = el instanceof HTMLInputElement && el.type === "checkbox" ? (el.closest("label") ?? el) : el;
      const r = target.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width, height: r.height, what: el.outerHTML.slice(0, 80) };
    });
    const viewport = page.viewportSize()!;
    expect(box.left, `${label}: ${box.what} starts off screen`).toBeGreaterThanOrEqual(0);
    expect(box.right, `${label}: ${box.what} ends off screen`).toBeLessThanOrEqual(viewport.width);
    expect(Math.min(box.width, box.height), `${label}: ${box.what} is under 44 px`).toBeGreaterThanOrEqual(44);
    if (await control.isEnabled()) await control.click({ trial: true, timeout: 10_000 });
  }
}

/** Records, in the page, whether a strip mini-panel ever showed streamed text while its candidate streamed. */
async function recordStripStreaming(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __stripTails: number };
    w.__stripTails = 0;
    new MutationObserver(() => {
      const tails = document.querySelectorAll(".mini-panel[data-status='streaming'] .mini-tail");
      if ([...tails].some((t) => (t.textContent ?? "").length > 0)) w.__stripTails++;
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

for (const viewport of [
  { width: 360, height: 740 },
  { width: 768, height: 1024 },
]) {
  test.describe(`${viewport.width}×${viewport.height}, touch`, () => {
    test.use({ viewport, hasTouch: true, isMobile: true });

    test("a GSR run: strip of candidates, tap and swipe switching, no overflow, reachable controls, axe clean", async ({ page }) => {
      const app = new RefineryPage(page);
      await app.open();
      await expectNoOverflow(page, "start");

      // The header's controls fold into a menu that opens and closes.
      const menu = app.byId("header.menu");
      await expect(menu).toBeVisible();
      await expect(app.byId("models.open")).toBeHidden();
      await menu.tap();
      await expect(menu).toHaveAttribute("aria-expanded", "true");
      for (const id of ["models.open", "bench.open", "view.theme", "view.projector", "view.help"]) await expect(app.byId(id)).toBeVisible();
      await expectNoOverflow(page, "menu open");
      await menu.tap();
      await expect(app.byId("view.projector")).toBeHidden();
      // Folded controls keep working: `?` still opens the shortcuts help.
      await page.keyboard.press("?");
      await expect(app.byId("help.dialog")).toBeVisible();
      await app.byId("help.dialog").getByRole("button", { name: "Close" }).tap();
      await expect(app.byId("help.dialog")).toBeHidden();

      await app.loadUrl(TINY_URL);
      await app.expectReady();
      await app.setSetting("temperature", 0.9);
      await recordStripStreaming(page);
      await app.run(PROBLEM);
      await app.expectRunFinished(4);
      expect(await page.evaluate(() => (window as unknown as { __stripTails: number }).__stripTails), "the strip showed the live stream").toBeGreaterThan(0);

      // The strip: one mini-panel per candidate with its status and answer; candidate 0 read in full.
      const strip = app.byId("candidates.strip");
      await expect(strip).toBeVisible();
      await expect(strip.getByRole("tab")).toHaveCount(4);
      for (let i = 0; i < 4; i++) {
        await expect(app.byId(`candidate.${i}.tab`)).toHaveAttribute("data-status", "done");
        const answer = await app.byId(`candidate.${i}.answer`).getAttribute("data-answer");
        await expect(app.byId(`candidate.${i}.tab.answer`)).toContainText(answer!);
        await expect(app.byId(`candidate.${i}.tab`)).toContainText("tok");
      }
      const shown = async () => {
        const visible: number[] = [];
        for (let i = 0; i < 4; i++) if (await app.candidate(i).isVisible()) visible.push(i);
        return visible;
      };
      expect(await shown()).toEqual([0]);

      // Tap switches.
      await app.byId("candidate.2.tab").tap();
      await expect(app.candidate(2)).toBeVisible();
      expect(await shown()).toEqual([2]);
      await expect(app.byId("candidate.2.tab")).toHaveAttribute("aria-selected", "true");

      // Swipe left: the next candidate; swipe right: back. The strip stays in view. (A swipe
      // that starts on a display formula is the formula's: it scrolls sideways on its own.)
      await swipe(page, app.candidate(2).locator(".panel-header"), "left");
      await expect(app.candidate(3)).toBeVisible();
      expect(await shown()).toEqual([3]);
      await expect(strip).toBeInViewport();
      await swipe(page, app.candidate(3).locator(".panel-header"), "right");
      await expect(app.candidate(2)).toBeVisible();
      expect(await shown()).toEqual([2]);
      // And the keyboard, as ARIA tabs: arrows move the choice and the focus.
      await app.byId("candidate.2.tab").focus();
      await page.keyboard.press("ArrowRight");
      await expect(app.byId("candidate.3.tab")).toBeFocused();
      expect(await shown()).toEqual([3]);
      await page.keyboard.press("ArrowLeft");
      await expect(app.candidate(2)).toBeVisible();

      // The vote and the refined solution, one tap from the strip.
      await app.byId("candidates.jump.vote").tap();
      await expect(app.byId("vote.summary")).toBeInViewport();
      await app.candidate(2).scrollIntoViewIfNeeded();
      await app.byId("candidates.jump.refined").tap();
      await expect(app.refined).toBeInViewport();

      // No overflow and every control reachable, menu open, in both themes and projector mode.
      await menu.tap();
      await expectNoOverflow(page, "after the run");
      await expectControlsReachable(page, "after the run");
      await expectAxeClean(page, "after the run");
      for (const theme of ["dark", "light"]) {
        await app.byId("view.theme").selectOption(theme);
        await expectNoOverflow(page, `${theme} theme`);
      }
      await expectAxeClean(page, "light theme");
      await app.byId("view.projector").tap();
      await expect(page.locator("html")).toHaveAttribute("data-projector", "");
      await expectNoOverflow(page, "projector");
      await expectAxeClean(page, "projector");
      await app.byId("view.projector").tap();

      // The models manager and benchmark pages fit too.
      await app.byId("models.open").tap();
      await app.byId("bench.open").tap();
      await expect(app.byId("models.list")).toBeVisible();
      await expectNoOverflow(page, "models and benchmark open");

      // The other widths of the issue, same page.
      for (const width of [390, 1024]) {
        await page.setViewportSize({ width, height: viewport.height });
        await expectNoOverflow(page, `${width} px`);
      }
      // From 900 px on, the side-by-side grid and the header row are back.
      await expect(strip).toHaveCount(0);
      await expect(menu).toHaveCount(0);
      expect(await shown()).toEqual([0, 1, 2, 3]);
      await expect(app.byId("view.projector")).toBeVisible();
    });
  });
}

test.describe("360×740, touch, scripted engine", () => {
  test.use({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });

  test("long formulas scroll in their own box; streaming stays visible in the strip; reduced motion stops the live dot", async ({ page }) => {
    const app = new HarnessPage(page);
    await page.emulateMedia({ reducedMotion: "no-preference" });
    await app.open();
    // A fraction cannot break across lines, so inline it must scroll; displayed, the whole line does.
    const wide = "\\frac{1+2+3+4+5+6+7+8+9+10+11+12+13+14+15+16+17+18+19+20+21+22+23+24+25}{(k+1)(k+2)(k+3)(k+4)}";
    const text = `Inline: $${wide}$ and then display:\n\n$$${wide} = \\sum_{k=1}^{100} k^2$$\n\n${"Some words to stream slowly. ".repeat(40)}\n\n$\\boxed{42}$`;
    await app.script({ candidates: [text], refined: text, chunkChars: 4, chunksPerTick: 1, tickMs: 40 });
    await app.loadScripted();
    await app.setSetting("n", 3);
    await app.run(PROBLEM);

    // While the candidates stream, the strip shows their last words and a pulsing dot.
    await expect(app.byId("candidate.1.tab")).toHaveAttribute("data-status", "streaming");
    await expect(app.byId("candidate.1.tab.tail")).not.toBeEmpty();
    const dotAnimation = () => app.byId("candidate.1.tab").locator(".mini-status").evaluate((el) => getComputedStyle(el, "::before").animationName);
    expect(await dotAnimation()).toBe("refinery-live-pulse");
    await page.emulateMedia({ reducedMotion: "reduce" });
    expect(await dotAnimation()).toBe("none");

    await app.expectRunFinished(3);
    // A swipe that starts on a formula wider than the screen scrolls the formula, not the candidates.
    await swipe(page, app.candidate(0).locator(".katex-display").first(), "left");
    await expect(app.byId("candidate.0.tab")).toHaveAttribute("aria-selected", "true");
    await expect(app.candidate(0)).toBeVisible();
    await expectNoOverflow(page, "long formulas");
    await renderOffscreenBlocks(page); // blocks out of view skip layout and would measure as empty
    // Each wide formula scrolls inside its own box, in the candidate and in the refined solution.
    for (const panel of [app.candidate(0), app.refined]) {
      for (const box of [panel.locator(".katex-display").first(), panel.locator("p .katex").first()]) {
        const { scrollWidth, clientWidth } = await box.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
        expect(scrollWidth).toBeGreaterThan(clientWidth);
      }
      // A short boxed answer fits its box: no stray sideways scroll.
      const boxed = await panel.locator("p .katex").last().evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(boxed).toBeLessThanOrEqual(0);
    }
  });
});
