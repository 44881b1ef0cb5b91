import { describe, expect, it } from "vitest";
import type {
  ChatMessage,
  GenerationCallbacks,
  GenerationRequest,
  GenerationResult,
  SamplingSettings,
} from "../../../gsr/types";
import { BatchedDecodeError, runBatched, type BatchedDecodeOptions } from "./decoder";
import {
  FakePipeline,
  hashModel,
  IM_END,
  scriptedModel,
  tokenOf,
  type FakePipelineOptions,
} from "./testing/fakeTvm";
import { EMPTY_THINKING_BLOCK, encodeChatPrompt } from "./prompt";
import { decodeWithPipeline } from "./selftest";

const MESSAGES: ChatMessage[] = [
  { role: "system", content: "Solve it." },
  { role: "user", content: "1+1?" },
];

function request(sampling: Partial<SamplingSettings> = {}): GenerationRequest {
  return {
    messages: MESSAGES,
    sampling: { temperature: 0, topP: 1, maxTokens: 12, seed: 7, ...sampling },
  };
}

function requests(
  n: number,
  perCandidate: (i: number) => Partial<SamplingSettings> = () => ({}),
): GenerationRequest[] {
  return Array.from({ length: n }, (_, i) => request(perCandidate(i)));
}

/** Callbacks that record everything, per candidate. */
function recorder(n: number) {
  const deltas: string[][] = Array.from({ length: n }, () => []);
  const done: Array<GenerationResult | undefined> = new Array(n).fill(undefined);
  const started: number[] = [];
  const errors: number[] = [];
  const callbacks: GenerationCallbacks = {
    onStart: (i) => started.push(i),
    onDelta: (i, d) => deltas[i]?.push(d),
    onDone: (i, r) => {
      if (done[i]) throw new Error(`onDone twice for ${i}`);
      done[i] = r;
    },
    onError: (i) => errors.push(i),
  };
  return {
    callbacks,
    deltas,
    done,
    started,
    errors,
    text: (i: number) => (deltas[i] ?? []).join(""),
  };
}

/** Runs a batch and collects each candidate's committed token ids. */
async function runAndCollect(
  fake: FakePipeline,
  reqs: GenerationRequest[],
  opts: BatchedDecodeOptions = {},
  signal = new AbortController().signal,
) {
  const rec = recorder(reqs.length);
  const tokens: number[][] = reqs.map(() => []);
  const results = await runBatched(fake, reqs, rec.callbacks, signal, {
    now: () => fake.runtime.clock,
    ...opts,
    onToken: (i, t) => tokens[i]?.push(t),
  });
  return { rec, tokens, results };
}

/** WebLLM's single-sequence path on a fresh fake with the same model: the reference stream. */
async function reference(options: FakePipelineOptions, req: GenerationRequest): Promise<number[]> {
  return decodeWithPipeline(new FakePipeline(options), req, new AbortController().signal);
}

function expectClean(fake: FakePipeline) {
  expect(fake.runtime.liveObjects()).toEqual([]);
  expect(fake.runtime.scopeDepth).toBe(0);
  expect(fake.lastKv.disposed).toBe(true);
}

describe("runBatched: the batched plan", () => {
  it("prefills the shared prompt once on sequence 0 and forks N sequences from it", async () => {
    const options = { model: hashModel({ stopAfter: 5 }), prefillChunkSize: 512 };
    const fake = new FakePipeline(options);
    const promptLength = encodeChatPrompt(fake, MESSAGES).tokens.length;
    await runAndCollect(
      fake,
      requests(4, (i) => ({ temperature: 0.8, seed: 100 + i })),
    );

    expect(fake.calls("create_tir_paged_kv_cache")[0]?.args).toEqual([
      { shape: [5] }, // max_num_sequence = N + 1
      { shape: [promptLength + 4 * (12 + 32) + 16] }, // prompt + N × (max tokens + two pages) + a page
      { shape: [512] },
      { shape: [16] },
      { shape: [0] },
    ]);
    expect(fake.calls("prefill")).toHaveLength(1);
    expect(fake.lastKv.forwards[0]).toEqual({ seqIds: [0], lengths: [promptLength] });
    expect(fake.calls("vm.builtin.kv_state_add_sequence").map((c) => c.args[1])).toEqual([
      { scalar: 0, dtype: "int64" },
    ]);
    expect(fake.calls("vm.builtin.kv_state_fork_sequence").map((c) => c.args.slice(1))).toEqual(
      [1, 2, 3, 4].map((child) => [
        { scalar: 0, dtype: "int64" },
        { scalar: child, dtype: "int64" },
        { scalar: promptLength, dtype: "int64" },
      ]),
    );
    // The N first tokens come from the one prefill row: one softmax, one sort, N draws.
    const firstSample = fake.calls("sample_with_top_p")[0];
    expect(firstSample?.args[2]).toEqual({ tensor: [4], dtype: "float32" });
    expect(firstSample?.args[3]).toEqual({ tensor: [4], dtype: "int32" });
    expect(fake.calls("softmax_with_temperature")[0]?.args[0]).toEqual({
      tensor: [1, 1, fake.fullVocabSize],
      dtype: "float32",
    });
    expectClean(fake);
  });

  it("calls begin_forward with exactly the active ids, removes finished sequences, and keeps rows with their candidates", async () => {
    const options = { model: hashModel(), prefillChunkSize: 512 };
    const maxTokens = [3, 7, 5, 10];
    const reqs = requests(4, (i) => ({
      temperature: 0.9,
      topP: 0.95,
      seed: 40 + i,
      maxTokens: maxTokens[i],
    }));
    const fake = new FakePipeline(options);
    const { tokens, results } = await runAndCollect(fake, reqs);

    expect(results.map((r) => [r.tokens, r.finishReason])).toEqual(
      maxTokens.map((m) => [m, "length"]),
    );
    // Each step feeds the candidates still running, in index order, one token each.
    const steps = fake.lastKv.forwards.slice(1);
    const expected: number[][] = [];
    for (let step = 1; step < 10; step++)
      expected.push([1, 2, 3, 4].filter((seq) => (maxTokens[seq - 1] ?? 0) > step));
    expect(steps.map((f) => f.seqIds)).toEqual(expected);
    expect(steps.every((f) => f.lengths.every((l) => l === 1))).toBe(true);
    expect(
      fake.calls("batch_decode").map((c) => (c.args[0] as { tensor: number[] }).tensor),
    ).toEqual(expected.map((ids) => [ids.length, 1, 4]));
    expect(fake.lastKv.removed).toEqual([1, 3, 2, 4]);
    // A row mix-up would feed one candidate's token into another's history.
    for (let i = 0; i < 4; i++) expect(tokens[i]).toEqual(await reference(options, reqs[i]!));
    expectClean(fake);
  });

  it("syncs the device once per step and copies the sampled ids to the CPU once per step", async () => {
    const fake = new FakePipeline({ model: hashModel({ stopAfter: 6 }), prefillChunkSize: 512 });
    await runAndCollect(
      fake,
      requests(3, (i) => ({ temperature: 0.7, seed: i })),
    );
    const decodeSteps = fake.calls("batch_decode").length;
    expect(decodeSteps).toBe(6);
    expect(fake.runtime.syncCount).toBe(1 + decodeSteps); // the first tokens, then each step
    expect(fake.runtime.readbackCount).toBe(1 + decodeSteps);
  });

  it("wraps every step in its own tvm scope", async () => {
    const fake = new FakePipeline({ model: hashModel({ stopAfter: 4 }) });
    const depths: number[] = [];
    fake.runtime.onSync = () => depths.push(fake.runtime.scopeDepth);
    await runAndCollect(fake, requests(2));
    // No scope is left open across the awaits, and nothing but the owned objects survives.
    expect(depths.every((d) => d === 0)).toBe(true);
    expectClean(fake);
  });

  it("uses batch_prefill with logit positions and the pipeline's own batch_decode for batch-ABI models", async () => {
    const single = { model: hashModel({ stopAfter: 6 }), prefillChunkSize: 512 };
    const batch = { ...single, abi: "batch" as const };
    const reqs = requests(3, (i) => ({ temperature: 1, seed: 9 + i }));
    const a = await runAndCollect(new FakePipeline(single), reqs);
    const fake = new FakePipeline(batch);
    const b = await runAndCollect(fake, reqs);
    expect(fake.calls("batch_prefill")).toHaveLength(1);
    expect(fake.calls("prefill")).toHaveLength(0);
    expect(b.tokens).toEqual(a.tokens);
    expectClean(fake);
  });

  it("prefills in chunks of prefill_chunk_size, decoding a one-token last chunk as WebLLM does", async () => {
    const probe = new FakePipeline();
    const promptLength = encodeChatPrompt(probe, MESSAGES).tokens.length;
    const chunk = Math.ceil((promptLength - 1) / 2);
    const options = { model: hashModel({ stopAfter: 3 }), prefillChunkSize: chunk };
    const fake = new FakePipeline(options);
    const { tokens } = await runAndCollect(fake, requests(2));
    const prefillForwards = fake.lastKv.forwards.filter((f) => f.seqIds[0] === 0);
    expect(prefillForwards.map((f) => f.lengths[0])).toEqual(
      [chunk, chunk, promptLength - 2 * chunk].filter((l) => l > 0),
    );
    expect(tokens[0]).toEqual(await reference(options, request()));
  });

  it("sizes the KV cache so no prompt length runs out of pages, forked or not", async () => {
    for (let extra = 0; extra < 16; extra++) {
      const messages: ChatMessage[] = [{ role: "user", content: "x".repeat(1 + extra) }];
      const reqs = [0, 1, 2, 3].map((i) => ({
        messages,
        sampling: { temperature: 1, topP: 1, maxTokens: 17 + 5 * i, seed: i },
      }));
      for (const promptSharing of ["fork", "prefill-each"] as const) {
        const fake = new FakePipeline({ model: hashModel(), prefillChunkSize: 512 });
        const { results } = await runAndCollect(fake, reqs, { promptSharing });
        expect(results.map((r) => r.tokens)).toEqual([17, 22, 27, 32]);
      }
    }
  });

  it("can prefill every candidate's sequence instead of forking", async () => {
    const options = { model: hashModel({ stopAfter: 5 }), prefillChunkSize: 512 };
    const reqs = requests(3, (i) => ({ temperature: 0.8, seed: 3 + i }));
    const forked = await runAndCollect(new FakePipeline(options), reqs);
    const fake = new FakePipeline(options);
    const copied = await runAndCollect(fake, reqs, { promptSharing: "prefill-each" });
    expect(fake.calls("vm.builtin.kv_state_fork_sequence")).toHaveLength(0);
    expect(
      fake
        .calls("vm.builtin.kv_state_add_sequence")
        .map((c) => (c.args[1] as { scalar: number }).scalar),
    ).toEqual([1, 2, 3]);
    expect(copied.tokens).toEqual(forked.tokens);
    expectClean(fake);
  });
});

describe("runBatched: sampling", () => {
  it("is deterministic and greedy at temperature 0, matching the sequential path", async () => {
    const options = { model: hashModel({ stopAfter: 10 }) };
    const first = await runAndCollect(
      new FakePipeline(options),
      requests(4, (i) => ({ seed: i })),
    );
    const second = await runAndCollect(
      new FakePipeline(options),
      requests(4, (i) => ({ seed: 50 + i })),
    );
    const expected = await reference(options, request());
    expect(expected).toHaveLength(10);
    for (const run of [first, second])
      for (const stream of run.tokens) expect(stream).toEqual(expected);
    expect(first.results.every((r) => r.finishReason === "stop")).toBe(true);
  });

  it("gives each seed its own reproducible stream, equal to a sequential request with that seed", async () => {
    const options = { model: hashModel({ spread: 3, stopAfter: 12 }) };
    const reqs = requests(4, (i) => ({ temperature: 1.2, seed: 1000 + i }));
    const a = await runAndCollect(new FakePipeline(options), reqs);
    const b = await runAndCollect(new FakePipeline(options), reqs);
    expect(b.tokens).toEqual(a.tokens);
    expect(new Set(a.tokens.map((t) => t.join(","))).size).toBe(4);
    for (let i = 0; i < 4; i++) expect(a.tokens[i]).toEqual(await reference(options, reqs[i]!));
  });

  it("applies the model config's repetition penalty per row, like WebLLM", async () => {
    const options = { model: hashModel({ spread: 2, stopAfter: 12 }), repetitionPenalty: 1.8 };
    const reqs = requests(3, (i) => ({ temperature: 0.5, seed: 20 + i }));
    const fake = new FakePipeline(options);
    const { tokens } = await runAndCollect(fake, reqs);
    expect(fake.calls("apply_penalty_inplace").length).toBeGreaterThan(0);
    expect(fake.calls("apply_penalty_inplace")[0]?.args.at(-1)).toEqual({
      tensor: [3, 3],
      dtype: "float32",
    });
    for (let i = 0; i < 3; i++) expect(tokens[i]).toEqual(await reference(options, reqs[i]!));
  });

  it("mixes temperatures in one batch: greedy rows stay greedy", async () => {
    const options = { model: hashModel({ stopAfter: 8 }) };
    const reqs = [
      request({ temperature: 0, seed: 1 }),
      request({ temperature: 1.5, seed: 2 }),
      request({ temperature: 0, seed: 3 }),
    ];
    const fake = new FakePipeline(options);
    const { tokens } = await runAndCollect(fake, reqs);
    const greedy = await reference(options, reqs[0]!);
    expect(tokens[0]).toEqual(greedy);
    expect(tokens[2]).toEqual(greedy);
    expect(tokens[1]).toEqual(await reference(options, reqs[1]!));
    // Two setting groups for the first token: two softmaxes over the one prefill row.
    expect(
      fake
        .calls("softmax_with_temperature")
        .slice(0, 2)
        .map((c) => c.args[0]),
    ).toEqual([
      { tensor: [1, 1, fake.fullVocabSize], dtype: "float32" },
      { tensor: [1, 1, fake.fullVocabSize], dtype: "float32" },
    ]);
  });
});

describe("runBatched: text and stop conditions", () => {
  const bytes = (s: string) => Array.from(new TextEncoder().encode(s));

  it("streams deltas that add up to the result and never split a multi-byte character", async () => {
    const text = "é = 2·π ✓ 中文 🙂";
    const fake = new FakePipeline({ model: scriptedModel(bytes(text)) });
    const { rec, results } = await runAndCollect(
      fake,
      requests(2, () => ({ maxTokens: 100 })),
    );
    for (let i = 0; i < 2; i++) {
      expect(rec.text(i)).toBe(text);
      expect(results[i]?.text).toBe(text);
      expect(rec.deltas[i]?.some((d) => d.includes("\uFFFD"))).toBe(false);
      expect(results[i]?.finishReason).toBe("stop");
      expect(results[i]?.tokens).toBe(bytes(text).length);
    }
  });

  it("cuts at a stop string spanning two tokens and never streams any of it", async () => {
    const script = [...bytes("ab"), tokenOf("ST"), tokenOf("OP"), ...bytes("cd")];
    const fake = new FakePipeline({ model: scriptedModel(script) });
    const { rec, results } = await runAndCollect(
      fake,
      requests(1, () => ({ maxTokens: 50 })),
      { stop: ["STOP"] },
    );
    expect(results[0]).toMatchObject({ text: "ab", finishReason: "stop", tokens: 4 });
    expect(rec.deltas[0]).toEqual(["a", "b"]);
    expect(fake.lastKv.removed).toEqual([1]);
  });

  it("releases a held-back stop-string prefix when the candidate ends otherwise", async () => {
    const fake = new FakePipeline({ model: scriptedModel([...bytes("ab"), tokenOf("ST")]) });
    const { rec, results } = await runAndCollect(
      fake,
      requests(1, () => ({ maxTokens: 3 })),
      { stop: ["STOP"] },
    );
    expect(results[0]).toMatchObject({ text: "abST", finishReason: "length" });
    expect(rec.text(0)).toBe("abST");
  });

  it("ends on a stop token without showing or counting it", async () => {
    const fake = new FakePipeline({ model: scriptedModel(bytes("42"), IM_END) });
    const { rec, results } = await runAndCollect(fake, requests(3));
    expect(results.map((r) => [r.text, r.tokens, r.finishReason])).toEqual(
      new Array(3).fill(["42", 2, "stop"]),
    );
    expect(rec.text(0)).toBe("42");
  });

  it("stops with length when a sequence fills the context window, as WebLLM does", async () => {
    const probe = new FakePipeline();
    const promptLength = encodeChatPrompt(probe, MESSAGES).tokens.length;
    const options = { model: hashModel(), contextWindowSize: promptLength + 3 };
    const { results, tokens } = await runAndCollect(
      new FakePipeline(options),
      requests(2, () => ({ maxTokens: 50 })),
    );
    expect(results.map((r) => r.finishReason)).toEqual(["length", "length"]);
    expect(tokens[0]).toEqual(await reference(options, request({ maxTokens: 50 })));
    expect(tokens[0]).toHaveLength(4);
  });

  it("starts the reply with WebLLM's empty thinking block when thinking is off, counting it toward max tokens", async () => {
    const prefix = encodeChatPrompt(new FakePipeline(), MESSAGES, {
      enableThinking: false,
    }).replyPrefix;
    // The fake model counts the thinking block (in the prompt) as generated: pad the script.
    const fake = new FakePipeline({
      model: scriptedModel([...prefix.map(() => 0), ...bytes("abcdef")]),
    });
    const { rec, results } = await runAndCollect(
      fake,
      requests(1, () => ({ maxTokens: prefix.length + 3 })),
      { enableThinking: false },
    );
    expect(rec.deltas[0]?.[0]).toBe(EMPTY_THINKING_BLOCK + "a");
    expect(results[0]).toMatchObject({
      text: EMPTY_THINKING_BLOCK + "abc",
      tokens: 3,
      finishReason: "length",
    });
  });

  it("reports timings from the injected clock", async () => {
    const fake = new FakePipeline({
      model: hashModel({ stopAfter: 3 }),
      cost: { prefill: () => 100, decode: () => 10 },
    });
    const { results } = await runAndCollect(fake, requests(2));
    // Prefill 100 ms gives the first token; two steps give tokens 2 and 3, a third the stop token.
    expect(results[0]).toMatchObject({ tokens: 3, firstTokenMs: 100, totalMs: 130 });
  });
});

describe("runBatched: abort and failure", () => {
  it("stops within the current step on abort, reports partial text, and disposes everything", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    const controller = new AbortController();
    const streamed: string[][] = [[], [], []];
    fake.runtime.onSync = (n) => {
      if (n === 4) controller.abort();
    };
    const rec = recorder(3);
    const results = await runBatched(
      fake,
      requests(3, () => ({ maxTokens: 50 })),
      { ...rec.callbacks, onDelta: (i, d) => streamed[i]?.push(d) },
      controller.signal,
      {
        now: () => fake.runtime.clock,
      },
    );
    expect(results.map((r) => r.finishReason)).toEqual(["aborted", "aborted", "aborted"]);
    // First token + 2 steps were committed; the step in flight at the abort was dropped.
    expect(results.map((r) => r.tokens)).toEqual([3, 3, 3]);
    results.forEach((r, i) => expect(r.text).toBe(streamed[i]?.join("")));
    expect(fake.calls("batch_decode")).toHaveLength(3);
    expect(rec.done.every((r) => r?.finishReason === "aborted")).toBe(true);
    expectClean(fake);
  });

  it("does no GPU work when aborted before the start", async () => {
    const fake = new FakePipeline();
    const controller = new AbortController();
    controller.abort();
    const rec = recorder(2);
    const results = await runBatched(fake, requests(2), rec.callbacks, controller.signal);
    expect(results).toEqual(
      new Array(2).fill(
        expect.objectContaining({
          text: "",
          tokens: 0,
          finishReason: "aborted",
          firstTokenMs: null,
        }),
      ),
    );
    expect(fake.kvCaches).toHaveLength(0);
    expect(rec.started).toEqual([]);
  });

  it("turns a failing step into a BatchedDecodeError with each candidate's text so far, disposing everything", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    fake.runtime.failOn("batch_decode", 4, new Error("GPU device lost"));
    const rec = recorder(3);
    const error = await runBatched(
      fake,
      requests(3, (i) => ({ maxTokens: i === 0 ? 2 : 50 })),
      rec.callbacks,
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchedDecodeError);
    const failure = error as BatchedDecodeError;
    expect(failure.name).toBe("BatchedDecodeError");
    expect(failure.phase).toBe("decode");
    expect((failure.cause as Error).message).toBe("GPU device lost");
    expect(failure.partial.map((p) => p.text)).toEqual([rec.text(0), rec.text(1), rec.text(2)]);
    expect(failure.partial.map((p) => p.tokenIds.length)).toEqual([2, 4, 4]);
    // Candidate 0 had finished: it keeps its result, and it alone got onDone.
    expect(failure.partial[0]?.result).toEqual(rec.done[0]);
    expect(rec.done.map((r) => r !== undefined)).toEqual([true, false, false]);
    expect(rec.errors).toEqual([]);
    expectClean(fake);
  });

  it("reports a failure in the prefill as such", async () => {
    const fake = new FakePipeline();
    fake.runtime.failOn("prefill", 1);
    const error = (await runBatched(
      fake,
      requests(2),
      recorder(2).callbacks,
      new AbortController().signal,
    ).catch((e: unknown) => e)) as BatchedDecodeError;
    expect(error.phase).toBe("prefill");
    expect(error.partial.map((p) => p.text)).toEqual(["", ""]);
    expectClean(fake);
  });

  it("disposes everything when the device sync itself throws", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    fake.runtime.onSync = (n) => {
      if (n === 3) throw new Error("mapAsync failed");
    };
    const error = await runBatched(
      fake,
      requests(2, () => ({ maxTokens: 50 })),
      recorder(2).callbacks,
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchedDecodeError);
    expectClean(fake);
  });

  it("refuses requests with different prompts before touching the GPU", async () => {
    const fake = new FakePipeline();
    const other = { ...request(), messages: [{ role: "user" as const, content: "2+2?" }] };
    const error = (await runBatched(
      fake,
      [request(), other],
      recorder(2).callbacks,
      new AbortController().signal,
    ).catch((e: unknown) => e)) as BatchedDecodeError;
    expect(error).toBeInstanceOf(BatchedDecodeError);
    expect(error.phase).toBe("setup");
    expect(fake.kvCaches).toHaveLength(0);
  });

  it("refuses a batch whose KV cache would exceed the given limit", async () => {
    const fake = new FakePipeline();
    const error = (await runBatched(
      fake,
      requests(4),
      recorder(4).callbacks,
      new AbortController().signal,
      { maxKvTokens: 50 },
    ).catch((e: unknown) => e)) as BatchedDecodeError;
    expect(error.phase).toBe("setup");
    expect(error.message).toMatch(/limit is 50/);
    expect(fake.kvCaches).toHaveLength(0);
  });
});
