import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { contentSecurityPolicy } from "./csp.config.ts";

/**
 * REFINERY_HARNESS=1 (set by playwright.config.ts) adds the test-only page
 * harness/index.html (the real app on a scripted engine) to the build. Without
 * it the page and its test double are not built, so they never ship.
 */
const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const harnessInput =
  process.env.REFINERY_HARNESS === "1"
    ? { rollupOptions: { input: { index: page("./index.html"), harness: page("./harness/index.html") } } }
    : {};

/**
 * Cross-origin isolation lets wllama use SharedArrayBuffer and run llama.cpp
 * on several threads. Deployments must send the same two headers (README).
 */
const isolationHeaders = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export default defineConfig({
  plugins: [
    react(),
    // Offline app: the shell, wllama's wasm and the problem bank are precached at the
    // first visit. Models are cached by the engines themselves (Cache Storage).
    VitePWA({
      registerType: "prompt",
      injectRegister: null,
      manifest: {
        name: "Refinery — self-refinement on your device",
        short_name: "Refinery",
        description: "Generative Self-Refinement of math solutions with a small LLM that runs entirely on your device.",
        theme_color: "#2457c5",
        background_color: "#f7f7f5",
        display: "standalone",
        icons: [{ src: "icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" }],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,wasm,woff2,svg,jsonl,md}"],
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: "index.html",
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  server: { headers: isolationHeaders },
  // The dev server has no CSP: Vite's hot reload needs inline scripts.
  preview: { headers: { ...isolationHeaders, "Content-Security-Policy": contentSecurityPolicy() } },
  worker: { format: "es" },
  // Fonts stay files: the CSP's font-src is 'self', so an inlined data: font (KaTeX_Size3) is blocked.
  build: { target: "es2022", chunkSizeWarningLimit: 4096, assetsInlineLimit: (file) => (/\.(woff2?|ttf)$/.test(file) ? false : undefined), ...harnessInput },
  optimizeDeps: { exclude: ["@wllama/wllama"] },
});
