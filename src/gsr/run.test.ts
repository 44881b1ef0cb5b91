import { describe, expect, it } from "vitest";
import { buildSolvePrompt, promptTokenBound, REFINE_SYSTEM_PROMPT, SOLVE_SYSTEM_PROMPT } from "./prompts";
import { runGsr, type RunGsrOptions } from "./run";
import type {
  ChatMessage,
  GenerationCallbacks,
  GenerationPort,
  GenerationRequest,
  GsrEvent,
  RunSettings,
} from "./types";

/** What the fake engine does for one sequence: stream deltas, then stop or fail. */
interface Script {
  deltas: string[];
  /** Fail with this message after the deltas instead of finishing. */
  error?: string;
  /** Finish with this reason (default "stop"). */
  finishReason?: "stop" | "length";
}

interface FakePortOptions {
  contextWindow?: number;
  /** Script of a candidate, by its seed. */
  candidate: (seed: number) => Script;
  /** Script of the refinement. */
  refine?: Script;
  /** Makes generateMany reject in the given phase (after starting every sequence). */
  rejectIn?: "candidates" | "refine";
  /** Makes countTokens reject. */
  countTokensFails?: boolean;
  /** Skip onStart, send no onDone for the listed seeds, and call back after resolving. */
  misbehave?: { noStart?: boolean; silentSeeds?: number[]; lateCallbacks?: boolean };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A scripted engine: tokens are characters / 4, sequences stream in turn and honour the signal. */
class FakePort implements GenerationPort {
  readonly calls: GenerationRequest[][] = [];
  private late: (() => void)[] = [];

  constructor(private readonly options: FakePortOptions) {}

  contextWindow(): number {
    return this.options.contextWindow ?? 32_768;
  }

  async countTokens(messages: ChatMessage[]): Promise<number> {
    if (this.options.countTokensFails) throw new Error("tokenizer not loaded");
    return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
  }

  async generateMany(
    requests: GenerationRequest[],
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<void> {
    this.calls.push(requests);
    const refining = requests[0]?.messages[0]?.content === REFINE_SYSTEM_PROMPT;
    const misbehave = this.options.misbehave ?? {};
    await Promise.all(
      requests.map(async (request, index) => {
        const seed = request.sampling.seed;
        const script = refining
          ? (this.options.refine ?? { deltas: ["\\boxed{0}"] })
          : this.options.candidate(seed);
        if (!misbehave.noStart) callbacks.onStart?.(index);
        let text = "";
        for (const delta of script.deltas) {
          await tick();
          if (signal.aborted) {
            callbacks.onDone(index, {
              text,
              tokens: text.length,
              finishReason: "aborted",
              firstTokenMs: 1,
              totalMs: 2,
            });
            return;
          }
          text += delta;
          callbacks.onDelta(index, delta);
        }
        await tick();
        if (misbehave.silentSeeds?.includes(seed)) return;
        if (script.error !== undefined) {
          callbacks.onError(index, new Error(script.error));
          return;
        }
        const finishReason = signal.aborted ? "aborted" : (script.finishReason ?? "stop");
        callbacks.onDone(index, {
          text,
          tokens: text.length,
          finishReason,
          firstTokenMs: 1,
          totalMs: 2,
        });
        if (misbehave.lateCallbacks) {
          this.late.push(() => {
            callbacks.onDelta(index, "late");
            callbacks.onDone(index, {
              text: "late",
              tokens: 1,
              finishReason: "stop",
              firstTokenMs: 1,
              totalMs: 1,
            });
          });
        }
      }),
    );
    if (this.options.rejectIn === (refining ? "refine" : "candidates"))
      throw new Error("GPU device lost");
  }

  /** Replays callbacks the engine sends after it resolved. */
  flushLate(): void {
    this.late.forEach((callback) => callback());
  }
}

const settings = (n: number, overrides: Partial<RunSettings["sampling"]> = {}): RunSettings => ({
  n,
  sampling: { temperature: 0.7, topP: 0.95, maxTokens: 512, seed: 100, ...overrides },
});

/** Splits a solution into a few deltas, as an engine streams it. */
function streamed(text: string, chunk = 7): Script {
  const deltas: string[] = [];
  for (let i = 0; i < text.length; i += chunk) deltas.push(text.slice(i, i + chunk));
  return { deltas };
}

async function run(
  port: FakePort,
  options: Partial<RunGsrOptions> & { abortOn?: (e: GsrEvent) => boolean } = {},
) {
  const controller = new AbortController();
  const events: GsrEvent[] = [];
  const { abortOn, ...rest } = options;
  await runGsr({
    port,
    problem: "What is 1 + 2?",
    settings: settings(3),
    signal: controller.signal,
    onEvent: (event) => {
      events.push(event);
      if (abortOn?.(event)) controller.abort();
    },
    ...rest,
  });
  return events;
}

/** Checks what every run must satisfy, whatever happened. */
function expectWellFormed(events: GsrEvent[]): void {
  const done = events.filter((e) => e.type === "run-done");
  expect(done).toHaveLength(1);
  expect(events.at(-1)?.type).toBe("run-done");
  const started = new Set<number>();
  const ended = new Set<number>();
  for (const event of events) {
    if (event.type === "candidate-start") {
      expect(started.has(event.index)).toBe(false);
      started.add(event.index);
    } else if (event.type === "candidate-delta") {
      expect(started.has(event.index)).toBe(true);
      expect(ended.has(event.index)).toBe(false);
    } else if (event.type === "candidate-done" || event.type === "candidate-error") {
      expect(started.has(event.index)).toBe(true);
      expect(ended.has(event.index)).toBe(false);
      ended.add(event.index);
    }
  }
  expect([...ended].sort()).toEqual([...started].sort());
}

const types = (events: GsrEvent[]) => [...new Set(events.map((e) => e.type))];
const runDone = (events: GsrEvent[]) => events.at(-1) as Extract<GsrEvent, { type: "run-done" }>;

const answers: Record<number, string> = { 100: "3", 101: "\\frac{6}{2}", 102: "4" };
const solution = (seed: number) =>
  streamed(`We add 1 and 2.\nSo the answer is \\boxed{${answers[seed] ?? "?"}}.`);

describe("runGsr: a complete run", () => {
  it("emits candidates, the vote, the refinement and run-done in order", async () => {
    const port = new FakePort({
      candidate: solution,
      refine: streamed("Checking all three: 1 + 2 = 3. \\boxed{3}"),
    });
    const events = await run(port);
    expectWellFormed(events);
    expect(types(events)).toEqual([
      "candidates-start",
      "candidate-start",
      "candidate-delta",
      "candidate-done",
      "vote",
      "refine-start",
      "refine-delta",
      "refine-done",
      "run-done",
    ]);
    expect(events[0]).toMatchObject({ type: "candidates-start", n: 3 });
    const voteIndex = events.findIndex((e) => e.type === "vote");
    expect(events.slice(voteIndex + 1).some((e) => e.type.startsWith("candidate"))).toBe(false);
    expect(runDone(events)).toEqual({ type: "run-done", status: "complete" });
  });

  it("streams each candidate's text and extracts its answer", async () => {
    const port = new FakePort({ candidate: solution });
    const events = await run(port);
    for (const index of [0, 1, 2]) {
      const text = events
        .filter(
          (e): e is Extract<GsrEvent, { type: "candidate-delta" }> =>
            e.type === "candidate-delta" && e.index === index,
        )
        .map((e) => e.delta)
        .join("");
      const done = events.find((e) => e.type === "candidate-done" && e.index === index);
      expect(done).toMatchObject({
        result: { text, finishReason: "stop" },
        answer: answers[100 + index],
      });
    }
  });

  it("votes by equivalence: 3 and 6/2 form the majority", async () => {
    const events = await run(new FakePort({ candidate: solution }));
    const vote = events.find((e) => e.type === "vote");
    expect(vote).toEqual({
      type: "vote",
      vote: {
        clusters: [
          { representative: "3", members: [0, 1] },
          { representative: "4", members: [2] },
        ],
        majority: { representative: "3", members: [0, 1] },
        unanswered: [],
      },
    });
  });

  it("gives candidate i seed + i and the refinement seed + N, with the same other sampling", async () => {
    const port = new FakePort({ candidate: solution });
    await run(port, { settings: settings(3, { seed: 7 }) });
    const [candidateCall, refineCall] = port.calls;
    expect(candidateCall?.map((r) => r.sampling.seed)).toEqual([7, 8, 9]);
    expect(refineCall?.map((r) => r.sampling.seed)).toEqual([10]);
    for (const request of [...(candidateCall ?? []), ...(refineCall ?? [])]) {
      expect(request.sampling).toMatchObject({ temperature: 0.7, topP: 0.95, maxTokens: 512 });
    }
    expect(candidateCall?.[0]?.messages.at(-1)).toEqual({
      role: "user",
      content: "What is 1 + 2?",
    });
  });

  it("shows every candidate to the refinement and reports its answer", async () => {
    const port = new FakePort({
      candidate: solution,
      refine: streamed("All wrong; it is \\boxed{5}"),
    });
    const events = await run(port);
    const refinePrompt = port.calls[1]?.[0]?.messages.at(-1)?.content ?? "";
    for (const answer of Object.values(answers))
      expect(refinePrompt).toContain(`\\boxed{${answer}}`);
    expect(events.find((e) => e.type === "refine-start")).toEqual({
      type: "refine-start",
      promptTokens: expect.any(Number) as number,
      shortened: null,
    });
    expect(events.find((e) => e.type === "refine-done")).toMatchObject({
      answer: "5",
      result: { text: "All wrong; it is \\boxed{5}" },
    });
  });

  it("runs with a single candidate", async () => {
    const events = await run(new FakePort({ candidate: solution }), { settings: settings(1) });
    expectWellFormed(events);
    expect(runDone(events).status).toBe("complete");
  });
});

describe("runGsr: stopping", () => {
  it("stops before anything when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const events: GsrEvent[] = [];
    const port = new FakePort({ candidate: solution });
    await runGsr({
      port,
      problem: "p",
      settings: settings(2),
      signal: controller.signal,
      onEvent: (e) => events.push(e),
    });
    expect(events).toEqual([{ type: "run-done", status: "stopped" }]);
    expect(port.calls).toHaveLength(0);
  });

  it("stops during the candidates: each ends as aborted, no vote, no refinement", async () => {
    const port = new FakePort({ candidate: solution });
    const events = await run(port, {
      abortOn: (e) => e.type === "candidate-delta" && e.index === 1,
    });
    expectWellFormed(events);
    const done = events.filter((e) => e.type === "candidate-done");
    expect(done).toHaveLength(3);
    for (const event of done) expect(event).toMatchObject({ result: { finishReason: "aborted" } });
    expect(types(events)).not.toContain("vote");
    expect(types(events)).not.toContain("refine-start");
    expect(runDone(events)).toEqual({ type: "run-done", status: "stopped" });
    expect(port.calls).toHaveLength(1);
  });

  it("stops after the candidates finished, before the vote", async () => {
    let finished = 0;
    const events = await run(new FakePort({ candidate: solution }), {
      abortOn: (e) => e.type === "candidate-done" && ++finished === 3,
    });
    expectWellFormed(events);
    expect(types(events)).not.toContain("vote");
    expect(runDone(events).status).toBe("stopped");
  });

  it("stops after the vote, before the refinement starts", async () => {
    const port = new FakePort({ candidate: solution });
    const events = await run(port, { abortOn: (e) => e.type === "vote" });
    expect(types(events)).not.toContain("refine-start");
    expect(runDone(events).status).toBe("stopped");
    expect(port.calls).toHaveLength(1);
  });

  it("stops during the refinement", async () => {
    const events = await run(
      new FakePort({
        candidate: solution,
        refine: streamed("Let me think about all of this. \\boxed{3}"),
      }),
      {
        abortOn: (e) => e.type === "refine-delta",
      },
    );
    expectWellFormed(events);
    expect(events.find((e) => e.type === "refine-done")).toMatchObject({
      result: { finishReason: "aborted" },
    });
    expect(runDone(events)).toEqual({ type: "run-done", status: "stopped" });
  });

  it("counts a refinement that finished before the stop as complete", async () => {
    const events = await run(new FakePort({ candidate: solution }), {
      abortOn: (e) => e.type === "refine-done",
    });
    expect(runDone(events).status).toBe("complete");
  });
});

describe("runGsr: counting the problem's tokens", () => {
  class CountingPort extends FakePort {
    counted: ChatMessage[][] = [];
    override async countTokens(messages: ChatMessage[]): Promise<number> {
      this.counted.push(messages);
      return super.countTokens(messages);
    }
  }
  const solvePromptCounts = (port: CountingPort) =>
    port.counted.filter((m) => m[0]?.content === SOLVE_SYSTEM_PROMPT).length;

  it("skips the count when the prompt's byte length proves it fits", async () => {
    const port = new CountingPort({ candidate: solution });
    const events = await run(port);
    expect(solvePromptCounts(port)).toBe(0);
    expect(events[0]).toEqual({ type: "candidates-start", n: 3, promptTokens: null });
    expect(runDone(events).status).toBe("complete");
  });

  it("counts when the byte length cannot prove it, and runs when the count fits", async () => {
    const prompt = buildSolvePrompt("What is 1 + 2?");
    const contextWindow = promptTokenBound(prompt) + 512 - 1;
    const port = new CountingPort({ candidate: solution, contextWindow });
    const events = await run(port);
    expect(solvePromptCounts(port)).toBe(1);
    expect(events[0]).toEqual({ type: "candidates-start", n: 3, promptTokens: await port.countTokens(prompt) });
    expect(runDone(events).status).toBe("complete");
  });
});

describe("runGsr: failures", () => {
  it("fails with the overshoot when the problem does not fit the context window", async () => {
    const port = new FakePort({ candidate: solution, contextWindow: 300 });
    const events = await run(port);
    expect(events).toHaveLength(1);
    const done = runDone(events);
    expect(done.status).toBe("failed");
    const promptTokens = await port.countTokens(buildSolvePrompt("What is 1 + 2?"));
    const over = promptTokens + 512 - 300;
    expect(done.reason).toContain(
      `The problem prompt is ${over} tokens over the model's context window`,
    );
    expect(port.calls).toHaveLength(0);
  });

  it("fails when tokens cannot be counted", async () => {
    // A window small enough that the problem's byte length cannot prove it fits.
    const events = await run(new FakePort({ candidate: solution, countTokensFails: true, contextWindow: 900 }));
    expect(runDone(events)).toEqual({
      type: "run-done",
      status: "failed",
      reason: "Could not count the tokens of the problem: tokenizer not loaded",
    });
  });

  it("rejects a number of candidates below 1", async () => {
    const events = await run(new FakePort({ candidate: solution }), { settings: settings(0) });
    expect(runDone(events).status).toBe("failed");
  });

  it("keeps going when one candidate fails, refining what it wrote", async () => {
    const port = new FakePort({
      candidate: (seed) =>
        seed === 101
          ? { deltas: ["Partial work: 1+2 is"], error: "out of memory" }
          : solution(seed),
    });
    const events = await run(port);
    expectWellFormed(events);
    expect(events).toContainEqual({ type: "candidate-error", index: 1, message: "out of memory" });
    const vote = events.find((e) => e.type === "vote");
    expect(vote).toMatchObject({ vote: { unanswered: [1] } });
    expect(port.calls[1]?.[0]?.messages.at(-1)?.content).toContain("Partial work: 1+2 is");
    expect(runDone(events).status).toBe("complete");
  });

  it("skips empty candidates in the refine prompt", async () => {
    const port = new FakePort({
      candidate: (seed) => (seed === 100 ? { deltas: [], error: "boom" } : solution(seed)),
    });
    const events = await run(port);
    const prompt = port.calls[1]?.[0]?.messages.at(-1)?.content ?? "";
    expect(prompt).toContain("Candidate solution 2 of 2");
    expect(prompt).not.toContain("of 3");
    expect(runDone(events).status).toBe("complete");
  });

  it("fails after the vote when no candidate wrote anything", async () => {
    const port = new FakePort({
      candidate: () => ({ deltas: [], error: "shader compilation failed" }),
    });
    const events = await run(port);
    expectWellFormed(events);
    expect(events.filter((e) => e.type === "candidate-error")).toHaveLength(3);
    expect(events.find((e) => e.type === "vote")).toMatchObject({
      vote: { majority: null, unanswered: [0, 1, 2] },
    });
    expect(runDone(events).status).toBe("failed");
    expect(runDone(events).reason).toContain("shader compilation failed");
    expect(port.calls).toHaveLength(1);
  });

  it("fails when the whole candidate generation rejects", async () => {
    const port = new FakePort({
      candidate: solution,
      rejectIn: "candidates",
      misbehave: { silentSeeds: [102] },
    });
    const events = await run(port);
    expectWellFormed(events);
    expect(events).toContainEqual({
      type: "candidate-error",
      index: 2,
      message: "GPU device lost",
    });
    expect(types(events)).not.toContain("vote");
    expect(runDone(events)).toEqual({
      type: "run-done",
      status: "failed",
      reason: "Generating the candidates failed: GPU device lost",
    });
  });

  it("reports a refinement error", async () => {
    const port = new FakePort({
      candidate: solution,
      refine: { deltas: ["Looking at"], error: "context window exceeded" },
    });
    const events = await run(port);
    expectWellFormed(events);
    expect(events).toContainEqual({ type: "refine-error", message: "context window exceeded" });
    expect(runDone(events)).toEqual({
      type: "run-done",
      status: "failed",
      reason: "The refinement failed: context window exceeded",
    });
  });

  it("reports a rejected refinement as a refine error", async () => {
    const port = new FakePort({
      candidate: solution,
      rejectIn: "refine",
      misbehave: { silentSeeds: [103] },
    });
    const events = await run(port);
    expect(events).toContainEqual({ type: "refine-error", message: "GPU device lost" });
    expect(runDone(events).status).toBe("failed");
  });
});

describe("runGsr: context budget of the refinement", () => {
  const long = (seed: number) =>
    streamed(
      `<think>${"Let me reconsider. ".repeat(150)}</think>\n` +
        Array.from({ length: 60 }, (_, i) => `Line ${i} of candidate ${seed}.`).join("\n") +
        `\nSo \\boxed{${answers[seed] ?? "?"}}.`,
      300,
    );

  it("shortens the candidates and says so in refine-start", async () => {
    const port = new FakePort({ candidate: long, contextWindow: 2400 });
    const events = await run(port, { reserveTokens: 600 });
    expectWellFormed(events);
    const start = events.find((e) => e.type === "refine-start");
    expect(start).toMatchObject({ shortened: { thinkBlocksDropped: true } });
    if (start?.type !== "refine-start" || !start.shortened) throw new Error("no shortening report");
    expect(start.shortened.originalTokens).toBeGreaterThan(2400 - 600);
    expect(start.promptTokens).toBeLessThanOrEqual(2400 - 600);
    expect(start.shortened.removedChars.every((removed) => removed > 0)).toBe(true);
    const prompt = port.calls[1]?.[0]?.messages.at(-1)?.content ?? "";
    for (const answer of Object.values(answers)) expect(prompt).toContain(`\\boxed{${answer}}`);
    expect(runDone(events).status).toBe("complete");
  });

  it("fails with a refine error when even the shortest prompt does not fit", async () => {
    const port = new FakePort({ candidate: long, contextWindow: 900 });
    const events = await run(port, {
      reserveTokens: 600,
      settings: settings(3, { maxTokens: 300 }),
    });
    expectWellFormed(events);
    const error = events.find((e) => e.type === "refine-error");
    expect(error).toMatchObject({
      message: expect.stringMatching(/refine prompt is \d+ tokens over/) as string,
    });
    expect(types(events)).not.toContain("refine-start");
    expect(runDone(events).status).toBe("failed");
  });

  it("reserves maxTokens for the refined answer by default", async () => {
    const port = new FakePort({ candidate: long, contextWindow: 2400 });
    const events = await run(port, { settings: settings(3, { maxTokens: 500 }) });
    const start = events.find((e) => e.type === "refine-start");
    if (start?.type !== "refine-start") throw new Error("no refine-start");
    expect(start.promptTokens).toBeLessThanOrEqual(2400 - 500);
    expect(start.shortened).not.toBeNull();
  });
});

describe("runGsr: an engine that misbehaves", () => {
  it("emits candidate-start even when the engine never calls onStart", async () => {
    const events = await run(new FakePort({ candidate: solution, misbehave: { noStart: true } }));
    expectWellFormed(events);
    expect(events.filter((e) => e.type === "candidate-start")).toHaveLength(3);
  });

  it("closes a sequence the engine never finished as an error", async () => {
    const events = await run(
      new FakePort({ candidate: solution, misbehave: { silentSeeds: [101] } }),
    );
    expectWellFormed(events);
    expect(events).toContainEqual({
      type: "candidate-error",
      index: 1,
      message: "The engine ended this sequence without a result.",
    });
    expect(runDone(events).status).toBe("complete");
  });

  it("ignores callbacks that arrive after the phase ended", async () => {
    const port = new FakePort({ candidate: solution, misbehave: { lateCallbacks: true } });
    const events = await run(port);
    const count = events.length;
    port.flushLate();
    expect(events).toHaveLength(count);
    expectWellFormed(events);
  });
});
