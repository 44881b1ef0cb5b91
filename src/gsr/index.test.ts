import { describe, expect, expectTypeOf, it } from "vitest";
import * as gsr from "./index";

describe("public API", () => {
  it("exports the two functions other code relies on, with their exact signatures", () => {
    expectTypeOf(gsr.extractBoxedAnswer).toEqualTypeOf<(text: string) => string | null>();
    expectTypeOf(gsr.answersEquivalent).toEqualTypeOf<(a: string, b: string) => boolean>();
    expect(gsr.extractBoxedAnswer("\\boxed{\\dfrac{1}{2}}")).toBe("\\dfrac{1}{2}");
    expect(gsr.answersEquivalent("\\dfrac{1}{2}", "0.5")).toBe(true);
  });

  it("exports the rest of the method", () => {
    for (const name of [
      "extractFinalAnswer",
      "normalizeAnswer",
      "clusterAnswers",
      "buildSolvePrompt",
      "buildRefinePrompt",
      "fitRefinePrompt",
      "truncateMiddle",
      "ContextTooLongError",
      "runGsr",
    ]) {
      expect(typeof (gsr as Record<string, unknown>)[name]).toBe("function");
    }
  });
});
