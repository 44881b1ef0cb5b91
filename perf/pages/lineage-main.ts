/**
 * Step lineage cost (perf/lineage.ts drives it): 8 LaTeX-heavy candidates of
 * 2,000 tokens and a refined solution built from their steps plus steps of its
 * own, traced the way the app traces them (the lineage worker, through the
 * app's client) while a PerformanceObserver counts the page's long tasks. The
 * same matching run inline on the main thread is timed as well, to show what
 * the worker keeps off the page.
 */
import { computeStepLineage } from "../../src/lineage/client";
import { matchSteps } from "../../src/lineage/match";
import { solutionTokens } from "./fake/solutions";
import type { LineageBenchResult } from "./hooks";

const N = 8;
const TOKENS = 2000;

/** Candidates, and a refined solution taking paragraph k from candidate k mod N, with every fourth paragraph new. */
function workload(): { candidates: string[]; refined: string } {
  const candidates = Array.from({ length: N }, (_, i) => solutionTokens(1000 + i, TOKENS).join(""));
  const paragraphs = candidates.map((text) => text.split("\n\n"));
  const fresh = solutionTokens(4242, TOKENS).join("").split("\n\n");
  const refined: string[] = [];
  for (let k = 0; refined.join("\n\n").length < candidates[0]!.length; k++) {
    const source = k % 4 === 3 ? fresh : paragraphs[k % N]!;
    refined.push(source[k % source.length]!);
  }
  return { candidates, refined: refined.join("\n\n") };
}

async function measure(): Promise<LineageBenchResult> {
  const tasks: { start: number; duration: number }[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask" });
  const { candidates, refined } = workload();
  await computeStepLineage("warm-up", ["warm-up"]); // starts the worker and loads its code first
  const rounds: number[] = [];
  const windowStart = performance.now();
  let lineage = await computeStepLineage(refined, candidates);
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    lineage = await computeStepLineage(refined, candidates);
    rounds.push(performance.now() - t0);
  }
  // Let the observer deliver the window's entries.
  await new Promise((r) => setTimeout(r, 200));
  const windowEnd = performance.now();
  const during = tasks.filter((t) => t.start <= windowEnd && t.start + t.duration >= windowStart);
  const t0 = performance.now();
  matchSteps(refined, candidates);
  const inlineMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  // The same observer sees the inline run as a long task: proof that it would have seen the worker's.
  // (A task's entry starts when the task does, which may be before t0: count those that overlap the run.)
  const inlineLongTasks = tasks.filter((t) => t.start <= t0 + inlineMs && t.start + t.duration >= t0 && t.duration > 50).length;
  return {
    candidateChars: candidates.map((c) => c.length),
    refinedSteps: lineage.refined.length,
    candidateSteps: lineage.candidates.reduce((sum, steps) => sum + steps.length, 0),
    newSteps: lineage.refined.filter((s) => !s.trivial && s.sources.length === 0).length,
    workerMs: rounds,
    inlineMs,
    inlineLongTasks,
    longTasksOver100: during.filter((t) => t.duration > 100).length,
    longTasksOver50: during.filter((t) => t.duration > 50).length,
    longestTaskMs: Math.max(0, ...during.map((t) => t.duration)),
  };
}

window.__perfLineage = measure();
