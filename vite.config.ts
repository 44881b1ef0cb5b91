import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

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
  plugins: [react()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: "es" },
  build: { target: "es2022", chunkSizeWarningLimit: 4096 },
  optimizeDeps: { exclude: ["@wllama/wllama"] },
});
