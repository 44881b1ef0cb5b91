/**
 * wllama on a page that is not a secure context: a page opened over plain http
 * from a LAN address (a classroom server, README "Hosting models on a LAN").
 * There the browser has no Origin Private File System and no `crypto.subtle`,
 * and wllama's model manager needs both: its default CacheManager refuses to
 * start ("No supported storage backend found"), even for a local file, and its
 * downloader names files by a SHA-1 of the URL. So on such a page the worker
 * gives wllama a storage that keeps nothing, downloads the model itself into
 * memory, and loads it as a Blob; the model is fetched again after a reload.
 */
import type { CacheManager } from "@wllama/wllama";

export type StorageBackend = NonNullable<ConstructorParameters<typeof CacheManager>[0]>[number];

/** True where wllama's own model manager works (OPFS and Web Crypto). */
export function hasFileSystemStorage(): boolean {
  return (
    typeof navigator !== "undefined" &&
    typeof navigator.storage?.getDirectory === "function" &&
    typeof globalThis.crypto?.subtle?.digest === "function"
  );
}

/** A storage that holds nothing: lets wllama start; nothing is ever cached in it. */
export function storageThatKeepsNothing(): StorageBackend {
  return {
    isSupported: () => true,
    read: async () => null,
    write: async (_key, stream) => {
      await stream.cancel();
    },
    getSize: async () => -1,
    list: async () => [],
    delete: async () => undefined,
  };
}

export interface DownloadOptions {
  signal: AbortSignal;
  /** Bytes so far and the total (0 when the server sends no Content-Length), at most every 100 ms and once at the end. */
  onProgress(loaded: number, total: number): void;
  fetchFn?: typeof fetch;
  now?: () => number;
}

/** Downloads a model file into memory, reporting progress; aborts with the signal. */
export async function downloadToBlob(url: string, options: DownloadOptions): Promise<Blob> {
  const now = options.now ?? (() => performance.now());
  const response = await (options.fetchFn ?? fetch)(url, { signal: options.signal });
  if (!response.ok || !response.body) throw new Error(`Failed to fetch ${url}: HTTP ${response.status} ${response.statusText}`.trim());
  const total = Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let reported = now();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (now() - reported >= 100) {
      reported = now();
      options.onProgress(loaded, total);
    }
  }
  options.onProgress(loaded, total || loaded);
  return new Blob(chunks as BlobPart[], { type: "application/octet-stream" });
}
