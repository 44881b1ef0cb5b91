/**
 * Vite config of the perf pages (perf/pages/*.html): the app's own config (same
 * plugins, worker format and cross-origin isolation headers) with bench/ as the
 * root, so none of it reaches the app's build. The generated models in models/
 * are served at /models/ on the same origin. The app's service worker is built
 * too (the components register it) but perf/*.ts blocks service workers, so
 * no background precaching runs while it measures.
 *
 *   npx vite --config vite.perf.config.ts           # dev: /app.html, /ui.html, /raw.html
 *   npm run bench                                   # builds, serves and measures (perf/main.ts)
 */
import { createReadStream, statSync } from "node:fs";
import type { ServerResponse, IncomingMessage } from "node:http";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig, type Plugin } from "vite";
import appConfig from "./vite.config.ts";

const repo = fileURLToPath(new URL(".", import.meta.url));
export const PERF_OUT_DIR = join(repo, "node_modules/.cache/refinery-perf/pages");
const isolationHeaders = appConfig.preview?.headers ?? {};

function serveModel(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const name = basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const file = join(repo, "models", name);
  const size = name.endsWith(".gguf") ? statSync(file, { throwIfNoEntry: false })?.size : undefined;
  if (size === undefined) return next();
  for (const [key, value] of Object.entries(isolationHeaders)) if (value !== undefined) res.setHeader(key, value);
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(size) });
  if (req.method === "HEAD") return void res.end();
  createReadStream(file).pipe(res);
}

const models: Plugin = {
  name: "refinery-perf-models",
  configureServer: (server) => void server.middlewares.use("/models", serveModel),
  configurePreviewServer: (server) => void server.middlewares.use("/models", serveModel),
};

export default mergeConfig(
  appConfig,
  defineConfig({
    root: join(repo, "perf/pages"),
    publicDir: join(repo, "public"),
    appType: "mpa",
    plugins: [models],
    build: {
      outDir: PERF_OUT_DIR,
      emptyOutDir: true,
      rollupOptions: {
        input: {
          app: join(repo, "perf/pages/app.html"),
          ui: join(repo, "perf/pages/ui.html"),
          raw: join(repo, "perf/pages/raw.html"),
          lineage: join(repo, "perf/pages/lineage.html"),
          remote: join(repo, "perf/pages/remote.html"),
        },
      },
    },
  }),
);
