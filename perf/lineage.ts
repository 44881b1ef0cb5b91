/**
 * Step lineage cost: perf/pages/lineage.html traces 8 candidates of 2,000
 * tokens through the app's lineage worker and counts the page's long tasks
 * meanwhile (PerformanceObserver "longtask"). Target: none over 100 ms.
 */
import type { Browser } from "@playwright/test";
import type { LineageBenchResult } from "./pages/hooks.ts";
import { perfContext } from "./browser.ts";

export async function perfLineage(browser: Browser, origin: string): Promise<LineageBenchResult> {
  const context = await perfContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/lineage.html`);
    await page.waitForFunction(() => window.__perfLineage !== undefined);
    return await page.evaluate(() => window.__perfLineage!);
  } finally {
    await context.close();
  }
}
