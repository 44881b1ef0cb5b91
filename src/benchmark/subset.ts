/** Picking a benchmark's problems from a dataset: first k, seeded random k, or given ids. Pure. */
import { filterProblems, type BankProblem } from "../problems/bank";
import { seededRandom } from "../seededRandom";
import type { BenchmarkProblem, SubsetSpec } from "./types";

export interface Selection {
  problems: BenchmarkProblem[];
  /** Ids asked for (pick "ids") that the filtered dataset does not hold. */
  missing: string[];
}

/** Splits a user's id list on commas, whitespace and new lines. */
export function parseIdList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

function toBench(row: BankProblem, dataset: string): BenchmarkProblem {
  return {
    id: row.id,
    dataset,
    problem: row.problem,
    answer: row.answer,
    ...(row.level === undefined || row.level === null ? {} : { level: String(row.level) }),
    ...(row.subject ? { subject: row.subject } : {}),
  };
}

/** The subset a spec describes, from the dataset's rows. */
export function selectProblems(rows: readonly BankProblem[], spec: SubsetSpec): Selection {
  const pool = filterProblems(rows, spec.filter);
  const pick = spec.pick;
  switch (pick.kind) {
    case "first":
      return { problems: pool.slice(0, Math.max(0, pick.k)).map((r) => toBench(r, spec.dataset)), missing: [] };
    case "random": {
      // Partial Fisher–Yates: the first k slots are a uniform sample without replacement.
      const order = pool.map((_, i) => i);
      const random = seededRandom(pick.seed);
      const k = Math.min(Math.max(0, pick.k), order.length);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(random() * (order.length - i));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const chosen = order.slice(0, k).sort((a, b) => a - b);
      return { problems: chosen.map((i) => toBench(pool[i]!, spec.dataset)), missing: [] };
    }
    case "ids": {
      const byId = new Map(pool.map((r) => [r.id, r]));
      const seen = new Set<string>();
      const problems: BenchmarkProblem[] = [];
      const missing: string[] = [];
      for (const id of pick.ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        const row = byId.get(id);
        if (row) problems.push(toBench(row, spec.dataset));
        else missing.push(id);
      }
      return { problems, missing };
    }
  }
}
