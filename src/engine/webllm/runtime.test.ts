import { describe, expect, it } from "vitest";
import type { GenerationCallbacks } from "../../gsr/types";
import { CHANNEL, type RefineryReply, type RefineryRequest } from "./protocol";
import { createRefineryChannel } from "./runtime";

const silent: GenerationCallbacks = { onDelta: () => {}, onDone: () => {}, onError: () => {} };
type Body = RefineryReply extends infer R ? (R extends RefineryReply ? Omit<R, "channel"> : never) : never;
const reply = (r: Body) => ({ ...r, channel: CHANNEL }) as RefineryReply;

describe("createRefineryChannel", () => {
  it("streams seq-* replies to the callbacks and resolves on the terminal reply", async () => {
    const posted: RefineryRequest[] = [];
    const channel = createRefineryChannel((r) => posted.push(r));
    const events: string[] = [];
    const run = channel.generateBatched(
      "m",
      [],
      {
        onStart: (i) => events.push(`start ${i}`),
        onDelta: (i, d) => events.push(`delta ${i} ${d}`),
        onDone: (i, r) => events.push(`done ${i} ${r.finishReason}`),
        onError: (i, e) => events.push(`error ${i} ${e.name}`),
      },
      new AbortController().signal,
    );
    const id = posted[0]!.id;
    expect(posted[0]).toMatchObject({ channel: CHANNEL, type: "generate-batched", modelId: "m" });
    channel.receive(reply({ type: "seq-start", id, index: 0 }));
    channel.receive(reply({ type: "seq-delta", id, index: 0, delta: "x" }));
    channel.receive(reply({ type: "seq-error", id, index: 1, error: { name: "DeviceLostError", message: "lost" } }));
    channel.receive(reply({ type: "seq-done", id, index: 0, result: { text: "x", tokens: 1, finishReason: "stop", firstTokenMs: 1, totalMs: 2 } }));
    channel.receive(reply({ type: "batched-unavailable", id, phase: "decode", reason: "r", partial: [] }));
    await expect(run).resolves.toEqual({ kind: "unavailable", phase: "decode", reason: "r", partial: [] });
    expect(events).toEqual(["start 0", "delta 0 x", "error 1 DeviceLostError", "done 0 stop"]);
    // Replies after the end are dropped.
    channel.receive(reply({ type: "seq-delta", id, index: 0, delta: "late" }));
    expect(events).toHaveLength(4);
  });

  it("posts an abort naming the run, also when the signal was aborted before the start", async () => {
    const posted: RefineryRequest[] = [];
    const channel = createRefineryChannel((r) => posted.push(r));
    const controller = new AbortController();
    const run = channel.generateBatched("m", [], silent, controller.signal);
    controller.abort();
    expect(posted.map((r) => [r.type, r.id])).toEqual([
      ["generate-batched", 1],
      ["abort", 1],
    ]);
    channel.receive(reply({ type: "generate-done", id: 1 }));
    await expect(run).resolves.toEqual({ kind: "done" });

    const aborted = new AbortController();
    aborted.abort();
    const test = channel.runSelfTest("m", { n: 2 }, aborted.signal);
    expect(posted.slice(2).map((r) => [r.type, r.id])).toEqual([
      ["self-test", 2],
      ["abort", 2],
    ]);
    expect(posted[2]).toMatchObject({ n: 2 });
    channel.receive(reply({ type: "error", id: 2, error: { name: "ModelNotLoadedError", message: "gone" } }));
    await expect(test).rejects.toMatchObject({ name: "ModelNotLoadedError", message: "gone" });
  });

  it("fails every wait when the worker dies", async () => {
    const channel = createRefineryChannel(() => {});
    const a = channel.checkBatchSupport("m", 4);
    const b = channel.generateBatched("m", [], silent, new AbortController().signal);
    channel.failAll(Object.assign(new Error("crashed"), { name: "WorkerCrashedError" }));
    await expect(a).rejects.toMatchObject({ name: "WorkerCrashedError" });
    await expect(b).rejects.toMatchObject({ name: "WorkerCrashedError" });
  });
});
