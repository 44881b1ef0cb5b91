/**
 * The batched path of `WebLlmEngine.generateMany` and the policy that decides
 * when it may run. Kept apart from client.ts because the policy has state of its
 * own (what the load-time check found, verdicts per model and GPU, fallbacks made
 * this session) and talks to the user through notices, while the engine only asks
 * "batched or not?" and hands what is left to the sequential path.
 *
 * WebLLM serialises requests to a model (a per-model lock) and refuses
 * streaming with n > 1, so by itself it runs the candidates one after another,
 * each streamed to its index with its own seed (the sequential path,
 * sequentialPath.ts). Where the model allows it, `generateMany` decodes them in
 * one batch instead (./batched/, run in the worker). The policy:
 *
 * - At load, a cheap check (function lookups, the library's metadata) says
 *   whether the model can batch at all; `batchStatus()` reports the outcome.
 * - A call is batched when its requests share one prompt, there are at least two,
 *   the model can batch, and no self-test verdict for this model and GPU says
 *   otherwise (a stored "fail" or "unsupported", or a failure earlier in this
 *   session).
 * - Batching is never trusted unchecked: when this model and GPU have no verdict
 *   yet, the first batched-eligible call first runs the self-test (greedy batched
 *   tokens must equal WebLLM's own sequential tokens; a few seconds) and stores
 *   the verdict; only a "pass" lets the call batch. `runSelfTest()` runs it on demand.
 * - If a batched run fails part-way, candidates that had finished stay finished;
 *   the others are regenerated on the sequential path with the same seed. Their
 *   streamed text stays on screen and is not repeated: the regeneration streams
 *   only what goes beyond it (see `ReplayFilter`), and its final result carries the
 *   complete text. The model then stays sequential for the rest of the session,
 *   and one notice line says so.
 */
import type { GenerationCallbacks, GenerationRequest } from "../../gsr/types";
import { EngineError } from "../errors";
import type { BatchSupport, SelfTestReport, SelfTestStore } from "./batched";
import { toBatchedRequest, type BatchStatus, type SelfTestOptions } from "./batching";
import { notLoaded, webLlmError } from "./errors";
import type { BatchedOutcome, WebLlmRuntime } from "./runtime";
import type { RuntimeSlot } from "./runtimeSlot";
import { untouched, type Leftover } from "./sequentialPath";
import type { WebLlmLoadedModel } from "./types";

/** What the load-time check found, for one load of one model. */
export interface BatchState {
  /** The load it belongs to: stale once the engine's loaded model is another object. */
  model: WebLlmLoadedModel;
  /** `deviceKey` of the GPU, the second half of a verdict's key. */
  device: string;
  support: BatchSupport;
  maxBatchSize: number | null;
}

export class BatchedPath {
  private state: BatchState | null = null;
  private readonly noticeListeners = new Set<(message: string) => void>();
  /** Model + GPU keys that fell back during this session, with the reason. */
  private readonly sequentialThisSession = new Map<string, string>();

  /** `loadedModel` is the engine's model now: a check or run that outlives its model records nothing. */
  constructor(
    private readonly slot: RuntimeSlot,
    private readonly loadedModel: () => WebLlmLoadedModel | null,
    private readonly verdicts: SelfTestStore,
    private readonly now: () => number,
  ) {}

  /** Takes what the load-time check found for the model just loaded. */
  adopt(state: BatchState): void {
    this.state = state;
  }

  /** The load-time check's findings for the loaded model; null when none is loaded. */
  current(): BatchState | null {
    return this.state && this.state.model === this.loadedModel() ? this.state : null;
  }

  /** How `generateMany` will run N candidates on the loaded model, and why. */
  status(): BatchStatus {
    const loaded = this.loadedModel();
    const batch = this.current();
    if (!loaded || !batch) return { mode: "sequential", reason: "No model is loaded." };
    if (!batch.support.ok) return { mode: "sequential", reason: batch.support.reason };
    const failedThisSession = this.sequentialThisSession.get(this.verdictKey(batch));
    if (failedThisSession) return { mode: "sequential", reason: failedThisSession };
    const stored = this.verdicts.get(loaded.modelId, batch.device);
    switch (stored?.verdict) {
      case "fail":
        return { mode: "sequential", reason: `Batched decoding failed its check on this GPU: ${stored.reason}` };
      case "unsupported":
        return { mode: "sequential", reason: stored.reason };
      case "pass":
        return { mode: "batched", reason: `Checked on this GPU${stored.speedup ? `: ${stored.speedup.toFixed(1)}× faster than one at a time` : ""}.` };
      default:
        return { mode: "batched", reason: "This model can batch; a one-time check on this GPU runs before the first batched run." };
    }
  }

  /**
   * Runs the self-test on the loaded model now (holding the model, so after any
   * running generation) and stores its verdict for this model and GPU. A pass
   * also lifts a fallback made earlier in this session; a failure makes
   * `generateMany` sequential for this model on this GPU from now on.
   */
  async runSelfTest(options: SelfTestOptions = {}): Promise<SelfTestReport> {
    const loaded = this.loadedModel();
    const runtime = this.slot.current;
    const batch = this.current();
    if (!loaded || !runtime || !batch) throw notLoaded();
    const { signal = new AbortController().signal, ...params } = options;
    let report: SelfTestReport;
    try {
      report = await this.slot.race(runtime, runtime.runSelfTest(loaded.modelId, params, signal));
    } catch (error) {
      throw webLlmError(error);
    }
    if (this.loadedModel() === loaded && !signal.aborted) {
      this.verdicts.record(loaded.modelId, batch.device, report);
      if (report.verdict === "pass") this.sequentialThisSession.delete(this.verdictKey(batch));
    }
    return report;
  }

  addNoticeListener(listener: (message: string) => void): () => void {
    this.noticeListeners.add(listener);
    return () => void this.noticeListeners.delete(listener);
  }

  private notify(message: string): void {
    for (const listener of [...this.noticeListeners]) {
      try {
        listener(message);
      } catch {
        // a listener's failure is not the run's
      }
    }
  }

  private verdictKey(batch: BatchState): string {
    return `${batch.model.modelId}|${batch.device}`;
  }

  private fallBackForSession(batch: BatchState, reason: string): void {
    this.sequentialThisSession.set(this.verdictKey(batch), reason);
  }

  /**
   * The batched path of `generateMany`. Returns the candidates it did not finish,
   * for the sequential path: none when the batch ran (or failed for good), all of
   * them when the check before the first batch said no.
   */
  async generate(
    runtime: WebLlmRuntime,
    loaded: WebLlmLoadedModel,
    requests: GenerationRequest[],
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Leftover[]> {
    const batch = this.current();
    if (!batch) return untouched(requests);
    if (!this.verdicts.get(loaded.modelId, batch.device)) {
      const passed = await this.checkBeforeFirstBatch(runtime, loaded, batch, signal);
      if (!passed) return untouched(requests);
    }

    // What reached the caller, so that every candidate ends exactly once.
    const seen = requests.map(() => ({ started: false, shown: "", ended: false }));
    const forward: GenerationCallbacks = {
      onStart: (index) => {
        const s = seen[index];
        if (!s || s.started || s.ended) return;
        s.started = true;
        callbacks.onStart?.(index);
      },
      onDelta: (index, delta) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.shown += delta;
        callbacks.onDelta(index, delta);
      },
      onDone: (index, result) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.ended = true;
        callbacks.onDone(index, result);
      },
      onError: (index, error) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.ended = true;
        callbacks.onError(index, error);
      },
    };
    // Distinct seeds where a request has none, as WebLLM would draw a random one per request.
    const seedBase = Math.trunc(this.now() * 1000) % 2 ** 31;
    let outcome: BatchedOutcome;
    try {
      outcome = await this.slot.race(
        runtime,
        runtime.generateBatched(
          loaded.modelId,
          requests.map((request, index) => toBatchedRequest(request, seedBase + index)),
          forward,
          signal,
        ),
      );
    } catch (error) {
      // The worker died or the model is gone: as on the sequential path, the running candidates fail.
      const failure = webLlmError(error);
      seen.forEach((_, index) => forward.onError(index, failure));
      return [];
    }
    if (outcome.kind === "done") {
      seen.forEach((_, index) =>
        forward.onError(index, new EngineError({ name: "Error", message: "The batched run ended without this candidate's result." })),
      );
      return [];
    }
    // Candidates that finished before the failure keep their result (its seq-done came first; this is a safeguard).
    for (const partial of outcome.partial) if (partial.result) forward.onDone(partial.index, partial.result);
    const tokensOf = new Map(outcome.partial.map((p) => [p.index, p.tokens]));
    const leftovers = seen.flatMap((s, index) =>
      s.ended ? [] : [{ index, shown: s.shown, tokens: tokensOf.get(index) ?? 0, started: s.started }],
    );
    if (this.loadedModel() === loaded) {
      // Not when the model was unloaded or replaced meanwhile: that broke the run, not batching.
      const reason = outcome.phase === "support" ? `Batched decoding is not possible here: ${outcome.reason}` : outcome.reason;
      this.fallBackForSession(batch, reason);
      const unfinished = leftovers.filter((l) => l.started).length;
      const rest =
        leftovers.length === 0
          ? ""
          : unfinished === 0
            ? " The candidates are generated one at a time;"
            : ` The ${unfinished === 1 ? "unfinished candidate continues" : `${unfinished} unfinished candidates continue`} one at a time;`;
      this.notify(`${reason}${/[.!?]$/.test(reason) ? "" : "."}${rest} ${loaded.name} stays on one-at-a-time generation for this session.`);
    }
    return leftovers;
  }

  /** The self-test before the first batch of a model on a GPU. True when it passed (and batching may go ahead). */
  private async checkBeforeFirstBatch(
    runtime: WebLlmRuntime,
    loaded: WebLlmLoadedModel,
    batch: BatchState,
    signal: AbortSignal,
  ): Promise<boolean> {
    let report: SelfTestReport;
    try {
      report = await this.slot.race(runtime, runtime.runSelfTest(loaded.modelId, {}, signal));
    } catch (error) {
      if (signal.aborted || this.loadedModel() !== loaded || this.slot.current !== runtime) return false;
      const reason = `The batched decoding check could not run (${webLlmError(error).message}).`;
      this.fallBackForSession(batch, reason);
      this.notify(`${reason} Candidates are generated one at a time this session.`);
      return false;
    }
    // A stopped check is no verdict: the next run checks again.
    if (signal.aborted || this.loadedModel() !== loaded) return false;
    this.verdicts.record(loaded.modelId, batch.device, report);
    switch (report.verdict) {
      case "pass": {
        const faster = report.speedup ? `, ${report.speedup.toFixed(1)}× faster` : "";
        this.notify(`Batched decoding checked on this GPU: same tokens as one at a time${faster}. Candidates now run in one batch.`);
        return true;
      }
      case "fail":
        this.notify(`Batched decoding failed its check on this GPU (${report.reason}); candidates are generated one at a time.`);
        return false;
      case "unsupported":
        this.notify(`Batched decoding is not available for this model (${report.reason}); candidates are generated one at a time.`);
        return false;
      case "error":
        this.fallBackForSession(batch, report.reason);
        this.notify(`${report.reason} Candidates are generated one at a time this session.`);
        return false;
    }
  }
}
