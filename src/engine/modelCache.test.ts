import type { ModelRecord } from "@mlc-ai/web-llm";
import { describe, expect, it } from "vitest";
import {
  deleteAllCachedModels,
  deleteCachedModel,
  groupWebLlmFiles,
  lastUsedOf,
  listCachedModels,
  markModelUsed,
  requestPersistentStorage,
  storageEstimate,
  webLlmFolderOf,
  willFit,
  type KeyValueStore,
  type WllamaModelStore,
} from "./modelCache";

const HF = "https://huggingface.co/mlc-ai";
const MATH = `${HF}/Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC/resolve/main/`;
const QWEN = `${HF}/Qwen2.5-1.5B-Instruct-q4f16_1-MLC/resolve/main/`;
const LIB = "https://raw.githubusercontent.com/mlc-ai/binary-mlc-llm-libs/main/web-llm-models/v0_2_86/base/Qwen2-1.5B-Instruct-q4f16_1_cs1k-webgpu.wasm";

const records: ModelRecord[] = [
  { model: `${HF}/Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC`, model_id: "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC", model_lib: LIB },
  { model: `${HF}/Qwen2.5-1.5B-Instruct-q4f16_1-MLC`, model_id: "Qwen2.5-1.5B-Instruct-q4f16_1-MLC", model_lib: LIB },
];

/** An in-memory Cache Storage with the methods modelCache uses. */
class FakeCaches {
  readonly stores = new Map<string, Map<string, Response>>();
  put(cache: string, url: string, body: string | object, headers: Record<string, string> = {}) {
    if (!this.stores.has(cache)) this.stores.set(cache, new Map());
    const text = typeof body === "string" ? body : JSON.stringify(body);
    this.stores.get(cache)!.set(url, new Response(text, { headers }));
  }
  async has(name: string) {
    return this.stores.has(name);
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
  async open(name: string) {
    if (!this.stores.has(name)) this.stores.set(name, new Map());
    const store = this.stores.get(name)!;
    return {
      keys: async () => [...store.keys()].map((url) => new Request(url)),
      match: async (request: Request | string) => store.get(typeof request === "string" ? request : request.url)?.clone(),
      delete: async (request: Request | string) => store.delete(typeof request === "string" ? request : request.url),
    };
  }
  urls(cache: string) {
    return [...(this.stores.get(cache)?.keys() ?? [])];
  }
}

function memoryStore(): KeyValueStore {
  const map = new Map<string, string>();
  return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

function fakeWllama(): WllamaModelStore & { removed: string[]; cleared: boolean } {
  const state = { removed: [] as string[], cleared: false };
  const models = [
    { url: "https://hf.test/q/Qwen2.5-Math-1.5B-Instruct-Q4_K_M.gguf", files: [{ size: 900 }], status: "valid" },
    { url: "https://hf.test/q/broken.gguf", files: [{ size: 10 }], status: "invalid" },
  ];
  return Object.assign(state, {
    async getModels() {
      return models
        .filter((m) => !state.removed.includes(m.url))
        .map((m) => ({ url: m.url, size: 0, files: m.files, validate: () => m.status, remove: async () => void state.removed.push(m.url) }));
    },
    async clear() {
      state.cleared = true;
    },
  });
}

const MANIFEST = { records: [{ dataPath: "params_shard_0.bin" }, { dataPath: "params_shard_1.bin" }] };
const MANIFEST_BYTES = JSON.stringify(MANIFEST).length;

function populated() {
  const caches = new FakeCaches();
  caches.put("webllm/model", `${MATH}tensor-cache.json`, MANIFEST);
  caches.put("webllm/model", `${MATH}params_shard_0.bin`, "x".repeat(100), { "content-length": "1000" });
  caches.put("webllm/model", `${MATH}params_shard_1.bin`, "x".repeat(500)); // no content-length: blob size
  caches.put("webllm/model", `${MATH}tokenizer.json`, "{}");
  caches.put("webllm/config", `${MATH}mlc-chat-config.json`, "{}");
  // A second model sharing the library, with a download that stopped half-way.
  caches.put("webllm/model", `${QWEN}tensor-cache.json`, MANIFEST);
  caches.put("webllm/model", `${QWEN}params_shard_0.bin`, "y".repeat(300));
  caches.put("webllm/wasm", LIB, "w".repeat(50));
  // A custom model on a LAN server and a library nothing uses any more.
  caches.put("webllm/model", "http://lan.test/gsr/resolve/main/params_shard_0.bin", "z".repeat(7));
  caches.put("webllm/wasm", "http://lan.test/libs/old-webgpu.wasm", "o".repeat(5));
  return caches;
}

describe("webLlmFolderOf", () => {
  it("finds the folder WebLLM reads from", () => {
    expect(webLlmFolderOf(`${MATH}params_shard_3.bin`)).toBe(MATH);
    expect(webLlmFolderOf(`${MATH}sub/dir/file.bin`)).toBe(MATH);
    expect(webLlmFolderOf("http://lan.test/models/x/tokenizer.json")).toBe("http://lan.test/models/x/");
  });
});

describe("groupWebLlmFiles", () => {
  it("groups by folder, names known models, marks completeness and places libraries", () => {
    const groups = groupWebLlmFiles(
      [
        { cache: "webllm/model", url: `${MATH}params_shard_0.bin`, sizeBytes: 1 },
        { cache: "webllm/config", url: `${MATH}mlc-chat-config.json`, sizeBytes: 1 },
        { cache: "webllm/wasm", url: LIB, sizeBytes: 1 },
        { cache: "webllm/wasm", url: "http://x.test/orphan.wasm", sizeBytes: 1 },
      ],
      records,
      new Map([[MATH, [`${MATH}params_shard_0.bin`]]]),
    );
    expect(groups.map((g) => [g.key, g.modelId, g.name, g.files.length, g.complete])).toEqual([
      [MATH, "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC", "Qwen2.5-Math 1.5B Instruct (q4f16)", 3, true],
      ["http://x.test/orphan.wasm", null, "Model library orphan.wasm (no cached model uses it)", 1, true],
    ]);
  });
});

describe("listCachedModels", () => {
  it("lists both engines with sizes, completeness and last use", async () => {
    const caches = populated();
    const lastUsed = memoryStore();
    markModelUsed("webllm", QWEN, 2000, lastUsed);
    markModelUsed("wllama", "https://hf.test/q/broken.gguf", 1000, lastUsed);
    const models = await listCachedModels({ caches: caches as unknown as CacheStorage, records, wllama: async () => fakeWllama(), lastUsed });
    expect(models.map((m) => [m.engine, m.name, m.sizeBytes, m.files, m.complete, m.lastUsed])).toEqual([
      ["webllm", "Qwen2.5 1.5B Instruct (q4f16)", 300 + MANIFEST_BYTES, 2, false, 2000],
      ["wllama", "broken.gguf", 10, 1, false, 1000],
      // content-length where given (1000), else the body: 500 + tokenizer 2 + config 2 + library 50
      ["webllm", "Qwen2.5-Math 1.5B Instruct (q4f16)", MANIFEST_BYTES + 1000 + 500 + 2 + 2 + 50, 6, true, null],
      ["wllama", "Qwen2.5-Math-1.5B-Instruct-Q4_K_M.gguf", 900, 1, true, null],
      ["webllm", "gsr", 7, 1, false, null],
      ["webllm", "Model library old-webgpu.wasm (no cached model uses it)", 5, 1, true, null],
    ]);
  });

  it("copes with no Cache Storage and no wllama storage", async () => {
    expect(await listCachedModels({ caches: null, wllama: async () => null, lastUsed: null })).toEqual([]);
  });
});

describe("deleteCachedModel", () => {
  it("deletes one WebLLM model and keeps a library another cached model still needs", async () => {
    const caches = populated();
    const lastUsed = memoryStore();
    markModelUsed("webllm", MATH, 5, lastUsed);
    const deps = { caches: caches as unknown as CacheStorage, records, wllama: async () => null, lastUsed };
    await deleteCachedModel({ engine: "webllm", key: MATH }, deps);
    expect(caches.urls("webllm/model").some((u) => u.startsWith(MATH))).toBe(false);
    expect(caches.urls("webllm/config")).toEqual([]);
    expect(caches.urls("webllm/wasm")).toContain(LIB);
    expect(lastUsedOf("webllm", MATH, lastUsed)).toBeNull();
    await deleteCachedModel({ engine: "webllm", key: QWEN }, deps);
    expect(caches.urls("webllm/wasm")).not.toContain(LIB);
  });

  it("deletes a wllama model through its ModelManager", async () => {
    const wllama = fakeWllama();
    await deleteCachedModel({ engine: "wllama", key: "https://hf.test/q/broken.gguf" }, { wllama: async () => wllama, lastUsed: null });
    expect(wllama.removed).toEqual(["https://hf.test/q/broken.gguf"]);
  });

  it("deletes everything", async () => {
    const caches = populated();
    const wllama = fakeWllama();
    const lastUsed = memoryStore();
    markModelUsed("webllm", MATH, 5, lastUsed);
    await deleteAllCachedModels({ caches: caches as unknown as CacheStorage, wllama: async () => wllama, lastUsed });
    expect([...caches.stores.keys()]).toEqual([]);
    expect(wllama.cleared).toBe(true);
    expect(lastUsedOf("webllm", MATH, lastUsed)).toBeNull();
  });
});

describe("storage", () => {
  it("estimates free space and persistence", async () => {
    const storage = { estimate: async () => ({ usage: 300, quota: 1000 }), persisted: async () => true };
    expect(await storageEstimate(storage)).toEqual({ usageBytes: 300, quotaBytes: 1000, freeBytes: 700, persisted: true });
    expect(await storageEstimate({})).toBeNull();
    expect(await storageEstimate({ estimate: async () => Promise.reject(new Error("no")) })).toBeNull();
  });

  it("requests persistence once", async () => {
    let asked = 0;
    const storage = { persisted: async () => false, persist: async () => (asked++, true) };
    expect(await requestPersistentStorage(storage)).toBe(true);
    expect(asked).toBe(1);
    expect(await requestPersistentStorage({ persisted: async () => true, persist: async () => (asked++, false) })).toBe(true);
    expect(asked).toBe(1);
    expect(await requestPersistentStorage(undefined)).toBe(false);
  });

  it("willFit keeps a 5% margin and accepts an unknown estimate", () => {
    expect(willFit(600, { usageBytes: 300, quotaBytes: 1000 })).toEqual({ fits: true, freeBytes: 650, shortBytes: 0 });
    expect(willFit(700, { usageBytes: 300, quotaBytes: 1000 })).toEqual({ fits: false, freeBytes: 650, shortBytes: 50 });
    expect(willFit(10, null)).toEqual({ fits: true, freeBytes: null, shortBytes: 0 });
  });

  it("keeps last-used records per engine and model", () => {
    const store = memoryStore();
    markModelUsed("webllm", MATH, 10, store);
    markModelUsed("wllama", MATH, 20, store);
    expect(lastUsedOf("webllm", MATH, store)).toBe(10);
    expect(lastUsedOf("wllama", MATH, store)).toBe(20);
    store.setItem("refinery.modelLastUsed.v1", "not json");
    expect(lastUsedOf("webllm", MATH, store)).toBeNull();
  });
});
