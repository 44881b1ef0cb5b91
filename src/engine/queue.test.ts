import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./queue";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("ConcurrencyLimiter", () => {
  it("never runs more than the limit at once and runs everything in order", async () => {
    const limiter = new ConcurrencyLimiter(2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    let peak = 0;
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limiter.run(async () => {
        started.push(i);
        peak = Math.max(peak, limiter.inFlight);
        await new Promise<void>((r) => releases.push(r));
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    releases.shift()!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    while (started.length < 5 || releases.length) {
      releases.shift()?.();
      await tick();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it("frees the slot when a task throws", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
    expect(limiter.inFlight).toBe(0);
  });

  it("rejects a nonsensical limit", () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
