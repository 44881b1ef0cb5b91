import { describe, expect, it } from "vitest";
import { appConfigWith, customModelId, customModelRecord, validateCustomModel, webLlmModelBaseUrl } from "./customModel";

type Files = Record<string, unknown>;

/** A fake server: JSON bodies by URL; `null` means present but not JSON; HEAD may be refused. */
function fakeFetch(files: Files, options: { refuseHead?: boolean; down?: boolean } = {}) {
  const calls: string[] = [];
  const fetchFn = async (url: string, init?: { method?: string }) => {
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url}`);
    if (options.down) throw new TypeError("Failed to fetch");
    if (method === "HEAD" && options.refuseHead) return { ok: false, status: 405, json: async () => ({}) };
    if (!(url in files)) return { ok: false, status: 404, json: async () => ({}) };
    const body = files[url];
    return {
      ok: true,
      status: 200,
      json: async () => {
        if (body === null || body instanceof Uint8Array) throw new SyntaxError("Unexpected token");
        return body;
      },
      arrayBuffer: async () => (body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body))).slice().buffer,
    };
  };
  return { fetchFn, calls };
}

const BASE = "http://lan.test/models/gsr-1.5b/resolve/main/";
const LIB = "http://lan.test/libs/gsr-1.5b-q4f16_1-webgpu.wasm";
const GOOD: Files = {
  [`${BASE}mlc-chat-config.json`]: {
    tokenizer_files: ["tokenizer.json", "vocab.json"],
    conv_template: { name: "qwen2" },
    context_window_size: 4096,
    quantization: "q4f16_1",
  },
  [`${BASE}tensor-cache.json`]: { records: [{ dataPath: "params_shard_0.bin", nbytes: 1000 }, { dataPath: "params_shard_1.bin", nbytes: 500 }] },
  [`${BASE}tokenizer.json`]: {},
  [LIB]: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
};

describe("webLlmModelBaseUrl", () => {
  it("mirrors WebLLM's cleanModelUrl", () => {
    expect(webLlmModelBaseUrl("https://huggingface.co/mlc-ai/Qwen3-1.7B-q4f16_1-MLC")).toBe(
      "https://huggingface.co/mlc-ai/Qwen3-1.7B-q4f16_1-MLC/resolve/main/",
    );
    expect(webLlmModelBaseUrl("http://lan.test/m/resolve/v2")).toBe("http://lan.test/m/resolve/v2/");
    expect(webLlmModelBaseUrl("http://lan.test/models/x/")).toBe("http://lan.test/models/x/resolve/main/");
  });

  it("derives a stable custom id", () => {
    expect(customModelId("http://lan.test/models/gsr-1.5b")).toBe(`custom:${BASE}`);
  });
});

describe("validateCustomModel", () => {
  it("accepts a complete model and reports its size and context", async () => {
    const { fetchFn } = fakeFetch(GOOD);
    const check = await validateCustomModel(fetchFn, "http://lan.test/models/gsr-1.5b", LIB);
    expect(check).toEqual({
      ok: true,
      problems: [],
      baseUrl: BASE,
      contextWindow: 4096,
      quantization: "q4f16_1",
      weightBytes: 1500,
      unreachable: [],
    });
  });

  it("says which file is missing and where WebLLM looked", async () => {
    const { fetchFn } = fakeFetch({});
    const check = await validateCustomModel(fetchFn, "http://lan.test/models/gsr-1.5b", LIB);
    expect(check.ok).toBe(false);
    expect(check.problems[0]).toMatch(`No mlc-chat-config.json at ${BASE} (HTTP 404)`);
    expect(check.problems[0]).toMatch(/appends resolve\/main\//);
    expect(check.problems.some((p) => p.startsWith(`No tensor-cache.json at ${BASE}`))).toBe(true);
    expect(check.problems.some((p) => p.includes("could not be fetched"))).toBe(true);
  });

  it("recognises an old ndarray-cache.json build", async () => {
    const files: Files = { ...GOOD, [`${BASE}ndarray-cache.json`]: {} };
    delete files[`${BASE}tensor-cache.json`];
    const check = await validateCustomModel(fakeFetch(files).fetchFn, "http://lan.test/models/gsr-1.5b", LIB);
    expect(check.problems).toEqual([expect.stringMatching(/ndarray-cache\.json but no tensor-cache\.json/)]);
  });

  it("rejects a library that is not WebAssembly inside", async () => {
    const files: Files = { ...GOOD, [LIB]: new TextEncoder().encode("<html>") };
    const check = await validateCustomModel(fakeFetch(files).fetchFn, BASE, LIB);
    expect(check.problems).toEqual([`${LIB} is not a WebAssembly file (it does not start with \\0asm).`]);
  });

  it("rejects a library that is not a .wasm file without fetching it", async () => {
    const { fetchFn, calls } = fakeFetch(GOOD);
    const check = await validateCustomModel(fetchFn, "http://lan.test/models/gsr-1.5b", "http://lan.test/libs/model.so");
    expect(check.problems).toEqual([expect.stringMatching(/compiled \.wasm file .* not "model\.so"/)]);
    expect(calls.some((c) => c.includes("model.so"))).toBe(false);
  });

  it("checks the chat config's content and the tokenizer it names", async () => {
    const files = { ...GOOD, [`${BASE}mlc-chat-config.json`]: { tokenizer_files: ["tokenizer.model"] } };
    const check = await validateCustomModel(fakeFetch(files).fetchFn, "http://lan.test/models/gsr-1.5b", LIB);
    expect(check.problems).toEqual([expect.stringMatching(/no conv_template/), `No tokenizer.model at ${BASE}.`]);
    const broken = { ...GOOD, [`${BASE}tensor-cache.json`]: null };
    expect((await validateCustomModel(fakeFetch(broken).fetchFn, `${BASE}`, LIB)).problems).toEqual([
      `No tensor-cache.json at ${BASE} (not valid JSON).`,
    ]);
  });

  it("falls back to GET when the server refuses HEAD, and explains network failures", async () => {
    expect((await validateCustomModel(fakeFetch(GOOD, { refuseHead: true }).fetchFn, BASE, LIB)).ok).toBe(true);
    const down = await validateCustomModel(fakeFetch(GOOD, { down: true }).fetchFn, BASE, LIB);
    expect(down.problems[0]).toMatch(/request failed: Failed to fetch; is the server up and does it allow cross-origin requests\?/);
    // Each URL that got no answer at all, once, for the caller to diagnose.
    expect(down.unreachable).toEqual([`${BASE}mlc-chat-config.json`, `${BASE}tensor-cache.json`, LIB]);
  });

  it("rejects non-http URLs", async () => {
    const check = await validateCustomModel(fakeFetch(GOOD).fetchFn, "file:///tmp/model", "ftp://x/lib.wasm");
    expect(check.problems).toHaveLength(2);
  });
});

describe("customModelRecord and appConfigWith", () => {
  it("marks f16 builds as needing shader-f16 and keeps the context window", () => {
    expect(customModelRecord("custom:x", BASE, LIB, { quantization: "q4f16_1", contextWindow: 8192 })).toEqual({
      model: BASE,
      model_id: "custom:x",
      model_lib: LIB,
      required_features: ["shader-f16"],
      overrides: { context_window_size: 8192 },
    });
    expect(customModelRecord("custom:y", BASE, "http://lan.test/q4f32_1-webgpu.wasm").required_features).toBeUndefined();
  });

  it("adds custom records to the prebuilt list, replacing same ids", () => {
    const prebuilt = [customModelRecord("a", BASE, LIB), customModelRecord("b", BASE, LIB)];
    const config = appConfigWith(prebuilt, [customModelRecord("b", "http://other.test/", LIB)]);
    expect(config.model_list.map((r) => [r.model_id, r.model])).toEqual([
      ["a", BASE],
      ["b", "http://other.test/"],
    ]);
    expect(config.cacheBackend).toBe("cache");
  });
});
