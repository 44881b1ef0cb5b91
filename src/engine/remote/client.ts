/**
 * The Engine over a shared OpenAI-compatible server. The server does the
 * batching: the N candidates go out as one request with `n: N` when the server
 * honours it (vLLM shares the prompt's prefix across the samples), else as N
 * concurrent requests (llama-server and Ollama decode them together across
 * their parallel slots). Either way every panel streams at once, and the one
 * AbortSignal of the run ends every stream when Stop is pressed.
 */
import { generateOne } from "../generateOne";
import type {
  ChatMessage,
  FinishReason,
  GenerationCallbacks,
  GenerationRequest,
  GenerationResult,
} from "../../gsr/types";
import type {
  Engine,
  EngineCapabilities,
  LoadedModelInfo,
  LoadOptions,
  LoadProgress,
  ModelSource,
} from "../types";
import { countChatTokens, probeServer, type ServerProbe } from "./probe";
import { requestStream, type FetchFn } from "./request";
import { ServerError, type ServerConnection } from "./server";

/** Requests sent at once; llama-server's --parallel and OLLAMA_NUM_PARALLEL bound what the server decodes together. */
export const REMOTE_MAX_PARALLEL = 8;

interface Connected {
  connection: ServerConnection;
  model: string;
  probe: ServerProbe;
  contextWindow: number;
}

interface Sequence {
  text: string;
  tokens: number;
  usageTokens: number | null;
  firstTokenMs: number | null;
  finish: FinishReason | null;
  thinking: boolean;
}

export class RemoteEngine implements Engine {
  readonly capabilities: EngineCapabilities = {
    kind: "remote",
    batchedParallel: true,
    maxParallel: REMOTE_MAX_PARALLEL,
  };
  private server: Connected | null = null;

  constructor(
    private readonly fetchFn: FetchFn = (...args) => fetch(...args),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** How the last load found the server (for the model line and tests). */
  get probe(): ServerProbe | null {
    return this.server?.probe ?? null;
  }

  async load(
    source: ModelSource,
    options: LoadOptions,
    onProgress: (p: LoadProgress) => void,
  ): Promise<LoadedModelInfo> {
    if (source.kind !== "remote")
      throw new Error(`The server engine cannot load a ${source.kind} model.`);
    this.server = null;
    const connection: ServerConnection = {
      baseUrl: source.baseUrl,
      apiKey: source.apiKey,
      timeoutMs: source.timeoutMs,
    };
    onProgress({
      phase: "initialize",
      loadedBytes: 0,
      totalBytes: 0,
      text: `Connecting to ${new URL(source.baseUrl).host}…`,
    });
    const probe = await probeServer(this.fetchFn, connection, source.model, options.signal);
    const contextWindow = probe.contextWindow ?? options.contextSize;
    this.server = { connection, model: probe.model, probe, contextWindow };
    return {
      name: `${probe.model} on ${new URL(source.baseUrl).host}`,
      contextWindow,
      parallelSlots: REMOTE_MAX_PARALLEL,
      threads: 0,
      multithreaded: false,
      fromCache: false,
    };
  }

  contextWindow(): number {
    return this.server?.contextWindow ?? 0;
  }

  /**
   * The server's own count when it has /tokenize (vLLM); else an upper bound:
   * no byte-level tokenizer makes more tokens than UTF-8 bytes, plus room for
   * the chat template's markers.
   */
  async countTokens(messages: ChatMessage[]): Promise<number> {
    const server = this.requireServer();
    if (server.probe.countsTokens) {
      const count = await countChatTokens(this.fetchFn, server.connection, server.model, messages);
      if (count !== null) return count;
    }
    const encoder = new TextEncoder();
    return messages.reduce((sum, m) => sum + encoder.encode(m.content).length + 8, 16);
  }

  async generateMany(
    requests: GenerationRequest[],
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<void> {
    const server = this.requireServer();
    const started = this.now();
    const sequences: Sequence[] = requests.map(() => ({
      text: "",
      tokens: 0,
      usageTokens: null,
      firstTokenMs: null,
      finish: null,
      thinking: false,
    }));
    const result = (i: number, finishReason: FinishReason): GenerationResult => {
      const s = sequences[i]!;
      return {
        text: s.text,
        tokens: s.usageTokens ?? s.tokens,
        finishReason,
        firstTokenMs: s.firstTokenMs,
        totalMs: this.now() - started,
      };
    };
    const append = (i: number, delta: string) => {
      const s = sequences[i]!;
      s.text += delta;
      callbacks.onDelta(i, delta);
    };

    const stream = async (indexes: number[], request: GenerationRequest, n: number) => {
      for (const i of indexes) callbacks.onStart?.(i);
      try {
        await requestStream(
          this.fetchFn,
          server.connection,
          "/v1/chat/completions",
          chatBody(server.model, request, n),
          "the generation request",
          signal,
          (data) => {
            const chunk = data as ChatChunk;
            if (!chunk || typeof chunk !== "object") return;
            for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
              const i = indexes[typeof choice?.index === "number" ? choice.index : 0];
              if (i === undefined) continue;
              const s = sequences[i]!;
              const reasoning =
                stringOr(choice.delta?.reasoning_content) ?? stringOr(choice.delta?.reasoning);
              const content = stringOr(choice.delta?.content);
              if (reasoning || content) {
                s.firstTokenMs ??= this.now() - started;
                s.tokens += 1;
              }
              // Thinking models on vLLM/llama-server send reasoning apart; the app shows it as a <think> block.
              if (reasoning)
                append(i, s.thinking ? reasoning : ((s.thinking = true), `<think>${reasoning}`));
              if (content)
                append(i, s.thinking ? ((s.thinking = false), `</think>${content}`) : content);
              if (choice.finish_reason)
                s.finish = choice.finish_reason === "length" ? "length" : "stop";
            }
            // With one choice per request the usage is that candidate's own count.
            const usage = positiveOrZero(chunk.usage?.completion_tokens);
            if (usage !== null && indexes.length === 1) sequences[indexes[0]!]!.usageTokens = usage;
          },
        );
        for (const i of indexes) callbacks.onDone(i, result(i, sequences[i]!.finish ?? "stop"));
      } catch (error) {
        for (const i of indexes) {
          if (signal.aborted) callbacks.onDone(i, result(i, "aborted"));
          else callbacks.onError(i, error instanceof Error ? error : new Error(String(error)));
        }
      }
    };

    if (requests.length > 1 && server.probe.supportsN && sameButSeed(requests)) {
      await stream(
        requests.map((_, i) => i),
        requests[0]!,
        requests.length,
      );
    } else {
      await Promise.all(requests.map((request, i) => stream([i], request, 1)));
    }
  }

  generate(
    request: GenerationRequest,
    onDelta: (delta: string) => void,
    signal: AbortSignal,
  ): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  async unload(): Promise<void> {
    this.server = null;
  }

  dispose(): void {
    this.server = null;
  }

  private requireServer(): Connected {
    if (!this.server)
      throw new ServerError(
        "No server is connected.",
        "unknown",
        "Press Load to connect to the server.",
      );
    return this.server;
  }
}

interface ChatChunk {
  choices?: Array<{
    index?: unknown;
    delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown };
    finish_reason?: unknown;
  }>;
  usage?: { completion_tokens?: unknown };
}

/** The OpenAI chat-completions body; usage is asked for per stream (servers that do not know the option ignore it). */
export function chatBody(
  model: string,
  request: GenerationRequest,
  n: number,
): Record<string, unknown> {
  const { temperature, topP, maxTokens, seed } = request.sampling;
  return {
    model,
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature,
    top_p: topP,
    max_tokens: maxTokens,
    seed,
    ...(n > 1 ? { n } : {}),
  };
}

/** Candidates differ only in their seed; then one n-choice request can stand for all of them. */
function sameButSeed(requests: GenerationRequest[]): boolean {
  const key = (r: GenerationRequest) =>
    JSON.stringify([r.messages, r.sampling.temperature, r.sampling.topP, r.sampling.maxTokens]);
  const first = key(requests[0]!);
  return requests.every((r) => key(r) === first);
}

function stringOr(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function positiveOrZero(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}
