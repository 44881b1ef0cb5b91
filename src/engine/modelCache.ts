/**
 * The models both engines keep in the browser, their size on disk and when
 * each was last used; deleting them; and the storage quota.
 *
 * WebLLM (0.2.86, default `cacheBackend: "cache"`) stores every file it
 * fetches in Cache Storage, keyed by URL, in three caches:
 *   "webllm/model"   tensor-cache.json, the params_shard_*.bin weights, tokenizer.json|.model
 *   "webllm/config"  mlc-chat-config.json (and mlc-model-manifest.json where used)
 *   "webllm/wasm"    the model library, keyed by its model_lib URL (not cached for
 *                    localhost or same-origin libraries, which WebLLM fetches directly)
 * Files of one model share the folder URL WebLLM reads (…/resolve/main/), so
 * that is the key of a WebLLM model here. Deleting goes straight to Cache
 * Storage rather than through `deleteModelAllInfoInCache`, which needs the
 * model's record and misses half-finished downloads and custom models.
 *
 * One file on purpose (~400 lines): both engines' caches are listed, measured
 * and deleted by the same code, so the Models page sees one list.
 *
 * wllama keeps GGUF files in OPFS through its CacheManager; its ModelManager
 * groups them by model URL and works on the main thread without loading a
 * model (it is imported lazily, so this module stays small).
 */
import type { ModelRecord } from "@mlc-ai/web-llm";
import type { EngineKind } from "./types";
import { mathModels } from "./webllm/catalog";
import { webLlmModelBaseUrl } from "./webllm/customModel";
import { PREBUILT_MATH_MODELS } from "./webllm/prebuilt";

export const WEBLLM_CACHE_NAMES = ["webllm/model", "webllm/config", "webllm/wasm"] as const;

export interface CachedModel {
  engine: EngineKind;
  /** WebLLM: the model folder URL (…/resolve/main/) or, for a leftover library, its URL. wllama: the GGUF URL. */
  key: string;
  /** WebLLM model_id when the folder belongs to a known record, else null. */
  modelId: string | null;
  name: string;
  sizeBytes: number;
  files: number;
  /** Every weight file is there (WebLLM: all shards tensor-cache.json lists; wllama: ModelManager's validate()). */
  complete: boolean;
  /** Milliseconds since the epoch, or null when this app never recorded a use. */
  lastUsed: number | null;
}

/** One Cache Storage entry. */
export interface CacheFile {
  cache: string;
  url: string;
  sizeBytes: number;
}

/** The slice of wllama's ModelManager used here (real: `new ModelManager()` from @wllama/wllama). */
export interface WllamaModelStore {
  getModels(options?: { includeInvalid?: boolean }): Promise<
    Array<{ url: string; size: number; files: Array<{ size: number }>; validate(): string; remove(): Promise<void> }>
  >;
  clear(): Promise<void>;
}

/** Where the "last used" record lives: localStorage in the app, a Map in tests. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ModelCacheDeps {
  caches?: CacheStorage | null;
  /** Records that name cached folders: the catalogue's by default; add custom models' records. */
  records?: readonly ModelRecord[];
  /** null when wllama's storage cannot be used. */
  wllama?: () => Promise<WllamaModelStore | null>;
  lastUsed?: KeyValueStore | null;
}

// ---------------------------------------------------------------- last used

const LAST_USED_KEY = "refinery.modelLastUsed.v1";

function defaultStore(): KeyValueStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // localStorage throws in some privacy modes
  }
}

function readLastUsed(store: KeyValueStore | null): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(store?.getItem(LAST_USED_KEY) ?? "{}");
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

function writeLastUsed(store: KeyValueStore | null, record: Record<string, number>): void {
  try {
    store?.setItem(LAST_USED_KEY, JSON.stringify(record));
  } catch {
    // Full or blocked storage: "last used" is a nicety.
  }
}

const usedKey = (engine: EngineKind, key: string) => `${engine} ${key}`;

/** Records that a model was just loaded. WebLLM keys: `webLlmModelBaseUrl(record.model)`; wllama keys: the GGUF URL. */
export function markModelUsed(engine: EngineKind, key: string, now = Date.now(), store: KeyValueStore | null = defaultStore()): void {
  writeLastUsed(store, { ...readLastUsed(store), [usedKey(engine, key)]: now });
}

export function lastUsedOf(engine: EngineKind, key: string, store: KeyValueStore | null = defaultStore()): number | null {
  const value = readLastUsed(store)[usedKey(engine, key)];
  return typeof value === "number" ? value : null;
}

function forgetUsed(store: KeyValueStore | null, keys: Array<[EngineKind, string]> | "all"): void {
  if (keys === "all") return writeLastUsed(store, {});
  const record = readLastUsed(store);
  for (const [engine, key] of keys) delete record[usedKey(engine, key)];
  writeLastUsed(store, record);
}

// ---------------------------------------------------------------- WebLLM (pure part)

/** The model folder a cached WebLLM file belongs to. */
export function webLlmFolderOf(url: string): string {
  const resolve = /^(.*?\/resolve\/[^/]+\/)/.exec(url);
  if (resolve) return resolve[1]!;
  try {
    return new URL(".", url).href;
  } catch {
    return url;
  }
}

export interface WebLlmCacheGroup {
  key: string;
  modelId: string | null;
  name: string;
  files: CacheFile[];
  complete: boolean;
}

/**
 * Groups Cache Storage entries into models. `shardsByFolder` holds, for each
 * folder whose tensor-cache.json was readable, the shard URLs it lists. A model
 * library goes with the first cached model whose record uses it; a library no
 * cached model uses is listed on its own, so it can be deleted.
 */
export function groupWebLlmFiles(
  files: readonly CacheFile[],
  records: readonly ModelRecord[],
  shardsByFolder: ReadonlyMap<string, readonly string[]>,
): WebLlmCacheGroup[] {
  const recordByFolder = new Map<string, ModelRecord>();
  for (const record of records) {
    try {
      recordByFolder.set(webLlmModelBaseUrl(record.model), record);
    } catch {
      // a record with an unusable URL names no folder
    }
  }
  const labels = new Map(mathModels(records).map((e) => [e.modelId, e.label]));
  const groups = new Map<string, WebLlmCacheGroup>();
  const libraries: CacheFile[] = [];
  for (const file of files) {
    if (file.cache === "webllm/wasm") {
      libraries.push(file);
      continue;
    }
    const key = webLlmFolderOf(file.url);
    let group = groups.get(key);
    if (!group) {
      const record = recordByFolder.get(key);
      group = {
        key,
        modelId: record?.model_id ?? null,
        name: record ? (labels.get(record.model_id) ?? record.model_id) : folderName(key),
        files: [],
        complete: false,
      };
      groups.set(key, group);
    }
    group.files.push(file);
  }
  for (const group of groups.values()) {
    const shards = shardsByFolder.get(group.key);
    const urls = new Set(group.files.map((f) => f.url));
    group.complete = shards !== undefined && shards.length > 0 && shards.every((u) => urls.has(u));
  }
  for (const library of libraries) {
    const owner = [...groups.values()].find((g) => g.modelId !== null && recordByFolder.get(g.key)?.model_lib === library.url);
    if (owner) owner.files.push(library);
    else
      groups.set(library.url, {
        key: library.url,
        modelId: null,
        name: `Model library ${library.url.split("/").pop() ?? library.url} (no cached model uses it)`,
        files: [library],
        complete: true,
      });
  }
  return [...groups.values()];
}

function folderName(folder: string): string {
  try {
    const parts = new URL(folder).pathname.split("/").filter(Boolean);
    const resolveAt = parts.lastIndexOf("resolve");
    const name = resolveAt > 0 ? parts[resolveAt - 1] : parts.at(-1);
    return decodeURIComponent(name ?? folder);
  } catch {
    return folder;
  }
}

// ---------------------------------------------------------------- WebLLM (Cache Storage)

function cacheStorage(deps: ModelCacheDeps): CacheStorage | null {
  if (deps.caches !== undefined) return deps.caches;
  return typeof caches === "undefined" ? null : caches;
}

async function responseSize(response: Response | undefined): Promise<number> {
  if (!response) return 0;
  const length = Number(response.headers.get("content-length"));
  if (Number.isFinite(length) && length > 0) return length;
  try {
    return (await response.clone().blob()).size;
  } catch {
    return 0;
  }
}

async function scanWebLlm(deps: ModelCacheDeps): Promise<WebLlmCacheGroup[]> {
  const storage = cacheStorage(deps);
  if (!storage) return [];
  const files: CacheFile[] = [];
  const shardsByFolder = new Map<string, string[]>();
  for (const name of WEBLLM_CACHE_NAMES) {
    if (!(await storage.has(name))) continue; // open() would create it
    const cache = await storage.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      files.push({ cache: name, url: request.url, sizeBytes: await responseSize(response) });
      if (name === "webllm/model" && request.url.endsWith("/tensor-cache.json") && response) {
        try {
          const manifest = (await response.clone().json()) as { records?: Array<{ dataPath?: string }> };
          const folder = request.url.slice(0, -"tensor-cache.json".length);
          shardsByFolder.set(
            webLlmFolderOf(request.url),
            (manifest.records ?? []).filter((r) => typeof r.dataPath === "string").map((r) => new URL(r.dataPath!, folder).href),
          );
        } catch {
          // an unreadable manifest leaves the model marked incomplete
        }
      }
    }
  }
  return groupWebLlmFiles(files, deps.records ?? PREBUILT_MATH_MODELS, shardsByFolder);
}

// ---------------------------------------------------------------- wllama

async function defaultWllamaStore(): Promise<WllamaModelStore | null> {
  try {
    const { ModelManager } = await import("@wllama/wllama");
    const store: WllamaModelStore = new ModelManager();
    return store;
  } catch {
    return null; // no OPFS (CacheManager throws "No supported storage backend found")
  }
}

async function wllamaStore(deps: ModelCacheDeps): Promise<WllamaModelStore | null> {
  return (deps.wllama ?? defaultWllamaStore)();
}

// ---------------------------------------------------------------- public API

/** Every cached model of both engines, most recently used first, then largest first. */
export async function listCachedModels(deps: ModelCacheDeps = {}): Promise<CachedModel[]> {
  const store = deps.lastUsed === undefined ? defaultStore() : deps.lastUsed;
  const used = readLastUsed(store);
  const models: CachedModel[] = [];
  for (const group of await scanWebLlm(deps)) {
    models.push({
      engine: "webllm",
      key: group.key,
      modelId: group.modelId,
      name: group.name,
      sizeBytes: group.files.reduce((sum, f) => sum + f.sizeBytes, 0),
      files: group.files.length,
      complete: group.complete,
      lastUsed: used[usedKey("webllm", group.key)] ?? null,
    });
  }
  const wllama = await wllamaStore(deps);
  for (const model of wllama ? await wllama.getModels({ includeInvalid: true }) : []) {
    models.push({
      engine: "wllama",
      key: model.url,
      modelId: null,
      name: decodeURIComponent(model.url.split("/").pop() || model.url),
      sizeBytes: model.files.reduce((sum, f) => sum + Math.max(0, f.size), 0),
      files: model.files.length,
      complete: model.validate() === "valid",
      lastUsed: used[usedKey("wllama", model.url)] ?? null,
    });
  }
  return models.sort((a, b) => (b.lastUsed ?? -1) - (a.lastUsed ?? -1) || b.sizeBytes - a.sizeBytes);
}

/** Deletes one model's files (and its WebLLM library, unless another cached model uses it). */
export async function deleteCachedModel(model: Pick<CachedModel, "engine" | "key">, deps: ModelCacheDeps = {}): Promise<void> {
  const store = deps.lastUsed === undefined ? defaultStore() : deps.lastUsed;
  if (model.engine === "wllama") {
    const wllama = await wllamaStore(deps);
    for (const m of wllama ? await wllama.getModels({ includeInvalid: true }) : []) if (m.url === model.key) await m.remove();
  } else {
    const storage = cacheStorage(deps);
    const group = (await scanWebLlm(deps)).find((g) => g.key === model.key);
    if (storage && group) {
      for (const file of group.files) {
        if (file.cache !== "webllm/wasm") await (await storage.open(file.cache)).delete(file.url);
      }
      // The library may serve other cached models; it goes only when none is left.
      const remaining = (await scanWebLlm(deps)).filter((g) => g.key !== model.key);
      const records = deps.records ?? PREBUILT_MATH_MODELS;
      for (const file of group.files.filter((f) => f.cache === "webllm/wasm")) {
        const stillUsed = remaining.some((g) => records.some((r) => r.model_id === g.modelId && r.model_lib === file.url));
        if (!stillUsed) await (await storage.open(file.cache)).delete(file.url);
      }
    }
  }
  forgetUsed(store, [[model.engine, model.key]]);
}

/** Deletes every model of both engines. */
export async function deleteAllCachedModels(deps: ModelCacheDeps = {}): Promise<void> {
  const storage = cacheStorage(deps);
  if (storage) for (const name of WEBLLM_CACHE_NAMES) await storage.delete(name);
  const wllama = await wllamaStore(deps);
  await wllama?.clear();
  forgetUsed(deps.lastUsed === undefined ? defaultStore() : deps.lastUsed, "all");
}

export interface StorageEstimateView {
  usageBytes: number;
  quotaBytes: number;
  freeBytes: number;
  /** The browser promised not to evict this origin's data. */
  persisted: boolean;
}

interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persisted?(): Promise<boolean>;
  persist?(): Promise<boolean>;
}

function storageManager(): StorageManagerLike | undefined {
  return typeof navigator === "undefined" ? undefined : (navigator.storage as StorageManagerLike | undefined);
}

export async function storageEstimate(storage: StorageManagerLike | undefined = storageManager()): Promise<StorageEstimateView | null> {
  if (!storage?.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await storage.estimate();
    const persisted = storage.persisted ? await storage.persisted().catch(() => false) : false;
    return { usageBytes: usage, quotaBytes: quota, freeBytes: Math.max(0, quota - usage), persisted };
  } catch {
    return null;
  }
}

/** Asks the browser to keep the cached models (it may prompt, or decide silently). True when granted. */
export async function requestPersistentStorage(storage: StorageManagerLike | undefined = storageManager()): Promise<boolean> {
  try {
    if (storage?.persisted && (await storage.persisted())) return true;
    return storage?.persist ? await storage.persist() : false;
  } catch {
    return false;
  }
}

/**
 * Whether a download of `bytesNeeded` fits the quota, keeping 5% of the quota
 * free: browsers start evicting, or fail writes, before the quota is reached.
 * Unknown estimate: assume it fits and let the download report a quota error.
 */
export function willFit(
  bytesNeeded: number,
  estimate: Pick<StorageEstimateView, "usageBytes" | "quotaBytes"> | null,
): { fits: boolean; freeBytes: number | null; shortBytes: number } {
  if (!estimate || estimate.quotaBytes <= 0) return { fits: true, freeBytes: null, shortBytes: 0 };
  const freeBytes = Math.max(0, estimate.quotaBytes * 0.95 - estimate.usageBytes);
  const shortBytes = Math.max(0, Math.ceil(bytesNeeded - freeBytes));
  return { fits: shortBytes === 0, freeBytes, shortBytes };
}
