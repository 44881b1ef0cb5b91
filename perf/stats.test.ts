import { describe, expect, it } from "vitest";
import { figuresJson, fmt, formatTable, meets, median, pairedRatio, summarize } from "./stats";

describe("bench stats", () => {
  it("takes medians and best of repeated runs", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(summarize([10, 30, 20])).toEqual({ best: 30, median: 20, samples: [10, 30, 20] });
  });

  it("pairs ratios round by round so drift cancels", () => {
    // Round 2 ran on a busier machine: both series halve, the ratio does not.
    expect(pairedRatio([300, 150, 310], [200, 100, 200])).toBe(1.5);
  });

  it("checks targets, failing on NaN", () => {
    expect(meets(0.2, { op: "<=", value: 0.25 })).toBe(true);
    expect(meets(0, { op: "==", value: 0 })).toBe(true);
    expect(meets(1.4, { op: ">=", value: 1.5 })).toBe(false);
    expect(meets(Number.NaN, { op: "<=", value: 1 })).toBe(false);
  });

  it("writes figures nested and flat", () => {
    expect(figuresJson({ "ui.growth_ratio": 1.2, "load.initial_js_gzip_kb": 80 })).toEqual({
      ui: { growth_ratio: 1.2 },
      load: { initial_js_gzip_kb: 80 },
      "ui.growth_ratio": 1.2,
      "load.initial_js_gzip_kb": 80,
    });
  });

  it("prints one aligned table", () => {
    const table = formatTable([{ title: "ui", rows: [{ name: "ui.busy_fraction", value: "0.12", target: "<= 0.25", result: "PASS" }] }]);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^figure\s+value\s+target\s+result\s+how/);
    expect(lines).toContain("[ui]");
    expect(table).toMatch(/ui\.busy_fraction\s+0\.12\s+<= 0\.25\s+PASS/);
    expect(fmt(1234.5)).toBe("1235");
    expect(fmt(0.23456)).toBe("0.235");
  });
});
