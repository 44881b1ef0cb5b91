/** Test helpers for benchmark mode: a scripted engine and an in-memory storage. Not used by the app. */
import { REFINE_SYSTEM_PROMPT } from "../../gsr/prompts";
import type { Engine } from "../../engine/types";
import type { ChatMessage, GenerationCallbacks, GenerationPort, GenerationRequest } from "../../gsr/types";
import type { BenchmarkMeta, BenchmarkProblem, BenchmarkState, BenchmarkStorage, ProblemResult } from "../types";

export interface Reply {
  text: string;
  /** Fail the sequence with this message instead of finishing. */
  error?: string;
}

export interface ScriptedPortOptions {
  /** The reply to a solve request for this problem text and seed. */
  solve: (problem: string, seed: number) => Reply;
  /** The reply to a refine request (the user message holds the problem and the candidates). */
  refine: (prompt: string, seed: number) => Reply;
  /** Called when a generateMany call starts, before any sequence streams (e.g. to abort). */
  onCall?: (requests: GenerationRequest[], call: number) => void;
  contextWindow?: number;
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** An engine that streams scripted replies in 2 deltas each and honours the abort signal. */
export class ScriptedPort implements GenerationPort {
  readonly calls: GenerationRequest[][] = [];

  constructor(private readonly options: ScriptedPortOptions) {}

  contextWindow(): number {
    return this.options.contextWindow ?? 32_768;
  }

  async countTokens(messages: ChatMessage[]): Promise<number> {
    return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
  }

  async generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    this.calls.push(requests);
    this.options.onCall?.(requests, this.calls.length);
    await Promise.all(
      requests.map(async (request, index) => {
        const user = request.messages.find((m) => m.role === "user")?.content ?? "";
        const refining = request.messages[0]?.content === REFINE_SYSTEM_PROMPT;
        const reply = refining ? this.options.refine(user, request.sampling.seed) : this.options.solve(user, request.sampling.seed);
        callbacks.onStart?.(index);
        const half = Math.ceil(reply.text.length / 2);
        let sent = "";
        for (const delta of [reply.text.slice(0, half), reply.text.slice(half)]) {
          await tick();
          if (signal.aborted) {
            callbacks.onDone(index, { text: sent, tokens: sent.length, finishReason: "aborted", firstTokenMs: 1, totalMs: 2 });
            return;
          }
          sent += delta;
          callbacks.onDelta(index, delta);
        }
        await tick();
        if (reply.error !== undefined) callbacks.onError(index, new Error(reply.error));
        else callbacks.onDone(index, { text: reply.text, tokens: 10, finishReason: "stop", firstTokenMs: 1, totalMs: 5 });
      }),
    );
  }
}

/** A {@link BenchmarkStorage} in memory, with a log of what was written. */
export class MemoryBenchmarkStorage implements BenchmarkStorage {
  readonly metas = new Map<string, BenchmarkMeta>();
  readonly results = new Map<string, Map<number, ProblemResult>>();
  readonly log: string[] = [];

  async saveMeta(meta: BenchmarkMeta): Promise<void> {
    this.log.push(`meta:${meta.status}`);
    this.metas.set(meta.id, structuredClone(meta));
  }

  async saveResult(benchId: string, result: ProblemResult): Promise<void> {
    this.log.push(`result:${result.index}:${result.status}`);
    let rows = this.results.get(benchId);
    if (!rows) this.results.set(benchId, (rows = new Map()));
    rows.set(result.index, structuredClone(result));
  }

  async loadLatest(): Promise<BenchmarkState | null> {
    const meta = [...this.metas.values()].sort((a, b) => a.updatedAt - b.updatedAt).at(-1);
    if (!meta) return null;
    const rows = this.results.get(meta.id) ?? new Map<number, ProblemResult>();
    return structuredClone({
      meta,
      results: meta.problems.map(
        (p, index): ProblemResult =>
          rows.get(index) ?? { index, problemId: p.id, status: "pending", outcome: null, score: null, startedAt: null, finishedAt: null },
      ),
    });
  }

  async remove(benchId: string): Promise<void> {
    this.metas.delete(benchId);
    this.results.delete(benchId);
  }
}

/** Problems whose reference answers are 42, 24 and 7. */
export const PROBLEMS: BenchmarkProblem[] = [
  { id: "t-1", dataset: "test", problem: "What is 17 + 25?", answer: "42" },
  { id: "t-2", dataset: "test", problem: "What is 4 times 6?", answer: "24", level: "1", subject: "Arithmetic" },
  { id: "t-3", dataset: "test", problem: "What is 3 + 4?", answer: "7" },
];

export const boxed = (answer: string, lead = "Working it out") => `${lead}: the result is $\\boxed{${answer}}$.`;

/** A ready wllama-like engine that generates through `port` (for store tests). */
export function scriptedEngine(port: GenerationPort): Engine {
  return {
    capabilities: { kind: "wllama", batchedParallel: true, maxParallel: 8 },
    contextWindow: () => port.contextWindow(),
    countTokens: (m) => port.countTokens(m),
    generateMany: (r, c, s) => port.generateMany(r, c, s),
    load: async () => ({ name: "fake", contextWindow: 4096, parallelSlots: 8, threads: 1, multithreaded: false, fromCache: false }),
    generate: async () => {
      throw new Error("unused");
    },
    unload: async () => {},
    dispose: () => {},
  };
}
