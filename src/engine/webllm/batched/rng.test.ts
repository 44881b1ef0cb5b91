import { describe, expect, it } from "vitest";
import { CandidateRng } from "./rng";

describe("CandidateRng (tvmjs LinearCongruentialGenerator)", () => {
  it("is the MINSTD Lehmer generator: the 10,000th state from seed 1 is 399268537", () => {
    const rng = new CandidateRng(1);
    let value = 0;
    for (let i = 0; i < 10000; i++) value = rng.next();
    expect(Math.round(value * 2147483647)).toBe(399268537);
  });

  it("normalises seeds as tvmjs setSeed does", () => {
    expect(new CandidateRng(0).next()).toBe(new CandidateRng(1).next());
    expect(new CandidateRng(2147483647 + 5).next()).toBe(new CandidateRng(5).next());
    expect(() => new CandidateRng(1.5)).toThrow(RangeError);
  });

  it("draws in (0, 1)", () => {
    const rng = new CandidateRng(-7);
    for (let i = 0; i < 1000; i++) {
      const u = rng.next();
      expect(u > 0 && u < 1).toBe(true);
    }
  });
});
