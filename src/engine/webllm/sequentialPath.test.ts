/**
 * The sequential path, through `WebLlmEngine.generateMany` on a model that cannot
 * batch (the harness's default pipeline lacks WebLLM's internals).
 */
import { describe, expect, it } from "vitest";
import { toUserFacing } from "../errors";
import { toChatCompletionRequest } from "./sequentialPath";
import { loaded, recorder, request, setup, source } from "./testing/engineHarness";

describe("WebLlmEngine.generateMany", () => {
  it("generates the candidates one after another, each with its own seed", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["6", "×7=", "42"] }, { tokens: ["4", "2"], finish: "length" }];
    const { events, results, callbacks } = recorder();
    await engine.generateMany([request(10), request(11)], callbacks, new AbortController().signal);
    expect(events).toEqual([
      "start 0",
      "delta 0 6",
      "delta 0 ×7=",
      "delta 0 42",
      "done 0 stop",
      "start 1",
      "delta 1 4",
      "delta 1 2",
      "done 1 length",
    ]);
    expect(fake().requests.map((r) => r.seed)).toEqual([10, 11]);
    expect(fake().requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0.7, top_p: 0.95, max_tokens: 64 });
    expect(fake().requests[0]).not.toHaveProperty("n");
    expect(results.get(0)).toMatchObject({ text: "6×7=42", tokens: 103, finishReason: "stop" });
    expect(results.get(0)!.firstTokenMs).toBeGreaterThan(0);
    expect(results.get(0)!.totalMs).toBeGreaterThan(results.get(0)!.firstTokenMs!);
    // The second began only after the first had ended in the worker.
    expect(fake().log).toEqual(["start 0", "end 0", "start 1", "end 1"]);
  });

  it("on abort interrupts the running candidate and ends the queued ones as aborted", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["a", "b"] }, { tokens: ["c", "d", "e", "f"] }, { tokens: ["g"] }];
    const controller = new AbortController();
    const { events, results, callbacks } = recorder();
    await engine.generateMany(
      [request(1), request(2), request(3)],
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), d === "d" && controller.abort()) },
      controller.signal,
    );
    expect(events).toEqual(["start 0", "delta 0 a", "delta 0 b", "done 0 stop", "start 1", "delta 1 c", "delta 1 d", "done 1 aborted", "done 2 aborted"]);
    expect(results.get(1)).toMatchObject({ text: "cd", finishReason: "aborted" });
    expect(results.get(2)).toEqual({ text: "", tokens: 0, finishReason: "aborted", firstTokenMs: null, totalMs: 0 });
    expect(fake().log).toEqual(["start 0", "end 0", "start 1", "interrupt", "end 1"]);
    expect(fake().requests).toHaveLength(2);
  });

  it("sends nothing for a candidate aborted as it starts", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["x"] }];
    const controller = new AbortController();
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1)], { ...callbacks, onStart: (i) => (callbacks.onStart!(i), controller.abort()) }, controller.signal);
    expect(events).toEqual(["start 0", "done 0 aborted"]);
    expect(fake().requests).toEqual([]); // nothing reached the worker
    expect(fake().log).toEqual([]);
  });

  it("does not start a generation aborted while its stream was being set up", async () => {
    const { engine, fake } = await loaded();
    const controller = new AbortController();
    fake().scripts = [{ tokens: ["c", "d", "e"], duringInit: () => controller.abort() }];
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, controller.signal);
    expect(events).toEqual(["start 0", "done 0 aborted", "done 1 aborted"]);
    expect(fake().log).toEqual(["interrupt"]); // closed before its first next(): it never ran
  });

  it("stops after one token when the interrupt reached WebLLM before its generation started", async () => {
    // WebLLM clears its interrupt flag when a generation starts, so this interrupt is lost;
    // the client notices the abort at the next chunk and closes the stream.
    const { engine, fake } = await loaded();
    const controller = new AbortController();
    fake().scripts = [{ tokens: ["c", "d", "e"], beforeStart: () => controller.abort() }];
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, controller.signal);
    expect(events).toEqual(["start 0", "delta 0 c", "done 0 aborted", "done 1 aborted"]);
    expect(fake().log).toEqual(["interrupt", "start 0", "end 0"]);
  });

  it("reports per-candidate errors and goes on with the next", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [
      { tokens: ["ok"] },
      { tokens: [], prefillError: "ContextWindowSizeExceededError: Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096" },
      { tokens: [], initError: "Error: something odd" },
      { tokens: ["fine"] },
    ];
    const { events, errors, callbacks } = recorder();
    await engine.generateMany([request(1), request(2), request(3), request(4)], callbacks, new AbortController().signal);
    expect(events).toEqual([
      "start 0",
      "delta 0 ok",
      "done 0 stop",
      "start 1",
      "error 1 ContextWindowSizeExceededError",
      "start 2",
      "error 2 Error",
      "start 3",
      "delta 3 fine",
      "done 3 stop",
    ]);
    expect(toUserFacing(errors.get(1)).code).toBe("context-too-long");
  });

  it("fails every candidate when no model is loaded", async () => {
    const { engine } = setup();
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, new AbortController().signal);
    expect(events).toEqual(["error 0 ModelNotLoadedError", "error 1 ModelNotLoadedError"]);
  });

  it("survives a worker crash: the running candidate fails, the model is gone, the next load starts a new worker", async () => {
    const { engine, fake, runtimes } = await loaded();
    fake().scripts = [{ tokens: ["a", "b", "c"] }, { tokens: ["d"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(
      [request(1), request(2)],
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), d === "a" && runtimes[0]!.state.crash(new Error("The WebLLM worker crashed"))) },
      new AbortController().signal,
    );
    expect(events).toEqual(["start 0", "delta 0 a", "error 0 Error", "error 1 ModelNotLoadedError"]);
    expect(engine.model).toBeNull();
    expect(runtimes[0]!.state.terminated).toBe(true);
    await engine.load(source, { contextSize: 4096 }, () => {});
    expect(runtimes).toHaveLength(2);
  });

  it("generate() streams one sequence", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["\\boxed{", "42", "}"] }];
    const deltas: string[] = [];
    const result = await engine.generate(request(5), (d) => deltas.push(d), new AbortController().signal);
    expect(deltas.join("")).toBe("\\boxed{42}");
    expect(result.finishReason).toBe("stop");
  });
});

/** Candidates as GSR asks for them: one prompt, a seed each. */
describe("toChatCompletionRequest", () => {
  it("keeps WebLLM's parameter ranges", () => {
    const r = toChatCompletionRequest({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      sampling: { temperature: -1, topP: 0, maxTokens: 0.5, seed: 7.9 },
    });
    expect(r).toEqual({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      top_p: 1,
      max_tokens: 1,
      seed: 7,
    });
    expect(toChatCompletionRequest({ messages: [], sampling: { temperature: 0, topP: 1, maxTokens: 10, seed: NaN } })).not.toHaveProperty("seed");
  });
});
