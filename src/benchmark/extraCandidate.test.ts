import { describe, expect, it } from "vitest";
import type { GenerationCallbacks, GenerationRequest, SamplingSettings } from "../gsr/types";
import { withExtraCandidate } from "./extraCandidate";

const SAMPLING: SamplingSettings = { temperature: 0.7, topP: 0.95, maxTokens: 256, seed: 10 };

describe("withExtraCandidate", () => {
  it("routes the extra sequence to its sink and passes later calls through", async () => {
    const seen: string[] = [];
    const inner = {
      contextWindow: () => 100,
      countTokens: async () => 1,
      generateMany: async (requests: GenerationRequest[], callbacks: GenerationCallbacks) => {
        seen.push(`call:${requests.length}`);
        requests.forEach((_, i) => {
          callbacks.onDelta(i, `d${i}`);
          callbacks.onDone(i, { text: `t${i}`, tokens: 1, finishReason: "stop", firstTokenMs: 0, totalMs: 0 });
        });
      },
    };
    const sink = { delta: (t: string) => seen.push(`extra-delta:${t}`), done: () => seen.push("extra-done"), error: () => seen.push("extra-error") };
    const port = withExtraCandidate(inner, (r) => r[0]!, sink);
    const request: GenerationRequest = { messages: [], sampling: SAMPLING };
    const outer = { onDelta: (i: number) => seen.push(`delta:${i}`), onDone: (i: number) => seen.push(`done:${i}`), onError: () => {} };
    await port.generateMany([request, request], outer, new AbortController().signal);
    await port.generateMany([request], outer, new AbortController().signal);
    expect(seen).toEqual([
      "call:3",
      "delta:0",
      "done:0",
      "delta:1",
      "done:1",
      "extra-delta:d2",
      "extra-done",
      "call:1",
      "delta:0",
      "done:0",
    ]);
    expect(port.contextWindow()).toBe(100);
  });

  it("a rejected call fails the extra sequence too", async () => {
    const errors: string[] = [];
    const port = withExtraCandidate(
      { contextWindow: () => 1, countTokens: async () => 1, generateMany: async () => Promise.reject(new Error("worker died")) },
      (r) => r[0]!,
      { delta: () => {}, done: () => {}, error: (e) => errors.push(e.message) },
    );
    await expect(
      port.generateMany([{ messages: [], sampling: SAMPLING }], { onDelta: () => {}, onDone: () => {}, onError: () => {} }, new AbortController().signal),
    ).rejects.toThrow("worker died");
    expect(errors).toEqual(["worker died"]);
  });
});
