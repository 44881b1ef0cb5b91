/**
 * The run: queued until a model is ready, then GSR streaming into the view and
 * into history. Over 300 lines because the queue, the run's start, its events
 * and its end share one closure (controller, recorder, frame batcher).
 */
import type { StateCreator } from "zustand";
import { toUserFacing, type UserFacingError } from "../engine/errors";
import type { EngineKind } from "../engine/types";
import { toHistoryError } from "../history/db";
import { RunRecorder } from "../history/recorder";
import { loadGsr, type GsrModule } from "./gsrModule";
import type { GenerationResult, GsrEvent, ShorteningReport, VoteResult } from "../gsr/types";
import { FrameBatcher, type PendingText } from "./frameBatcher";
import type { RunLineage } from "../lineage/types";
import { answerLineageOf, refinementEnded, stepLineageOf } from "./lineage";
import { runNotStarted } from "./runQueue";
import type { AppDeps, AppState } from "./index";
import type { Settings } from "./settingsSlice";

export type CandidateStatus = "queued" | "streaming" | "done" | "error" | "stopped";
export type RefinedStatus = "waiting" | "streaming" | "done" | "error" | "stopped";
export type RunStatus = "running" | "complete" | "stopped" | "failed";

export interface CandidateView {
  status: CandidateStatus;
  text: string;
  /** Tokens streamed so far (exact count from the engine once done). */
  tokens: number;
  startedAt: number | null;
  /** When text last arrived; with startedAt gives the live rate. */
  updatedAt: number | null;
  answer: string | null;
  /** Against the reference answer; null when there is none. */
  correct: boolean | null;
  result: GenerationResult | null;
  error: string | null;
}

export interface RefinedView {
  status: RefinedStatus;
  text: string;
  tokens: number;
  startedAt: number | null;
  updatedAt: number | null;
  answer: string | null;
  correct: boolean | null;
  agreesWithMajority: boolean | null;
  result: GenerationResult | null;
  shortened: ShorteningReport | null;
  error: string | null;
}

export interface RunView {
  id: number;
  problem: string;
  reference: string | null;
  settings: Settings;
  /** The model the run used (display name, "" when unknown) and its engine: the loaded one, whatever the picker shows. */
  model: string;
  engine: EngineKind;
  status: RunStatus;
  reason: string | null;
  candidates: CandidateView[];
  vote: VoteResult | null;
  majorityCorrect: boolean | null;
  refined: RefinedView;
  /** What refinement kept, fixed and dropped; null until the refined solution ends. */
  lineage: RunLineage | null;
  /** Where tracing the refined solution's steps stands (lineage.steps holds the result). */
  stepTrace: StepTrace;
}

export type StepTrace = "none" | "pending" | "ready" | "failed";

/** A problem picked from the bank carries its reference answer. */
export interface ProblemRef {
  id: string;
  dataset: string;
  answer: string;
}

export interface RunSlice {
  problem: string;
  problemRef: ProblemRef | null;
  run: RunView | null;
  /** A Run pressed before a model was ready, waiting for the load; Stop (Esc) drops it. */
  runQueued: boolean;
  banner: UserFacingError | null;
  setProblem(problem: string, ref?: ProblemRef | null): void;
  startRun(): Promise<void>;
  stopRun(): void;
  dismissBanner(): void;
}

const REFINED_KEY = -1;

function newCandidate(): CandidateView {
  return { status: "queued", text: "", tokens: 0, startedAt: null, updatedAt: null, answer: null, correct: null, result: null, error: null };
}

function judge(gsr: GsrModule, answer: string | null, reference: string | null): boolean | null {
  if (reference === null) return null;
  return answer !== null && gsr.answersEquivalent(answer, reference);
}

/** The run with its answer lineage, once its refinement has ended. */
function withAnswerLineage(gsr: GsrModule, run: RunView): RunView {
  return refinementEnded(run) ? { ...run, lineage: answerLineageOf(gsr, run) } : run;
}

export function createRunSlice(deps: AppDeps): StateCreator<AppState, [], [], RunSlice> {
  let controller: AbortController | null = null;
  let runCounter = 0;
  // Loaded with the first run: the math parser is too big for the initial bundle.
  let gsr: GsrModule | null = null;
  // Saves the run into history as it streams (throttled); null between runs.
  let recorder: RunRecorder | null = null;
  // True from the click to the run's end, so a second quick Run is ignored.
  let busy = false;
  // Numbers each queued Run; Stop moves it on, so a load that ends later knows its run was dropped.
  let queueTicket = 0;
  deps.flushRecording = () => recorder?.flush() ?? Promise.resolve();
  if (typeof addEventListener === "function") addEventListener("pagehide", () => void recorder?.flush());

  return (set, get) => {
    const updateRun = (change: (run: RunView) => RunView) => {
      const run = get().run;
      if (!run) return;
      const next = change(run);
      set({ run: next });
      recorder?.update(next);
    };
    const updateCandidate = (index: number, change: (c: CandidateView) => CandidateView) =>
      updateRun((run) => ({ ...run, candidates: run.candidates.map((c, i) => (i === index ? change(c) : c)) }));
    const updateRefined = (change: (r: RefinedView) => RefinedView) =>
      updateRun((run) => ({ ...run, refined: change(run.refined) }));

    const batcher = new FrameBatcher<number>(
      (batch: Map<number, PendingText>) => {
        const now = deps.now();
        updateRun((run) => {
          const refinedDelta = batch.get(REFINED_KEY);
          return {
            ...run,
            candidates: run.candidates.map((c, i) => {
              const d = batch.get(i);
              return d ? { ...c, text: c.text + d.text, tokens: c.tokens + d.pieces, updatedAt: now } : c;
            }),
            refined: refinedDelta
              ? {
                  ...run.refined,
                  text: run.refined.text + refinedDelta.text,
                  tokens: run.refined.tokens + refinedDelta.pieces,
                  updatedAt: now,
                }
              : run.refined,
          };
        });
      },
      deps.schedule,
      deps.now,
    );

    const endRun = (status: RunStatus, reason: string | null) => {
      batcher.flush();
      updateRun((run) => ({
        ...run,
        status,
        reason,
        // Anything still streaming or queued when the run ends was cut off.
        candidates: run.candidates.map((c) =>
          c.status === "streaming" || c.status === "queued" ? { ...c, status: "stopped" } : c,
        ),
        refined:
          run.refined.status === "streaming" || (run.refined.status === "waiting" && status !== "complete")
            ? { ...run.refined, status: "stopped" }
            : run.refined,
      }));
      if (status === "failed" && reason && !get().banner)
        set({ banner: { code: "unknown", title: reason, action: "", detail: "" } });
    };

    /** The engine's worker (or GPU device) died and took the model with it: say so, and ask for a reload. */
    const engineLost = (error: UserFacingError) => {
      if (get().modelStatus !== "ready") return;
      set({ modelStatus: "idle", model: null, banner: error });
    };

    const onEvent = (gsr: GsrModule, event: GsrEvent) => {
      // Deltas wait for the next frame; every other event sees all text first.
      if (event.type === "candidate-delta") return batcher.push(event.index, event.delta);
      if (event.type === "refine-delta") return batcher.push(REFINED_KEY, event.delta);
      batcher.flush();
      const reference = get().run?.reference ?? null;
      switch (event.type) {
        case "candidates-start":
          break;
        case "candidate-start":
          updateCandidate(event.index, (c) => ({ ...c, status: "streaming", startedAt: deps.now() }));
          break;
        case "candidate-done":
          updateCandidate(event.index, (c) => ({
            ...c,
            status: event.result.finishReason === "aborted" ? "stopped" : "done",
            text: event.result.text || c.text,
            tokens: event.result.tokens,
            answer: event.answer,
            correct: judge(gsr, event.answer, reference),
            result: event.result,
          }));
          break;
        case "candidate-error": {
          const mapped = toUserFacing({ name: "Error", message: event.message });
          if (mapped.code === "engine-crashed" || mapped.code === "device-lost") engineLost(mapped);
          const message = mapped.code === "unknown" ? event.message : `${mapped.title} ${mapped.action}`;
          updateCandidate(event.index, (c) => ({ ...c, status: "error", error: message }));
          break;
        }
        case "vote": {
          const majority = event.vote.majority;
          updateRun((run) => ({
            ...run,
            vote: event.vote,
            majorityCorrect: majority ? judge(gsr, majority.representative, reference) : reference === null ? null : false,
          }));
          break;
        }
        case "refine-start":
          updateRefined((r) => ({ ...r, status: "streaming", startedAt: deps.now(), shortened: event.shortened }));
          break;
        case "refine-done":
          updateRun((run) => withAnswerLineage(gsr, {
            ...run,
            refined: {
              ...run.refined,
              status: event.result.finishReason === "aborted" ? "stopped" : "done",
              text: event.result.text || run.refined.text,
              tokens: event.result.tokens,
              answer: event.answer,
              correct: judge(gsr, event.answer, reference),
              agreesWithMajority:
                event.answer !== null && run.vote?.majority
                  ? gsr.answersEquivalent(event.answer, run.vote.majority.representative)
                  : null,
              result: event.result,
            },
          }));
          break;
        case "refine-error": {
          const mapped = toUserFacing({ name: "Error", message: event.message });
          if (mapped.code === "engine-crashed" || mapped.code === "device-lost") engineLost(mapped);
          updateRefined((r) => ({ ...r, status: "error", error: event.message }));
          break;
        }
        case "run-done":
          endRun(event.status, event.reason ?? null);
          break;
      }
    };

    /** Traces the ended refinement's steps into the run (and so into history, before the recorder's last write). */
    const traceSteps = async () => {
      const run = get().run;
      if (!run?.lineage || !refinementEnded(run)) return;
      const id = run.id;
      updateRun((r) => ({ ...r, stepTrace: "pending" }));
      try {
        const steps = await stepLineageOf(run);
        if (get().run?.id === id) updateRun((r) => (r.lineage ? { ...r, stepTrace: "ready", lineage: { ...r.lineage, steps } } : r));
      } catch {
        // Step lineage is an aid; the run, its vote and its answers stand without it.
        if (get().run?.id === id) updateRun((r) => ({ ...r, stepTrace: "failed" }));
      }
    };

    const notice = (title: string, action = ""): UserFacingError => ({ code: "unknown", title, action, detail: "" });
    /** Why a run cannot start now, apart from the model; null when it can. */
    const runBlocker = (): UserFacingError | null => {
      if (get().benchmarkActivity !== "idle") return notice("A benchmark is running.", "Pause or stop it first.");
      if (!get().problem.trim()) return notice("Type or pick a math problem first.");
      return null;
    };

    /**
     * No model is ready: loads the picker's choice (or joins the load in flight)
     * and answers whether the run may start once it ends. Marks the run queued
     * before its first await, so a second Run meanwhile is ignored.
     */
    const waitForModel = async (): Promise<boolean> => {
      const ticket = ++queueTicket;
      set({ runQueued: true, banner: null });
      const outcome = await get().ensureModel();
      if (ticket !== queueTicket) return false; // Stop dropped this run while it waited.
      set({ runQueued: false });
      if (outcome !== "loaded") {
        set({ banner: runNotStarted(outcome, get().modelError) ?? get().banner });
        return false;
      }
      // The problem may have been cleared, or a benchmark started, while the model loaded.
      const late = runBlocker();
      if (late) set({ banner: late });
      return late === null;
    };

    return {
      problem: "",
      problemRef: null,
      run: null,
      runQueued: false,
      banner: null,
      setProblem: (problem, ref = null) => set({ problem, problemRef: ref }),
      dismissBanner: () => set({ banner: null, modelError: null }),
      stopRun: () => {
        get().stopReplay();
        // A queued run is dropped; the model keeps loading (Cancel under Model stops the download).
        if (get().runQueued) {
          queueTicket++;
          set({ runQueued: false });
        }
        controller?.abort();
      },
      startRun: async () => {
        if (busy || get().runQueued) return;
        const blocker = runBlocker();
        if (blocker) return void set({ banner: blocker });
        const modelReady = () => get().modelStatus === "ready" && deps.engines.current() !== null;
        if (!modelReady() && !(await waitForModel())) return;
        // Read now: the problem and settings may have changed while the model loaded.
        const { problem, problemRef, settings } = get();
        const engine = deps.engines.current();
        if (!engine) return void set({ banner: notice("Load a model first.", "Pick a model above and press Run or Load.") });
        busy = true;
        controller = new AbortController();
        const signal = controller.signal;
        await deps.historyReady;
        set({
          banner: null,
          focusedStep: null,
          run: {
            id: ++runCounter,
            problem,
            reference: problemRef?.answer ?? null,
            settings,
            model: get().model?.name ?? "",
            engine: engine.capabilities.kind,
            status: "running",
            reason: null,
            candidates: Array.from({ length: settings.n }, newCandidate),
            vote: null,
            majorityCorrect: null,
            lineage: null,
            stepTrace: "none",
            refined: {
              status: "waiting",
              text: "",
              tokens: 0,
              startedAt: null,
              updatedAt: null,
              answer: null,
              correct: null,
              agreesWithMajority: null,
              result: null,
              shortened: null,
              error: null,
            },
          },
        });
        recorder = new RunRecorder({
          meta: { problemRef, engine: engine.capabilities.kind, model: get().run?.model ?? "" },
          save: (saved) => deps.history.saveRun(saved),
          onError: (error) => set({ historyError: toHistoryError(error).message }),
        });
        set({ shownRunId: recorder.id, historyError: null });
        recorder.update(get().run!);
        try {
          gsr ??= await loadGsr();
          const method = gsr;
          await method.runGsr({
            port: engine,
            problem,
            settings: {
              n: settings.n,
              sampling: {
                temperature: settings.temperature,
                topP: settings.topP,
                maxTokens: settings.maxTokens,
                seed: settings.seed,
              },
            },
            signal,
            onEvent: (event) => onEvent(method, event),
          });
          await traceSteps();
        } catch (error) {
          batcher.flush();
          const message = toUserFacing(error);
          set({ banner: message });
          endRun("failed", message.title);
        } finally {
          controller = null;
          busy = false;
          get().refreshBatchStatus();
          const finished = recorder;
          recorder = null;
          void finished?.flush().then(() => get().refreshHistory());
        }
      },
    };
  };
}
