import { describe, expect, it } from "vitest";
import type { GenerationRequest } from "../../gsr/types";
import type { Engine } from "../types";
import { canShareOneBatch, hasBatchedDecodingControls, ReplayFilter, toBatchedRequest } from "./batching";

const ask = (content: string, seed = 1): GenerationRequest => ({
  messages: [
    { role: "system", content: "Solve." },
    { role: "user", content },
  ],
  sampling: { temperature: 0.7, topP: 0.95, maxTokens: 100, seed },
});

describe("canShareOneBatch", () => {
  it("needs two or more requests with the same messages", () => {
    expect(canShareOneBatch([ask("1+1?", 1), ask("1+1?", 2)])).toBe(true);
    expect(canShareOneBatch([ask("1+1?")])).toBe(false);
    expect(canShareOneBatch([])).toBe(false);
    expect(canShareOneBatch([ask("1+1?"), ask("2+2?")])).toBe(false);
  });
});

describe("toBatchedRequest", () => {
  it("applies WebLLM's clamps and gives a non-finite seed the fallback", () => {
    const request = { messages: [], sampling: { temperature: -1, topP: 0, maxTokens: 7.9, seed: NaN } };
    expect(toBatchedRequest(request, 41.7).sampling).toEqual({ temperature: 0, topP: 1, maxTokens: 7, seed: 41 });
    expect(toBatchedRequest(ask("x", 12.9), 0).sampling).toEqual({ temperature: 0.7, topP: 0.95, maxTokens: 100, seed: 12 });
  });
});

describe("ReplayFilter", () => {
  it("passes on only what goes beyond the text already shown", () => {
    const filter = new ReplayFilter("The ans");
    expect(["The", " a", "nswer", " is", " 42"].map((d) => filter.push(d))).toEqual(["", "", "wer", " is", " 42"]);
    expect(filter.diverged).toBe(false);
    expect(filter.finalText("The answer is 42", false)).toBe("The answer is 42");
  });

  it("passes everything on when nothing was shown", () => {
    const filter = new ReplayFilter("");
    expect(["a", "b"].map((d) => filter.push(d))).toEqual(["a", "b"]);
  });

  it("stops streaming once the new text departs from the shown one; the result carries the new text", () => {
    const filter = new ReplayFilter("The answer");
    expect(filter.push("The")).toBe("");
    expect(filter.push(" result")).toBe("");
    expect(filter.diverged).toBe(true);
    expect(filter.push(" is 7")).toBe("");
    expect(filter.finalText("The result is 7", false)).toBe("The result is 7");
    expect(filter.finalText("The result", true)).toBe("The result");
  });

  it("detects a departure that comes after the shown text was passed", () => {
    const filter = new ReplayFilter("ab");
    expect(filter.push("abc")).toBe("c");
    expect(filter.push("d")).toBe("d");
  });

  it("keeps the longer shown text when stopped before catching up", () => {
    const filter = new ReplayFilter("Hello");
    filter.push("He");
    expect(filter.finalText("He", true)).toBe("Hello");
    expect(filter.finalText("He", false)).toBe("He"); // a regeneration that ended on its own is the truth
  });
});

describe("hasBatchedDecodingControls", () => {
  it("recognises the WebLLM engine's controls by shape", () => {
    const plain = { capabilities: { kind: "wllama" } } as unknown as Engine;
    const webllm = { ...plain, batchStatus: () => ({}), runSelfTest: async () => ({}), addNoticeListener: () => () => {} } as unknown as Engine;
    expect(hasBatchedDecodingControls(plain)).toBe(false);
    expect(hasBatchedDecodingControls(null)).toBe(false);
    expect(hasBatchedDecodingControls(webllm)).toBe(true);
  });
});
