/**
 * A test double of the Engine interface for the streaming-UI benchmark. It
 * keeps the contract of the real engines (src/engine/types.ts): exact token
 * counts from its own tokenizer, a context window, generateMany with
 * per-sequence callbacks (start, deltas, one done or error) and an AbortSignal
 * that ends every open sequence with finishReason "aborted". Tokens come from
 * a worker clock at `plan.rate` per sequence, one message per token.
 */
import { generateOne } from "../../../src/engine/generateOne";
import type { Engine, EngineCapabilities, LoadedModelInfo, LoadOptions, LoadProgress, ModelSource } from "../../../src/engine/types";
import type { ChatMessage, FinishReason, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../../src/gsr/types";
import { REFINE_SYSTEM_PROMPT } from "../../../src/gsr/prompts";
import type { FakePlan } from "../hooks";
import type { ClockReply, ClockRequest } from "./clock-protocol";
import { solutionTokens, tokenize } from "./solutions";

const CONTEXT_WINDOW = 32768;

export class FakeEngine implements Engine {
  readonly capabilities: EngineCapabilities = { kind: "wllama", batchedParallel: true, maxParallel: 8 };
  plan: FakePlan = { rate: 50, candidateTokens: 1000, refineTokens: 500, prefixTokens: 0 };
  /** When the latest generation began streaming at the plan's rate. */
  streamingSince: number | null = null;

  private readonly clock = new Worker(new URL("./token-clock.worker.ts", import.meta.url), { type: "module", name: "fake-token-clock" });
  private readonly handlers = new Map<number, (reply: ClockReply) => void>();
  private nextId = 1;
  private loaded: LoadedModelInfo | null = null;

  constructor() {
    this.clock.onmessage = (event: MessageEvent<ClockReply>) => this.handlers.get(event.data.id)?.(event.data);
  }

  private send(request: ClockRequest): void {
    this.clock.postMessage(request);
  }

  async load(source: ModelSource, _options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    onProgress({ phase: "initialize", loadedBytes: 0, totalBytes: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.loaded = { name: `fake (${source.name})`, contextWindow: CONTEXT_WINDOW, parallelSlots: 8, threads: 1, multithreaded: false, fromCache: false };
    return this.loaded;
  }

  contextWindow(): number {
    return this.loaded?.contextWindow ?? 0;
  }

  async countTokens(messages: ChatMessage[]): Promise<number> {
    // A round trip, as with a real engine's worker; ChatML adds ~4 tokens a message.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return messages.reduce((n, m) => n + tokenize(m.content).length + 4, 2);
  }

  generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    const id = this.nextId++;
    const plan = this.plan;
    const started = performance.now();
    const scripts = requests.map((request, index) => {
      const refine = request.messages[0]?.content === REFINE_SYSTEM_PROMPT;
      const wanted = refine ? plan.refineTokens : plan.candidateTokens;
      const count = Math.min(wanted, request.sampling.maxTokens);
      const finishReason: FinishReason = count < wanted ? "length" : "stop";
      return { index, tokens: solutionTokens(request.sampling.seed * 2 + (refine ? 1 : 0), count), finishReason };
    });
    const state = scripts.map(() => ({ text: "", tokens: 0, firstTokenMs: null as number | null, open: true }));

    return new Promise<void>((resolve) => {
      let openCount = scripts.length;
      const finish = (index: number, finishReason: FinishReason) => {
        const s = state[index];
        if (!s?.open) return;
        s.open = false;
        const result: GenerationResult = { text: s.text, tokens: s.tokens, finishReason, firstTokenMs: s.firstTokenMs, totalMs: performance.now() - started };
        callbacks.onDone(index, result);
        if (--openCount === 0) {
          signal.removeEventListener("abort", onAbort);
          this.handlers.delete(id);
          resolve();
        }
      };
      const deliver = (index: number, text: string, tokens: number) => {
        const s = state[index]!;
        if (!s.open) return;
        s.text += text;
        s.tokens += tokens;
        s.firstTokenMs ??= performance.now() - started;
        callbacks.onDelta(index, text);
      };
      const onAbort = () => {
        this.send({ type: "abort", id });
        scripts.forEach((_, index) => finish(index, "aborted"));
      };
      if (signal.aborted) {
        scripts.forEach((_, index) => finish(index, "aborted"));
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      this.handlers.set(id, (reply) => {
        if (reply.type === "token") deliver(reply.index, reply.text, 1);
        else finish(reply.index, scripts[reply.index]!.finishReason);
      });
      scripts.forEach((s) => callbacks.onStart?.(s.index));

      const prefix = Math.max(0, plan.prefixTokens);
      const startClock = () => {
        if (signal.aborted) return;
        this.streamingSince = performance.now();
        this.send({ type: "start", id, rate: plan.rate, sequences: scripts.map((s) => ({ index: s.index, tokens: s.tokens.slice(prefix) })) });
      };
      this.streamingSince = null;
      if (prefix === 0) return startClock();
      // Start long: each sequence gets its first `prefix` tokens at once, then the
      // clock starts once that render has been painted and the page has settled.
      for (const s of scripts) {
        const head = s.tokens.slice(0, prefix);
        deliver(s.index, head.join(""), head.length);
      }
      requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(startClock, 300)));
    });
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  async unload(): Promise<void> {
    this.loaded = null;
  }

  dispose(): void {
    this.clock.terminate();
    this.handlers.clear();
  }
}
