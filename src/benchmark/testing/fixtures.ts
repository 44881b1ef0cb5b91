/** A finished benchmark for the export tests (results and training data), run through the real runner. */
import { answersEquivalent } from "../../gsr/equivalence";
import { runBenchmark } from "../runner";
import { newBenchmark } from "../state";
import type { BenchmarkState } from "../types";
import { boxed, MemoryBenchmarkStorage, PROBLEMS, ScriptedPort } from "./doubles";

/**
 * Seeds 1, 2 are the candidates, 4 the extra one. Problem 1 (42): both right,
 * same text; extra wrong; refined right. Problem 2 (24): both wrong; extra right;
 * refined right (a rescue). Problem 3 (7): one right; refined wrong.
 */
export async function finishedBenchmark(): Promise<BenchmarkState> {
  const port = new ScriptedPort({
    solve: (problem, seed) => {
      if (problem.includes("17 + 25")) return { text: boxed(seed === 4 ? "41" : "42") };
      if (problem.includes("4 times 6")) return { text: boxed(seed === 4 ? "24" : String(20 + seed), `Try ${seed}`) };
      return { text: boxed(seed === 1 ? "7" : "(1, 2)", `Try ${seed}`) };
    },
    refine: (prompt) => ({ text: boxed(prompt.includes("17 + 25") ? "42" : prompt.includes("4 times 6") ? "\\frac{48}{2}" : "8", "Refined") }),
  });
  const state = newBenchmark({
    id: "0123456789abcdef",
    now: Date.UTC(2026, 4, 2),
    subset: { dataset: "test", filter: {}, pick: { kind: "first", k: 3 } },
    settings: { n: 2, sampling: { temperature: 0.7, topP: 0.95, maxTokens: 64, seed: 1 }, extraCandidate: true },
    problems: PROBLEMS,
    model: "tiny",
    engine: "wllama",
  });
  let t = 0;
  return runBenchmark({ port, state, storage: new MemoryBenchmarkStorage(), signal: new AbortController().signal, equivalent: answersEquivalent, now: () => (t += 50), onChange: () => {} });
}
