import { describe, expect, it } from "vitest";
import { FrameBatcher, type PendingText } from "./frameBatcher";

describe("FrameBatcher", () => {
  it("applies all deltas of a frame in one batch, concatenated per key", () => {
    const frames: Array<() => void> = [];
    const applied: Array<Map<number, PendingText>> = [];
    const batcher = new FrameBatcher<number>((b) => applied.push(b), (f) => frames.push(f));
    batcher.push(0, "a");
    batcher.push(1, "x");
    batcher.push(0, "b");
    expect(frames).toHaveLength(1);
    expect(applied).toHaveLength(0);
    frames[0]!();
    expect(applied).toEqual([
      new Map([
        [0, { text: "ab", pieces: 2 }],
        [1, { text: "x", pieces: 1 }],
      ]),
    ]);
  });

  it("schedules a new frame after a flush and skips empty flushes", () => {
    const frames: Array<() => void> = [];
    const applied: Array<Map<string, PendingText>> = [];
    const batcher = new FrameBatcher<string>((b) => applied.push(b), (f) => frames.push(f));
    batcher.push("r", "1");
    batcher.flush();
    frames[0]!(); // the stale frame finds nothing pending
    batcher.push("r", "2");
    expect(frames).toHaveLength(2);
    frames[1]!();
    expect(applied.map((m) => m.get("r")?.text)).toEqual(["1", "2"]);
  });
});
