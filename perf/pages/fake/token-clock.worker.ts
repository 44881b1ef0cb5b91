/// <reference lib="webworker" />
/**
 * Streams each sequence's tokens at a fixed rate, one message per token. The
 * sequences are staggered within a token period, as a batched engine hands
 * out the tokens of one step one stream after another.
 */
import type { ClockReply, ClockRequest } from "./clock-protocol";

declare const self: DedicatedWorkerGlobalScope;

interface Stream {
  index: number;
  tokens: string[];
  next: number;
  /** Offset of this stream within a token period, in ms. */
  phase: number;
}

interface Job {
  id: number;
  periodMs: number;
  startedAt: number;
  streams: Stream[];
  timer: ReturnType<typeof setTimeout> | null;
}

const jobs = new Map<number, Job>();

function post(reply: ClockReply): void {
  self.postMessage(reply);
}

function tick(job: Job): void {
  job.timer = null;
  const now = performance.now();
  let nextDue = Infinity;
  // Emit everything that is due, in time order across streams.
  for (;;) {
    let best: Stream | null = null;
    let bestDue = Infinity;
    for (const s of job.streams) {
      if (s.next >= s.tokens.length) continue;
      const due = job.startedAt + s.phase + s.next * job.periodMs;
      if (due < bestDue) {
        bestDue = due;
        best = s;
      }
    }
    if (!best) break;
    if (bestDue > now) {
      nextDue = bestDue;
      break;
    }
    post({ type: "token", id: job.id, index: best.index, text: best.tokens[best.next]! });
    best.next++;
    if (best.next === best.tokens.length) post({ type: "end", id: job.id, index: best.index });
  }
  if (nextDue === Infinity) jobs.delete(job.id);
  else job.timer = setTimeout(() => tick(job), Math.max(0, nextDue - performance.now()));
}

self.onmessage = (event: MessageEvent<ClockRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "start": {
      const periodMs = 1000 / request.rate;
      const n = request.sequences.length;
      const job: Job = {
        id: request.id,
        periodMs,
        startedAt: performance.now(),
        streams: request.sequences.map((s, i) => ({ index: s.index, tokens: s.tokens, next: 0, phase: (i * periodMs) / n })),
        timer: null,
      };
      jobs.set(job.id, job);
      for (const s of job.streams) if (s.tokens.length === 0) post({ type: "end", id: job.id, index: s.index });
      tick(job);
      break;
    }
    case "abort": {
      const job = jobs.get(request.id);
      if (job?.timer) clearTimeout(job.timer);
      jobs.delete(request.id);
      break;
    }
    default: {
      const unhandled: never = request;
      throw new Error(`Unknown request ${JSON.stringify(unhandled)}`);
    }
  }
};
