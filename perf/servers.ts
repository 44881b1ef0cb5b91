/**
 * Builds what the benchmark measures and serves it with `vite preview` (so with
 * the cross-origin isolation headers of vite.config.ts):
 * - the app as users get it (vite.config.ts, with a build manifest) for the load figures;
 * - the perf pages (vite.perf.config.ts: perf/pages/*.html), which also serve models/.
 * Both go under node_modules/.cache/refinery-perf, never into dist/.
 */
import { join } from "node:path";
import { build, preview, type PreviewServer } from "vite";
import { PERF_OUT_DIR } from "../vite.perf.config.ts";

export interface Served {
  origin: string;
  outDir: string;
  close(): Promise<void>;
}

export function cacheDir(repo: string): string {
  return join(repo, "node_modules/.cache/refinery-perf");
}

export async function buildApp(repo: string): Promise<string> {
  const outDir = join(cacheDir(repo), "app");
  await build({
    root: repo,
    configFile: join(repo, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, manifest: true },
  });
  return outDir;
}

export async function buildBenchPages(repo: string): Promise<string> {
  await build({ configFile: join(repo, "vite.perf.config.ts"), logLevel: "warn" });
  return PERF_OUT_DIR;
}

async function serve(configFile: string, outDir: string, port: number): Promise<Served> {
  const server: PreviewServer = await preview({
    configFile,
    logLevel: "warn",
    build: { outDir },
    preview: { port, strictPort: false, host: "127.0.0.1", open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error(`vite preview for ${outDir} did not report its URL`);
  return {
    origin: new URL(url).origin,
    outDir,
    close: () => server.close(),
  };
}

export function serveApp(repo: string, outDir: string, port: number): Promise<Served> {
  return serve(join(repo, "vite.config.ts"), outDir, port);
}

export function serveBenchPages(repo: string, outDir: string, port: number): Promise<Served> {
  return serve(join(repo, "vite.perf.config.ts"), outDir, port);
}
