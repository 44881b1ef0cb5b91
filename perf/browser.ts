/** Debian's Chromium, headless, as the e2e tests launch it (never a downloaded browser). */
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium.config.ts";

export function launchChromium(executablePath = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/**
 * A fresh context for one part of the benchmark. Service workers are blocked:
 * the app's would precache the whole build in the background while we measure.
 */
export async function perfContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ serviceWorkers: "block", viewport: { width: 1280, height: 800 } });
  // tsx (esbuild keepNames) wraps functions passed to page.evaluate in __name().
  await context.addInitScript("globalThis.__name = (f) => f;");
  return context;
}
