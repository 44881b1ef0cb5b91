import { describe, expect, it } from "vitest";
import { encodeShareHash, parseShareHash } from "./share";

describe("share links", () => {
  it("round-trips a problem with LaTeX, unicode and settings", () => {
    const shared = { problem: "Solve $x^2 - 5x + 6 = 0$ & find x ≥ 0 #1?", settings: { n: 6, temperature: 0.8, topP: 0.9, maxTokens: 512, seed: 7 } };
    expect(parseShareHash(encodeShareHash(shared))).toEqual(shared);
  });

  it("ignores hashes that are not share links", () => {
    expect(parseShareHash("")).toBeNull();
    expect(parseShareHash("#")).toBeNull();
    expect(parseShareHash("#section-2")).toBeNull();
  });

  it.each([
    ["#problem=", "empty problem"],
    ["#problem=%20%20", "empty problem"],
    ["#problem=x&n=abc", "not a number: n=abc"],
    ["#problem=x&n=12", "n must be between 1 and 8"],
    ["#problem=x&n=2.5", "whole number"],
    ["#problem=x&temperature=Infinity", "not a number"],
    ["#problem=x&max_tokens=-5", "max_tokens must be between"],
    [`#problem=${"a".repeat(20_001)}`, "too long"],
  ])("rejects %s with a message naming the problem", (hash, message) => {
    const parsed = parseShareHash(hash);
    expect(parsed).not.toBeNull();
    expect(parsed && "error" in parsed ? parsed.error : "").toContain(message);
  });
});
