/**
 * What the lineage views share: the refined step the viewer points at (hover,
 * focus or tap), which the candidate panels highlight; and the replay of a
 * saved run for demos (./replay), which shows no model is needed.
 */
import type { StateCreator } from "zustand";
import { replayFrame, replayPlan } from "./replay";
import type { AppDeps, AppState } from "./index";

/** How often a replay moves on; the frame batcher paces live runs the same way. */
const REPLAY_TICK_MS = 50;

export interface LineageSlice {
  /** Index of the refined step being pointed at; null when none. */
  focusedStep: number | null;
  setFocusedStep(step: number | null): void;
  /** The speed of the replay under way (a multiple of the recorded speed); null when none. */
  replaySpeed: number | null;
  /** Replays the run on screen (one that has ended) at `speed`× its recorded speed. */
  replayRun(speed: number): void;
  /** Ends a replay at once, showing the run as it was saved. */
  stopReplay(): void;
}

export function createLineageSlice(deps: AppDeps): StateCreator<AppState, [], [], LineageSlice> {
  let stop: (() => void) | null = null;
  return (set, get) => ({
    focusedStep: null,
    setFocusedStep: (step) => set({ focusedStep: step }),
    replaySpeed: null,
    stopReplay: () => stop?.(),
    replayRun: (speed) => {
      const source = get().run;
      if (!source || source.status === "running" || stop || !(speed > 0)) return;
      const plan = replayPlan(source);
      const startedAt = deps.now();
      let shown = replayFrame(source, plan, 0);
      let timer: ReturnType<typeof setTimeout> | null = null;
      stop = () => {
        if (timer !== null) clearTimeout(timer);
        stop = null;
        // Leave the run as saved, unless something else (a new run, another opened run) replaced it.
        set(get().run === shown ? { run: source, replaySpeed: null } : { replaySpeed: null });
      };
      const tick = () => {
        timer = null;
        // A new run or another opened run took the screen: the replay ends without touching it.
        if (get().run !== shown) return stop?.();
        const elapsed = (deps.now() - startedAt) * speed;
        shown = replayFrame(source, plan, elapsed);
        set({ run: shown });
        if (shown === source) return stop?.();
        timer = setTimeout(tick, REPLAY_TICK_MS);
      };
      set({ run: shown, replaySpeed: speed, focusedStep: null });
      timer = setTimeout(tick, REPLAY_TICK_MS);
    },
  });
}
