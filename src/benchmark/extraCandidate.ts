/**
 * The port wrapper behind maj@(N+1): the candidate phase samples one sequence
 * more than `runGsr` asks for, in the same `generateMany` call, and hands it to
 * a sink of its own, so `runGsr` never sees it (see the runner's header for the
 * seeds and the scoring). Separate from the runner because it is a plain
 * GenerationPort decorator, tested on its own without a benchmark.
 */
import type { GenerationCallbacks, GenerationPort, GenerationRequest, GenerationResult } from "../gsr/types";

/** Where the extra candidate's callbacks go. */
export interface ExtraSink {
  delta(text: string): void;
  done(result: GenerationResult): void;
  error(error: Error): void;
}

/**
 * Wraps a port so that its first `generateMany` call (the candidate phase of
 * `runGsr`) also generates `extra(requests)`, whose callbacks go to `sink`
 * instead of the caller. Later calls (the refinement) pass through.
 */
export function withExtraCandidate(
  port: GenerationPort,
  extra: (requests: GenerationRequest[]) => GenerationRequest,
  sink: ExtraSink,
): GenerationPort {
  let used = false;
  return {
    contextWindow: () => port.contextWindow(),
    countTokens: (messages) => port.countTokens(messages),
    generateMany: (requests, callbacks, signal) => {
      if (used) return port.generateMany(requests, callbacks, signal);
      used = true;
      const n = requests.length;
      let settled = false;
      const routed: GenerationCallbacks = {
        onStart: (i) => (i < n ? callbacks.onStart?.(i) : undefined),
        onDelta: (i, delta) => (i < n ? callbacks.onDelta(i, delta) : i === n && !settled && sink.delta(delta)),
        onDone: (i, result) => {
          if (i < n) return callbacks.onDone(i, result);
          if (i === n && !settled) {
            settled = true;
            sink.done(result);
          }
        },
        onError: (i, error) => {
          if (i < n) return callbacks.onError(i, error);
          if (i === n && !settled) {
            settled = true;
            sink.error(error);
          }
        },
      };
      return port.generateMany([...requests, extra(requests)], routed, signal).catch((error: unknown) => {
        if (!settled) {
          settled = true;
          sink.error(error instanceof Error ? error : new Error(String(error)));
        }
        throw error;
      });
    },
  };
}
