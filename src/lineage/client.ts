/**
 * The main thread's side of step lineage: one worker, made on first use and
 * kept for later runs; requests answered by id. Where there is no Worker (unit
 * tests, very old browsers) the matching runs inline instead. A worker that
 * never answers fails the request after {@link LINEAGE_TIMEOUT_MS}, so the run
 * that waits for it still ends.
 */
import { matchSteps, type StepLineage } from "./match";
import type { LineageReply, LineageRequest } from "./protocol";

/** Far above the worst case measured (8 × 2,000 tokens: under 0.3 s); only a stuck worker reaches it. */
export const LINEAGE_TIMEOUT_MS = 20_000;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (l: StepLineage) => void; reject: (e: Error) => void }>();

function lineageWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "refinery-lineage" });
  worker.onmessage = (event: MessageEvent<LineageReply>) => {
    const reply = event.data;
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.type === "matched") waiting.resolve(reply.lineage);
    else waiting.reject(new Error(reply.message));
  };
  worker.onerror = (event) => {
    // A worker that fails to start or crashes fails every request it holds; the next one gets a new worker.
    event.preventDefault();
    for (const waiting of pending.values()) waiting.reject(new Error(event.message || "The step-lineage worker failed."));
    pending.clear();
    worker?.terminate();
    worker = null;
  };
  return worker;
}

/** Which candidate steps the refined solution's steps came from, computed off the main thread. */
export function computeStepLineage(refined: string, candidates: readonly string[]): Promise<StepLineage> {
  if (typeof Worker === "undefined") return Promise.resolve().then(() => matchSteps(refined, candidates));
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      // A worker this slow is stuck: stop it (the next request starts a new one).
      pending.delete(id);
      worker?.terminate();
      worker = null;
      for (const waiting of pending.values()) waiting.reject(new Error("The step-lineage worker was restarted."));
      pending.clear();
      reject(new Error("The step-lineage worker did not answer."));
    }, LINEAGE_TIMEOUT_MS);
    const settle = <T>(then: (value: T) => void) => (value: T) => {
      clearTimeout(timer);
      then(value);
    };
    pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
    const request: LineageRequest = { type: "match", id, refined, candidates: [...candidates] };
    lineageWorker().postMessage(request);
  });
}
