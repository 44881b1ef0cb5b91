import { describe, expect, it } from "vitest";
import { makeRunView } from "./testing/fixtures";
import { RunRecorder } from "./recorder";
import type { RunViewLike, SavedRun } from "./types";

/** A recorder on a manual clock and manual timers, with saves that resolve when told. */
function setup(options: { failWith?: unknown } = {}) {
  let now = 10_000;
  const timers: { at: number; callback: () => void; handle: number }[] = [];
  let nextHandle = 1;
  const saves: SavedRun[] = [];
  const errors: unknown[] = [];
  let failWith = options.failWith;
  const recorder = new RunRecorder({
    meta: {
      problemRef: null,
      engine: "wllama",
      model: "Test model",
      id: "0b6f7f2e-4c1a-4d3e-9f00-123456789abc",
    },
    save: async (run) => {
      if (failWith) throw failWith;
      saves.push(run);
    },
    clock: () => now,
    setTimer: (callback, ms) => {
      const handle = nextHandle++;
      timers.push({ at: now + ms, callback, handle });
      return handle;
    },
    clearTimer: (handle) => {
      const i = timers.findIndex((t) => t.handle === handle);
      if (i >= 0) timers.splice(i, 1);
    },
    onError: (e) => errors.push(e),
  });
  return {
    recorder,
    saves,
    errors,
    timers,
    stopFailing: () => (failWith = undefined),
    /** Moves the clock on and fires due timers. */
    advance: async (ms: number) => {
      now += ms;
      for (const t of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.callback();
      }
      await settle();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function streaming(text: string): RunViewLike {
  const view = makeRunView({ status: "running", vote: null, majorityCorrect: null });
  return {
    ...view,
    candidates: view.candidates.map((c) => ({
      ...c,
      status: "streaming",
      text,
      result: null,
      answer: null,
    })),
    refined: { ...view.refined, status: "waiting", text: "", result: null },
  };
}

describe("RunRecorder", () => {
  it("saves at once on the first view and on every phase change", async () => {
    const { recorder, saves } = setup();
    recorder.update(streaming(""));
    await settle();
    expect(saves).toHaveLength(1);
    expect(saves[0]).toMatchObject({
      id: recorder.id,
      status: "running",
      createdAt: 10_000,
      model: "Test model",
    });
    recorder.update(makeRunView());
    await settle();
    expect(saves).toHaveLength(2);
    expect(saves[1]?.status).toBe("complete");
  });

  it("saves streamed text at most once per interval, with the latest text", async () => {
    const { recorder, saves, advance } = setup();
    recorder.update(streaming(""));
    await settle();
    for (let i = 1; i <= 20; i++) {
      recorder.update(streaming("x".repeat(i)));
      await advance(50);
    }
    // 1000 ms of tokens: the first save plus one every 500 ms.
    expect(saves.length).toBeLessThanOrEqual(3);
    expect(saves.length).toBeGreaterThanOrEqual(2);
    await recorder.flush();
    expect(saves.at(-1)?.candidates[0]?.text).toBe("x".repeat(20));
  });

  it("flush saves what is pending and cancels the timer", async () => {
    const { recorder, saves, timers } = setup();
    recorder.update(streaming(""));
    recorder.update(streaming("partial"));
    expect(timers).toHaveLength(1);
    await recorder.flush();
    expect(timers).toHaveLength(0);
    expect(saves.at(-1)?.candidates[0]?.text).toBe("partial");
    const count = saves.length;
    await recorder.flush();
    expect(saves).toHaveLength(count);
  });

  it("never overlaps writes and ends with the newest view", async () => {
    const order: string[] = [];
    let release: (() => void) | null = null;
    const recorder = new RunRecorder({
      meta: { problemRef: null, engine: "wllama", model: "" },
      save: (run) =>
        new Promise<void>((resolve) => {
          order.push(`start ${run.status}`);
          release = () => {
            order.push(`end ${run.status}`);
            resolve();
          };
        }),
    });
    recorder.update(streaming(""));
    recorder.update({ ...makeRunView(), status: "stopped" });
    recorder.update(makeRunView());
    const flushed = recorder.flush();
    while (order.length < 4) {
      await settle();
      release!();
    }
    await flushed;
    expect(order).toEqual(["start running", "end running", "start complete", "end complete"]);
  });

  it("reports a failing save once, keeps the data pending and retries", async () => {
    const quota = new DOMException("full", "QuotaExceededError");
    const { recorder, saves, errors, stopFailing } = setup({ failWith: quota });
    recorder.update(streaming(""));
    await settle();
    recorder.update(makeRunView());
    await settle();
    expect(errors).toEqual([quota]);
    stopFailing();
    await recorder.flush();
    expect(saves).toHaveLength(1);
    expect(saves[0]?.status).toBe("complete");
  });
});
