/**
 * Load figures: the gzip size of every JavaScript file of the app's production
 * build, and which of them the page loads before the user does anything.
 *
 * "initial" = the entry chunk of index.html plus its static imports (the
 * build manifest's `imports` closure; Vite emits exactly these as the entry
 * script and its modulepreloads). The page is also opened in Chromium, and
 * every script it fetches while idle (workers included) is listed as
 * "startup", so JavaScript loaded at start outside the import graph shows too.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "@playwright/test";

export type ChunkClass = "initial" | "startup" | "lazy" | "service-worker";

export interface Chunk {
  file: string;
  bytes: number;
  gzipBytes: number;
  kind: ChunkClass;
}

export interface LoadResult {
  chunks: Chunk[];
  initialGzipKb: number;
  startupGzipKb: number;
  totalGzipKb: number;
  /** Scripts the idle page fetched (paths relative to the build). */
  fetchedAtStartup: string[];
  /** Entry + modulepreloads named in the built index.html. */
  indexHtmlScripts: string[];
}

interface ManifestEntry {
  file: string;
  isEntry?: boolean;
  src?: string;
  imports?: string[];
  dynamicImports?: string[];
}

/** Files of the entry's static import closure, per the Vite build manifest. */
export function staticClosure(manifest: Record<string, ManifestEntry>, entryKey: string): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = manifest[key];
    if (!entry) return;
    files.push(entry.file);
    for (const imported of entry.imports ?? []) visit(imported);
  };
  visit(entryKey);
  return files;
}

/** Script and modulepreload URLs in an HTML file. */
export function htmlScripts(html: string): string[] {
  const urls: string[] = [];
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) urls.push(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) urls.push(m[1]!);
  return urls.map((u) => u.replace(/^\//, ""));
}

function jsFiles(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === ".vite" ? [] : jsFiles(path, root);
    return name.endsWith(".js") || name.endsWith(".mjs") ? [relative(root, path)] : [];
  });
}

/** Scripts (page and worker) the app fetches after load while nobody touches it. */
async function observeStartup(browser: Browser, origin: string, idleMs: number): Promise<string[]> {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const fetched = new Set<string>();
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && /\.m?js$/.test(url.pathname)) fetched.add(url.pathname.replace(/^\//, ""));
  });
  try {
    const page = await context.newPage();
    page.on("worker", (worker) => {
      const url = new URL(worker.url());
      if (url.origin === origin) fetched.add(url.pathname.replace(/^\//, ""));
    });
    await page.goto(origin + "/", { waitUntil: "networkidle" });
    await page.waitForTimeout(idleMs);
  } finally {
    await context.close();
  }
  return [...fetched];
}

export async function measureLoad(browser: Browser, outDir: string, origin: string): Promise<LoadResult> {
  const manifest = JSON.parse(readFileSync(join(outDir, ".vite/manifest.json"), "utf8")) as Record<string, ManifestEntry>;
  const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry && k.endsWith("index.html"));
  if (!entryKey) throw new Error("The build manifest has no index.html entry.");
  const initial = new Set(staticClosure(manifest, entryKey));
  const indexHtmlScripts = htmlScripts(readFileSync(join(outDir, "index.html"), "utf8"));
  for (const s of indexHtmlScripts) if (s.endsWith(".js") && !initial.has(s)) initial.add(s);
  const fetchedAtStartup = await observeStartup(browser, origin, 3000);
  const serviceWorker = (file: string) => file === "sw.js" || /^workbox-[\w-]+\.js$/.test(file) || file === "registerSW.js";

  const chunks: Chunk[] = jsFiles(outDir).map((file) => {
    const bytes = readFileSync(join(outDir, file));
    const kind: ChunkClass = initial.has(file)
      ? "initial"
      : serviceWorker(file)
        ? "service-worker"
        : fetchedAtStartup.includes(file)
          ? "startup"
          : "lazy";
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes).length, kind };
  });
  const order: ChunkClass[] = ["initial", "startup", "lazy", "service-worker"];
  chunks.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || b.gzipBytes - a.gzipBytes);
  const kb = (list: Chunk[]) => list.reduce((n, c) => n + c.gzipBytes, 0) / 1024;
  return {
    chunks,
    initialGzipKb: kb(chunks.filter((c) => c.kind === "initial")),
    startupGzipKb: kb(chunks.filter((c) => c.kind === "initial" || c.kind === "startup")),
    totalGzipKb: kb(chunks.filter((c) => c.kind !== "service-worker")),
    fetchedAtStartup,
    indexHtmlScripts,
  };
}
