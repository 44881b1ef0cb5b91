import { describe, expect, it } from "vitest";
import { FrameBatcher, MAX_PAUSE_MS, streamPause, type PendingText } from "./frameBatcher";

/** A batcher whose frames and clock the test drives. */
function setup<K>() {
  const frames: Array<{ flush: () => void; delay: number }> = [];
  const applied: Array<Map<K, PendingText>> = [];
  let clock = 1000;
  const batcher = new FrameBatcher<K>(
    (b) => applied.push(b),
    (flush, delay) => frames.push({ flush, delay }),
    () => clock,
  );
  return { batcher, frames, applied, advance: (ms: number) => (clock += ms) };
}

describe("FrameBatcher", () => {
  it("applies all deltas of a frame in one batch, concatenated per key", () => {
    const { batcher, frames, applied } = setup<number>();
    batcher.push(0, "a");
    batcher.push(1, "x");
    batcher.push(0, "b");
    expect(frames).toHaveLength(1);
    expect(applied).toHaveLength(0);
    frames[0]!.flush();
    expect(applied).toEqual([
      new Map([
        [0, { text: "ab", pieces: 2 }],
        [1, { text: "x", pieces: 1 }],
      ]),
    ]);
  });

  it("schedules a new frame after a flush and skips empty flushes", () => {
    const { batcher, frames, applied } = setup<string>();
    batcher.push("r", "1");
    batcher.flush();
    frames[0]!.flush(); // the stale frame finds nothing pending
    batcher.push("r", "2");
    expect(frames).toHaveLength(2);
    frames[1]!.flush();
    expect(applied.map((m) => m.get("r")?.text)).toEqual(["1", "2"]);
  });

  it("waits longer between batches the more sequences stream", () => {
    const { batcher, frames, advance } = setup<number>();
    batcher.push(0, "a");
    expect(frames[0]!.delay).toBe(0); // the first text shows at once
    frames[0]!.flush();
    batcher.push(0, "b");
    expect(frames[1]!.delay).toBe(streamPause(1));
    frames[1]!.flush();
    for (let i = 0; i < 8; i++) batcher.push(i, "c");
    frames[2]!.flush();
    advance(30);
    batcher.push(3, "d");
    expect(frames[3]!.delay).toBe(MAX_PAUSE_MS - 30);
    advance(500);
    frames[3]!.flush();
    batcher.push(3, "e");
    // One sequence left streaming: back to every frame or so.
    expect(frames[4]!.delay).toBe(streamPause(1));
  });

  it("paces one stream at about a frame and eight at 100 ms", () => {
    expect(streamPause(0)).toBe(0);
    expect(streamPause(1)).toBeLessThan(17);
    expect(streamPause(8)).toBe(100);
    expect(streamPause(64)).toBe(100);
  });
});
