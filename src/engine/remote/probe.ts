/**
 * What a server offers, found on connect: its models (GET /v1/models), the
 * context window when it says (vLLM's `max_model_len` in the model list,
 * llama-server's per-slot `n_ctx` in GET /props), whether it honours `n` (one
 * tiny request for two choices: vLLM returns two, llama-server refuses, Ollama
 * ignores it and returns one), and whether it counts a chat's tokens (POST
 * /tokenize with messages, as vLLM and the test server do).
 */
import type { ChatMessage } from "../../gsr/types";
import { notOpenAi, ServerError, type ServerConnection } from "./server";
import { requestJson, type FetchFn } from "./request";

export interface ServerModel {
  id: string;
  /** vLLM's max_model_len, when listed. */
  contextWindow: number | null;
}

export interface ServerProbe {
  models: ServerModel[];
  /** Tokens per sequence the server reports for the chosen model, or null when it does not say. */
  contextWindow: number | null;
  /** True when one request with `n: 2` came back with two distinct choices. */
  supportsN: boolean;
  /** True when POST /tokenize counts a chat's tokens. */
  countsTokens: boolean;
}

/** GET /v1/models: the ids the server serves. */
export async function listModels(
  fetchFn: FetchFn,
  connection: ServerConnection,
  signal?: AbortSignal,
): Promise<ServerModel[]> {
  const body = await requestJson(
    fetchFn,
    connection,
    "/v1/models",
    undefined,
    "the model list",
    signal,
  );
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw notOpenAi("the model list");
  const models = data.flatMap((entry: unknown): ServerModel[] => {
    const e = entry as { id?: unknown; max_model_len?: unknown } | null;
    if (typeof e?.id !== "string" || !e.id) return [];
    return [{ id: e.id, contextWindow: positiveInt(e.max_model_len) }];
  });
  if (models.length === 0)
    throw new ServerError(
      "The server lists no models.",
      "not-found",
      "Start the server with a model loaded (llama-server -m, vllm serve <model>, ollama pull <model>).",
    );
  return models;
}

/** llama-server's /props: the context each slot gets (n_ctx is per slot there). */
async function llamaServerContext(
  fetchFn: FetchFn,
  connection: ServerConnection,
  signal?: AbortSignal,
): Promise<number | null> {
  try {
    const props = (await requestJson(
      fetchFn,
      connection,
      "/props",
      undefined,
      "the server's properties",
      signal,
    )) as {
      default_generation_settings?: { n_ctx?: unknown };
      n_ctx?: unknown;
    } | null;
    return positiveInt(props?.default_generation_settings?.n_ctx) ?? positiveInt(props?.n_ctx);
  } catch {
    return null;
  }
}

const PROBE_MESSAGES: ChatMessage[] = [{ role: "user", content: "Say OK." }];

async function honoursN(
  fetchFn: FetchFn,
  connection: ServerConnection,
  model: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const body = await requestJson(
      fetchFn,
      connection,
      "/v1/chat/completions",
      { model, messages: PROBE_MESSAGES, n: 2, max_tokens: 1, temperature: 1, stream: false },
      "a test request",
      signal,
    );
    const choices = (body as { choices?: unknown } | null)?.choices;
    if (!Array.isArray(choices)) return false;
    return new Set(choices.map((c: unknown) => (c as { index?: unknown } | null)?.index)).size >= 2;
  } catch (error) {
    // A refusal of n is expected (llama-server); a wrong key is not.
    if (error instanceof ServerError && /HTTP 40[13]/.test(error.message)) throw error;
    return false;
  }
}

/** The exact token count of a chat under the server's chat template, or null when the server cannot count. */
export async function countChatTokens(
  fetchFn: FetchFn,
  connection: ServerConnection,
  model: string,
  messages: ChatMessage[],
  signal?: AbortSignal,
): Promise<number | null> {
  try {
    const body = (await requestJson(
      fetchFn,
      connection,
      "/tokenize",
      { model, messages },
      "a token count",
      signal,
    )) as {
      count?: unknown;
    } | null;
    return typeof body?.count === "number" && Number.isInteger(body.count) && body.count >= 0
      ? body.count
      : null;
  } catch {
    return null;
  }
}

/** Everything the engine needs to know before a run; throws a ServerError when the server is unusable. */
export async function probeServer(
  fetchFn: FetchFn,
  connection: ServerConnection,
  wantedModel: string,
  signal?: AbortSignal,
): Promise<ServerProbe & { model: string }> {
  const models = await listModels(fetchFn, connection, signal);
  const chosen = wantedModel ? models.find((m) => m.id === wantedModel) : models[0];
  if (!chosen)
    throw new ServerError(
      `The server does not serve the model "${wantedModel.slice(0, 80)}".`,
      "not-found",
      `Pick one of the models it lists: ${models
        .map((m) => m.id)
        .join(", ")
        .slice(0, 200)}.`,
    );
  const [contextWindow, supportsN, count] = await Promise.all([
    chosen.contextWindow !== null
      ? Promise.resolve(chosen.contextWindow)
      : llamaServerContext(fetchFn, connection, signal),
    honoursN(fetchFn, connection, chosen.id, signal),
    countChatTokens(fetchFn, connection, chosen.id, PROBE_MESSAGES, signal),
  ]);
  return { models, model: chosen.id, contextWindow, supportsN, countsTokens: count !== null };
}

function positiveInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}
