/**
 * Custom MLC models (e.g. a refine-trained model compiled with MLC-LLM): a
 * model folder URL plus a compiled model library. What WebLLM 0.2.86 fetches
 * from the folder, read from `MLCEngine.reloadInternal`:
 *
 *   <base>mlc-chat-config.json            the chat config (Cache "webllm/config")
 *   <base>tokenizer.json | tokenizer.model whichever `tokenizer_files` lists (Cache "webllm/model")
 *   <base>tensor-cache.json               the weight manifest; older MLC builds wrote ndarray-cache.json
 *   <base><record.dataPath>               every weight shard it lists
 *
 * where <base> is the URL after WebLLM's `cleanModelUrl`: it appends "/" and,
 * unless the URL already contains "/resolve/<something>/", "resolve/main/" —
 * Hugging Face's layout. A plain static server must therefore serve the files
 * under …/resolve/main/ (or the URL must already name a /resolve/<branch>/).
 */
import type { AppConfig, ModelRecord } from "@mlc-ai/web-llm";

/** Mirrors WebLLM's `cleanModelUrl`: the folder it will really read from. */
export function webLlmModelBaseUrl(modelUrl: string): string {
  let url = modelUrl.endsWith("/") ? modelUrl : `${modelUrl}/`;
  if (!/.+\/resolve\/.+\//.test(url)) url += "resolve/main/";
  return new URL(url).href;
}

/** A stable model_id for a custom model, derived from its URL. */
export function customModelId(modelUrl: string): string {
  return `custom:${webLlmModelBaseUrl(modelUrl)}`;
}

export interface CustomModelCheck {
  ok: boolean;
  /** Every problem found, each one sentence that says what to fix. */
  problems: string[];
  /** The folder WebLLM reads. */
  baseUrl: string;
  /** From the chat config, when it could be read. */
  contextWindow: number | null;
  quantization: string | null;
  /** Sum of the weight shards in tensor-cache.json: the download size. */
  weightBytes: number | null;
  /** URLs whose request failed outright (no HTTP answer): for the caller to diagnose (blocked, unreachable, no CORS). */
  unreachable: string[];
}

type FetchFn = (
  input: string,
  init?: { method?: string; headers?: Record<string, string> },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; arrayBuffer?(): Promise<ArrayBuffer> }>;

/**
 * Checks a custom model before WebLLM tries it, so the user sees "no
 * tensor-cache.json at …" instead of a failed cache.add(). Makes small
 * requests only: the two JSON files and HEAD requests for the rest.
 */
export async function validateCustomModel(untrackedFetch: FetchFn, modelUrl: string, libUrl: string): Promise<CustomModelCheck> {
  const problems: string[] = [];
  const unreachable: string[] = [];
  const result: CustomModelCheck = { ok: false, problems, baseUrl: "", contextWindow: null, quantization: null, weightBytes: null, unreachable };
  const fetchFn: FetchFn = async (input, init) => {
    try {
      return await untrackedFetch(input, init);
    } catch (error) {
      if (!unreachable.includes(input)) unreachable.push(input);
      throw error;
    }
  };

  const model = httpUrl(modelUrl);
  const lib = httpUrl(libUrl);
  if (!model) problems.push("The model URL must be an http(s) address of the folder with mlc-chat-config.json.");
  if (!lib) problems.push("The model library URL must be an http(s) address of a .wasm file.");
  else if (!lib.pathname.toLowerCase().endsWith(".wasm"))
    problems.push(`The model library must be a compiled .wasm file (e.g. …-webgpu.wasm), not "${lib.pathname.split("/").pop()}".`);
  if (!model) return result;

  const base = webLlmModelBaseUrl(model.href);
  result.baseUrl = base;
  const movedNote = /\/resolve\/.+\//.test(`${model.href}/`)
    ? ""
    : " (WebLLM appends resolve/main/ to a URL without /resolve/<branch>/, Hugging Face's layout; serve the files there or give that URL.)";

  const config = await getJson(fetchFn, `${base}mlc-chat-config.json`);
  let tokenizerFiles: string[] = [];
  if (!config.ok) {
    problems.push(`No mlc-chat-config.json at ${base} (${config.why}).${movedNote}`);
  } else {
    const c = config.value as Record<string, unknown>;
    tokenizerFiles = Array.isArray(c.tokenizer_files) ? c.tokenizer_files.filter((f): f is string => typeof f === "string") : [];
    if (typeof c.conv_template !== "object" || c.conv_template === null)
      problems.push("mlc-chat-config.json has no conv_template object: it was not written by MLC-LLM's gen_config, or by a version WebLLM 0.2.86 cannot read.");
    if (!tokenizerFiles.includes("tokenizer.json") && !tokenizerFiles.includes("tokenizer.model"))
      problems.push("mlc-chat-config.json lists neither tokenizer.json nor tokenizer.model in tokenizer_files; WebLLM needs one of them.");
    const ctx = Number(c.context_window_size);
    result.contextWindow = Number.isFinite(ctx) && ctx > 0 ? ctx : null;
    result.quantization = typeof c.quantization === "string" ? c.quantization : null;
  }

  const tensors = await getJson(fetchFn, `${base}tensor-cache.json`);
  if (!tensors.ok) {
    const legacy = tensors.status === 404 ? await head(fetchFn, `${base}ndarray-cache.json`) : false;
    problems.push(
      legacy
        ? `The model has ndarray-cache.json but no tensor-cache.json: it was converted with an older MLC-LLM. WebLLM 0.2.86 reads tensor-cache.json; convert it again (or copy the file under the new name).`
        : `No tensor-cache.json at ${base} (${tensors.why}).`,
    );
  } else {
    const records = (tensors.value as { records?: unknown }).records;
    if (!Array.isArray(records) || records.length === 0) problems.push("tensor-cache.json lists no weight shards.");
    else result.weightBytes = records.reduce((sum: number, r: { nbytes?: unknown }) => sum + (Number(r?.nbytes) || 0), 0);
  }

  if (config.ok) {
    const tokenizer = tokenizerFiles.includes("tokenizer.json") ? "tokenizer.json" : tokenizerFiles.includes("tokenizer.model") ? "tokenizer.model" : null;
    if (tokenizer && !(await head(fetchFn, `${base}${tokenizer}`))) problems.push(`No ${tokenizer} at ${base}.`);
  }
  if (lib && lib.pathname.toLowerCase().endsWith(".wasm")) {
    const library = await wasmMagic(fetchFn, lib.href);
    if (library === "unreachable")
      problems.push(`The model library ${lib.href} could not be fetched (missing, or the server does not allow cross-origin requests).`);
    else if (library === "not-wasm") problems.push(`${lib.href} is not a WebAssembly file (it does not start with \\0asm).`);
  }

  result.ok = problems.length === 0;
  return result;
}

function httpUrl(text: string): URL | null {
  try {
    const url = new URL(text.trim());
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

async function getJson(fetchFn: FetchFn, url: string): Promise<{ ok: true; value: unknown } | { ok: false; status: number; why: string }> {
  let response: Awaited<ReturnType<FetchFn>>;
  try {
    response = await fetchFn(url);
  } catch (error) {
    return { ok: false, status: 0, why: `request failed: ${error instanceof Error ? error.message : String(error)}; is the server up and does it allow cross-origin requests?` };
  }
  if (!response.ok) return { ok: false, status: response.status, why: `HTTP ${response.status}` };
  try {
    const value = await response.json();
    if (typeof value !== "object" || value === null) return { ok: false, status: response.status, why: "not a JSON object" };
    return { ok: true, value };
  } catch {
    return { ok: false, status: response.status, why: "not valid JSON" };
  }
}

/** Fetches the library's first bytes (a Range request; a server may send it all) and checks the WebAssembly magic. */
async function wasmMagic(fetchFn: FetchFn, url: string): Promise<"ok" | "not-wasm" | "unreachable"> {
  try {
    const response = await fetchFn(url, { headers: { Range: "bytes=0-7" } });
    if (!response.ok) return "unreachable";
    if (!response.arrayBuffer) return "ok";
    const bytes = new Uint8Array(await response.arrayBuffer()).subarray(0, 4);
    return bytes.length === 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d ? "ok" : "not-wasm";
  } catch {
    return "unreachable";
  }
}

/** HEAD, then GET for servers that refuse HEAD. */
async function head(fetchFn: FetchFn, url: string): Promise<boolean> {
  for (const method of ["HEAD", "GET"]) {
    try {
      const response = await fetchFn(url, { method });
      if (response.ok) return true;
      if (response.status !== 405 && response.status !== 501) return false;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * The app-config entry for a custom model. A q4f16/q0f16 build is marked as
 * needing shader-f16 so WebLLM fails early with ShaderF16SupportError rather
 * than in shader compilation.
 */
export function customModelRecord(
  modelId: string,
  modelUrl: string,
  modelLibUrl: string,
  options: { quantization?: string | null; contextWindow?: number | null } = {},
): ModelRecord {
  const f16 = /f16/.test(options.quantization ?? "") || /f16/.test(modelLibUrl.split("/").pop() ?? "");
  return {
    model: modelUrl,
    model_id: modelId,
    model_lib: modelLibUrl,
    ...(f16 ? { required_features: ["shader-f16"] } : {}),
    ...(options.contextWindow ? { overrides: { context_window_size: options.contextWindow } } : {}),
  };
}

/** The app config WebLLM loads from: the prebuilt list plus any custom records (replacing same ids). */
export function appConfigWith(prebuilt: readonly ModelRecord[], extra: readonly ModelRecord[]): AppConfig {
  const ids = new Set(extra.map((r) => r.model_id));
  return { model_list: [...prebuilt.filter((r) => !ids.has(r.model_id)), ...extra], cacheBackend: "cache" };
}
