/**
 * Page-side instrumentation shared by the perf pages: when each panel changes
 * status (seen in the DOM, i.e. after React committed it), long tasks, and the
 * streamed token count. Runs in the page; reports plain data (hooks.ts).
 */
import type { AppStore } from "../../src/store";
import type { BenchPageHooks, BenchRunSettings, LongTaskRecord, RunRecord, SequenceRecord } from "./hooks";

const ENDED = new Set(["done", "error", "stopped"]);

function observeLongTasks(): LongTaskRecord[] {
  const tasks: LongTaskRecord[] = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch {
    // No longtask support: the list stays empty and the bench says so.
  }
  return tasks;
}

function emptySequence(): SequenceRecord {
  return { streamingAt: null, endedAt: null, status: "", tokens: 0, finishReason: null, chars: 0 };
}

export function perfHooks(store: AppStore): BenchPageHooks {
  const longTasks = observeLongTasks();
  let pending: Promise<RunRecord> | null = null;
  let candidatesPending: Promise<void> | null = null;

  const armRun = ({ stopAfterCandidates = false } = {}) => {
    const armedRunId = store.getState().run?.id ?? null;
    let clickAt: number | null = null;
    const candidates = new Map<number, SequenceRecord>();
    const refined = emptySequence();
    const onClick = (event: Event) => {
      if (clickAt === null && (event.target as Element | null)?.closest?.("[data-testid='run.start']")) clickAt = performance.now();
    };
    document.addEventListener("click", onClick, true);
    // Only data-status changes: the observer costs nothing per streamed token.
    const observer = new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        const el = r.target as HTMLElement;
        const id = el.dataset.testid ?? "";
        const status = el.dataset.status ?? "";
        const match = /^candidate\.(\d+)$/.exec(id);
        let seq: SequenceRecord | undefined;
        if (match) {
          const i = Number(match[1]);
          if (!candidates.has(i)) candidates.set(i, emptySequence());
          seq = candidates.get(i);
        } else if (id === "refined.solution") seq = refined;
        if (!seq) continue;
        if (status === "streaming") seq.streamingAt ??= now;
        if (ENDED.has(status)) seq.endedAt ??= now;
      }
    });
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
    // A panel can mount already streaming (the first run's lazily loaded view):
    // then the store's transition time stands in for the DOM's.
    const storeStreamingAt = new Map<number, number>();
    let candidatesDone = () => {};
    candidatesPending = new Promise<void>((resolve) => (candidatesDone = resolve));
    pending = new Promise<RunRecord>((resolve) => {
      const check = () => {
        const run = store.getState().run;
        if (!run || run.id === armedRunId) return;
        run.candidates.forEach((c, i) => {
          if (c.status !== "queued" && !storeStreamingAt.has(i)) storeStreamingAt.set(i, performance.now());
        });
        if (run.candidates.every((c) => ENDED.has(c.status))) {
          // Inside the store update that ended the last candidate: the orchestrator
          // sees the abort before it counts the refine prompt's tokens.
          if (stopAfterCandidates && run.status === "running") store.getState().stopRun();
          candidatesDone();
        }
        if (run.status === "running") return;
        unsubscribe();
        observer.disconnect();
        document.removeEventListener("click", onClick, true);
        const endedAt = performance.now();
        const fill = (seq: SequenceRecord, view: { status: string; text: string; result: { tokens: number; finishReason: string } | null }) => ({
          ...seq,
          status: view.status,
          tokens: view.result?.tokens ?? 0,
          finishReason: view.result?.finishReason ?? null,
          chars: view.text.length,
        });
        resolve({
          clickAt,
          candidates: run.candidates.map((c, i) => {
            const seq = candidates.get(i) ?? emptySequence();
            return fill({ ...seq, streamingAt: seq.streamingAt ?? storeStreamingAt.get(i) ?? null }, c);
          }),
          refined: fill(refined, run.refined),
          status: run.status,
          endedAt,
        });
      };
      const unsubscribe = store.subscribe(check);
    });
  };

  const loadModel = async (url: string) => {
    store.getState().setModelChoice({ kind: "url", url });
    await store.getState().loadModel();
    const { modelStatus, modelError } = store.getState();
    if (modelStatus !== "ready") throw new Error(`The model did not load: ${modelError?.title ?? modelStatus} ${modelError?.detail ?? ""}`);
  };

  const configureRun = (settings: BenchRunSettings) => {
    const state = store.getState();
    state.setProblem(settings.problem);
    state.setSetting("n", settings.n);
    state.setSetting("temperature", settings.temperature);
    state.setSetting("maxTokens", settings.maxTokens);
  };

  return {
    loadModel,
    configureRun,
    armRun,
    candidatesEnded: () => candidatesPending ?? Promise.reject(new Error("armRun() was not called")),
    runEnded: () => pending ?? Promise.reject(new Error("armRun() was not called")),
    streamedTokens: () => {
      const run = store.getState().run;
      if (!run) return 0;
      return run.candidates.reduce((sum, c) => sum + c.tokens, 0) + run.refined.tokens;
    },
    modelReady: () => store.getState().modelStatus === "ready",
    longTasks,
  };
}
