/**
 * The sequential path of `WebLlmEngine.generateMany`: one candidate at a time
 * through WebLLM's own OpenAI-style streaming API, each with its own seed. It is
 * the path every model can take, and the one a batched run falls back to, so it
 * also holds what that fallback needs: the `Leftover` a batch hands over and the
 * callbacks that continue its streamed text without repeating it. Kept apart from
 * the batched path (batchedPath.ts) because it uses only WebLLM's public API and
 * none of the batching policy.
 */
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionRequestStreaming } from "@mlc-ai/web-llm";
import type { FinishReason, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { ReplayFilter } from "./batching";
import { webLlmError } from "./errors";
import type { WebLlmRuntime } from "./runtime";
import type { RuntimeSlot } from "./runtimeSlot";

/** A candidate the batched path left to the sequential one. */
export interface Leftover {
  index: number;
  /** Text already streamed for it. */
  shown: string;
  tokens: number;
  started: boolean;
}

/** Every request as a leftover that nothing was streamed for yet. */
export function untouched(requests: readonly GenerationRequest[]): Leftover[] {
  return requests.map((_, index) => ({ index, shown: "", tokens: 0, started: false }));
}

export class SequentialPath {
  constructor(
    private readonly slot: RuntimeSlot,
    private readonly now: () => number,
  ) {}

  /** Streams one candidate to `index` and ends it with `onDone` or `onError`. */
  async generate(
    runtime: WebLlmRuntime,
    index: number,
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<void> {
    const started = this.now();
    let text = "";
    let chunks = 0;
    let reportedTokens: number | null = null;
    let firstTokenMs: number | null = null;
    let finishReason: FinishReason = "stop";
    const result = (): GenerationResult => ({
      text,
      tokens: reportedTokens ?? chunks,
      finishReason: signal.aborted ? "aborted" : finishReason,
      firstTokenMs,
      totalMs: this.now() - started,
    });

    callbacks.onStart?.(index);
    if (signal.aborted) {
      callbacks.onDone(index, result());
      return;
    }
    // interruptGenerate() stops WebLLM's decode loop; WebLLM resets the flag when a generation
    // starts, so an interrupt that arrives before that is caught by the checks below instead.
    const interrupt = () => runtime.engine.interruptGenerate();
    signal.addEventListener("abort", interrupt, { once: true });
    let iterator: AsyncIterator<ChatCompletionChunk> | null = null;
    try {
      const stream = await this.slot.race(runtime, runtime.engine.chat.completions.create(toChatCompletionRequest(request)));
      iterator = stream[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const step = await this.slot.race(runtime, iterator.next());
        if (step.done) {
          iterator = null;
          break;
        }
        const chunk = step.value;
        const choice = chunk.choices[0];
        const delta = choice?.delta.content ?? "";
        if (delta) {
          chunks++;
          firstTokenMs ??= this.now() - started;
          text += delta;
          callbacks.onDelta(index, delta);
        }
        if (choice?.finish_reason) finishReason = toFinishReason(choice.finish_reason);
        if (chunk.usage) reportedTokens = chunk.usage.completion_tokens;
      }
      callbacks.onDone(index, result());
    } catch (error) {
      if (signal.aborted) callbacks.onDone(index, result());
      else callbacks.onError(index, webLlmError(error));
    } finally {
      signal.removeEventListener("abort", interrupt);
      // Leaving a stream early: return() ends WebLLM's generator in the worker, which releases the model's lock.
      if (iterator?.return) await this.slot.race(runtime, iterator.return()).catch(() => undefined);
    }
  }
}

/** Callbacks for regenerating a candidate the batch left unfinished, after `leftover.shown` was streamed. */
export function replaying(leftover: Leftover, callbacks: GenerationCallbacks): GenerationCallbacks {
  const filter = new ReplayFilter(leftover.shown);
  return {
    // It already started, in the batch.
    onStart: () => {},
    onDelta: (index, delta) => {
      const fresh = filter.push(delta);
      if (fresh) callbacks.onDelta(index, fresh);
    },
    onDone: (index, result) => {
      const text = filter.finalText(result.text, result.finishReason === "aborted");
      callbacks.onDone(index, text === result.text ? result : { ...result, text, tokens: Math.max(result.tokens, leftover.tokens) });
    },
    onError: (index, error) => callbacks.onError(index, error),
  };
}

function toFinishReason(reason: string): FinishReason {
  if (reason === "length") return "length";
  if (reason === "abort") return "aborted";
  return "stop"; // "stop", "tool_calls"
}

/** One streamed chat completion with usage, as WebLLM's OpenAI-style API takes it. */
export function toChatCompletionRequest(request: GenerationRequest): ChatCompletionRequestStreaming {
  const { temperature, topP, maxTokens, seed } = request.sampling;
  return {
    messages: request.messages.map((m) => ({ role: m.role, content: m.content }) as ChatCompletionMessageParam),
    stream: true,
    stream_options: { include_usage: true },
    temperature: Math.max(0, temperature),
    // WebLLM requires 0 < top_p <= 1.
    top_p: topP > 0 && topP <= 1 ? topP : 1,
    max_tokens: Math.max(1, Math.floor(maxTokens)),
    // WebLLM requires an integer seed; it applies it for this request only.
    ...(Number.isFinite(seed) ? { seed: Math.trunc(seed) } : {}),
  };
}
