import { describe, expect, it } from "vitest";
import { duration, fraction, interval, percent, points } from "./format";

describe("format", () => {
  it("percent, points, intervals, fractions, durations", () => {
    expect(percent(2 / 3)).toBe("66.7%");
    expect(points(0.125)).toBe("+12.5 pp");
    expect(points(-1 / 3)).toBe("−33.3 pp");
    expect(points(0)).toBe("±0.0 pp");
    expect(points(-0.00001)).toBe("±0.0 pp");
    expect(interval({ low: 0.2077, high: 0.9386 })).toBe("[20.8, 93.9]");
    expect(interval({ low: -0.5, high: 0.25 }, 1, true)).toBe("[−50.0, 25.0]");
    expect(interval(null)).toBe("");
    expect(fraction({ count: 2, total: 3, value: 2 / 3, ci: null })).toBe("2/3");
    expect(duration(850)).toBe("850 ms");
    expect(duration(12_345)).toBe("12.3 s");
    expect(duration(245_000)).toBe("4 min 05 s");
  });
});
