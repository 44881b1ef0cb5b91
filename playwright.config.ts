import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.config";

/** Ports can be moved (E2E_PORT, E2E_MODEL_PORT) so two test runs can share a machine. */
const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * End-to-end tests run the built app (vite preview, with the cross-origin
 * isolation headers) in Debian's Chromium. Never download a browser here.
 */
export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "on-first-retry",
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    // The test model server stands in for a classroom server: its origin is allowed like one.
    // REFINERY_HARNESS adds the test-only harness page (e2e/hardening*.spec.ts) to this build only.
    // So is the test inference server (e2e/openai-server.ts), like a school's shared server.
    env: {
      REFINERY_MODEL_HOSTS: `http://127.0.0.1:${process.env.E2E_MODEL_PORT ?? 4180} http://127.0.0.1:${process.env.E2E_OPENAI_PORT ?? 4191}`,
      REFINERY_HARNESS: "1",
    },
    command: `npx vite build --logLevel warn --outDir ${process.env.E2E_OUT_DIR ?? "dist"} && npx vite preview --outDir ${process.env.E2E_OUT_DIR ?? "dist"} --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
