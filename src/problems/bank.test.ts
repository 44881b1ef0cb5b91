import { describe, expect, it } from "vitest";
import { parseJsonl } from "./bank";

describe("parseJsonl", () => {
  it("parses rows and skips blank lines", () => {
    const rows = parseJsonl('{"id":"a","problem":"1+1","answer":"2","source":"t"}\n\n{"id":"b","problem":"p","answer":"x","source":"t","level":3}\n');
    expect(rows.map((r) => r.id)).toEqual(["a", "b"]);
    expect(rows[1]!.level).toBe(3);
  });

  it("names the line that is broken", () => {
    expect(() => parseJsonl('{"id":"a","problem":"1","answer":"2"}\n{oops')).toThrow("Line 2 is not valid JSON.");
    expect(() => parseJsonl('{"id":"a","problem":"1"}')).toThrow("Line 1 lacks id, problem or answer.");
  });
});
