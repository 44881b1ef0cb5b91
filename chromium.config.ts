/**
 * How the tests, benchmarks and scripts launch Chromium: Debian's own
 * (`apt-get install chromium`), never a downloaded browser, headless, with the
 * browser's background traffic off so nothing but the page reaches the network.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
