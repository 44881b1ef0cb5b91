/**
 * A test double of `Engine` that streams scripted text instead of running a
 * model, and injects the faults a real engine can hit (a dying worker, an
 * error from one sequence, a rejected call, a stall). It behaves like
 * WllamaEngine where the app can tell: sequences stream concurrently in small
 * deltas, an abort ends every sequence with finishReason "aborted", and a
 * crash leaves the engine without a model until the next load.
 */
import { generateOne } from "../src/engine/generateOne";
import type { Engine, EngineCapabilities, LoadedModelInfo, LoadOptions, LoadProgress, ModelSource } from "../src/engine/types";
import { REFINE_SYSTEM_PROMPT } from "../src/gsr/prompts";
import type { ChatMessage, GenerationCallbacks, GenerationRequest, GenerationResult } from "../src/gsr/types";
import type { HarnessScript, HarnessStats, SerializedFault } from "./protocol";

export const DEFAULT_SCRIPT: HarnessScript = {
  candidates: [
    "We add the two numbers: $17 + 25 = 42$.\n\nSo the answer is $\\boxed{42}$.",
    "Tens first: $10 + 20 = 30$, then ones: $7 + 5 = 12$, and $30 + 12 = 42$.\n\n$$\\boxed{42}$$",
  ],
  refined: "Both candidates agree: $17 + 25 = 42$.\n\n**Final answer:** $\\boxed{42}$",
  echoProblem: false,
  chunkChars: 4,
  chunksPerTick: 1,
  tickMs: 8,
  contextWindow: 4096,
  load: { ms: 60, error: null },
  countTokens: { ms: 0, error: null },
  fault: null,
};

function toError(fault: SerializedFault): Error {
  return Object.assign(new Error(fault.message), { name: fault.name });
}

function abortError(): Error {
  return new DOMException("The operation was aborted.", "AbortError");
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Cuts text into token-like deltas of 1 to 2×mean−1 characters, deterministically. */
export function chunk(text: string, mean: number, seed: number): string[] {
  const pieces: string[] = [];
  let state = (seed * 2654435761 + 1) >>> 0;
  let at = 0;
  while (at < text.length) {
    state = (state * 1103515245 + 12345) >>> 0;
    let size = 1 + (state % Math.max(1, 2 * mean - 1));
    // Never end a delta between the halves of a surrogate pair.
    if (/[\uD800-\uDBFF]/.test(text[at + size - 1] ?? "")) size++;
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}

interface Sequence {
  index: number;
  pieces: string[];
  next: number;
  text: string;
  open: boolean;
  firstTokenMs: number | null;
}

export class ScriptedEngine implements Engine {
  readonly capabilities: EngineCapabilities = { kind: "wllama", batchedParallel: true, maxParallel: 8 };
  script: HarnessScript = structuredClone(DEFAULT_SCRIPT);
  readonly stats: HarnessStats = { loads: 0, generateMany: 0, countTokens: 0, saves: 0, failedSaves: 0 };
  private loaded = false;
  /** A scripted fault strikes once per load. */
  private faultFired = false;

  async load(source: ModelSource, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    this.stats.loads++;
    this.loaded = false;
    const { ms, error } = this.script.load;
    const total = 1 << 20;
    const steps = 10;
    for (let step = 0; step <= steps; step++) {
      onProgress({ phase: "download", loadedBytes: (total * step) / steps, totalBytes: total });
      await sleep(ms / steps, options.signal);
    }
    onProgress({ phase: "initialize", loadedBytes: 0, totalBytes: total });
    if (error) throw toError(error);
    this.loaded = true;
    this.faultFired = false;
    return {
      name: source.name,
      contextWindow: this.script.contextWindow,
      parallelSlots: 8,
      threads: 1,
      multithreaded: false,
      fromCache: false,
    };
  }

  contextWindow(): number {
    return this.loaded ? this.script.contextWindow : 0;
  }

  private requireModel(): void {
    if (!this.loaded) throw toError({ name: "ModelNotLoadedError", message: "No model is loaded." });
  }

  async countTokens(messages: ChatMessage[]): Promise<number> {
    this.stats.countTokens++;
    const { ms, error } = this.script.countTokens;
    if (ms > 0) await sleep(ms);
    this.requireModel();
    if (error) throw toError(error);
    const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
    return Math.ceil(chars / 4) + 8 * messages.length;
  }

  async generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    this.stats.generateMany++;
    const phase = requests[0]?.messages[0]?.content === REFINE_SYSTEM_PROMPT ? "refine" : "candidates";
    const script = this.script;
    const started = performance.now();
    const fault = script.fault?.phase === phase && !this.faultFired ? script.fault : null;

    const sequences: Sequence[] = requests.map((request, index) => {
      let text = phase === "refine" ? script.refined : (script.candidates[index % script.candidates.length] ?? "");
      if (phase === "candidates" && script.echoProblem) {
        const problem = request.messages.find((m) => m.role === "user")?.content ?? "";
        text = `${problem}\n\n${text}`;
      }
      return { index, pieces: chunk(text, script.chunkChars, index + 1), next: 0, text: "", open: true, firstTokenMs: null };
    });

    if (!this.loaded) {
      for (const s of sequences) callbacks.onError(s.index, toError({ name: "ModelNotLoadedError", message: "No model is loaded." }));
      return;
    }

    const result = (s: Sequence, finishReason: GenerationResult["finishReason"]): GenerationResult => ({
      text: s.text,
      tokens: s.next,
      finishReason,
      firstTokenMs: s.firstTokenMs,
      totalMs: performance.now() - started,
    });
    const open = () => sequences.filter((s) => s.open);
    const fail = (s: Sequence, error: Error) => {
      s.open = false;
      callbacks.onError(s.index, error);
    };
    /** Strikes the scripted fault; true when the call is over. */
    const strike = async (): Promise<boolean> => {
      if (!fault) return false;
      this.faultFired = true;
      const error = toError(fault.error ?? { name: "Error", message: "Scripted engine failure." });
      switch (fault.kind) {
        case "crash": {
          // The model is gone with the worker (or the GPU device); every open sequence fails with the same error.
          this.loaded = false;
          const crash = fault.error ? error : new Error("The engine worker crashed: simulated crash (harness)");
          for (const s of open()) fail(s, crash);
          return true;
        }
        case "sequence-error":
          for (const s of open()) if (fault.index === undefined || fault.index === s.index) fail(s, error);
          return open().length === 0;
        case "reject":
          throw error;
        case "stall":
          await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
          return false;
      }
    };

    for (const s of sequences) callbacks.onStart?.(s.index);
    let struck = false;
    while (!signal.aborted && open().length > 0) {
      if (!struck && fault && sequences.some((s) => s.text.length >= fault.afterChars)) {
        struck = true;
        if (await strike()) return;
        if (signal.aborted) break;
      }
      for (const s of open()) {
        for (let k = 0; k < script.chunksPerTick && s.next < s.pieces.length; k++) {
          const delta = s.pieces[s.next++]!;
          s.text += delta;
          s.firstTokenMs ??= performance.now() - started;
          callbacks.onDelta(s.index, delta);
        }
      }
      for (const s of open()) {
        if (s.next >= s.pieces.length) {
          s.open = false;
          callbacks.onDone(s.index, result(s, "stop"));
        }
      }
      if (open().length === 0) return;
      try {
        await sleep(script.tickMs, signal);
      } catch {
        break;
      }
    }
    for (const s of open()) {
      s.open = false;
      callbacks.onDone(s.index, result(s, "aborted"));
    }
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  async unload(): Promise<void> {
    this.loaded = false;
  }

  dispose(): void {
    this.loaded = false;
  }
}
