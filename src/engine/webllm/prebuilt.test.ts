import { prebuiltAppConfig } from "@mlc-ai/web-llm";
import { describe, expect, it } from "vitest";
import { mathModels } from "./catalog";
import { PREBUILT_MATH_MODELS } from "./prebuilt";

describe("PREBUILT_MATH_MODELS", () => {
  it("matches the installed @mlc-ai/web-llm catalogue", () => {
    const installed = mathModels(prebuiltAppConfig.model_list).map((entry) => entry.record);
    if (JSON.stringify(installed) !== JSON.stringify(PREBUILT_MATH_MODELS))
      console.log("prebuilt.ts is out of date; the installed records are:\n" + JSON.stringify(installed, null, 2));
    expect(PREBUILT_MATH_MODELS).toEqual(installed);
  });

  it("holds every catalogue model", () => {
    expect(mathModels(PREBUILT_MATH_MODELS)).toHaveLength(PREBUILT_MATH_MODELS.length);
  });
});
