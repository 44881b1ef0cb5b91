/**
 * The GSR training-data export (JSONL of chat messages) from benchmark results
 * and saved runs. Separate from the results export (`export.ts`): it reads
 * saved runs as well as benchmarks, keeps only correct solutions, and has its
 * own record format, schema and reader.
 *
 * Training data mirrors the paper's hybrid objective with two record kinds:
 * - direct-solve: the solve prompt (src/gsr/prompts.ts) + one correct
 *   candidate as the assistant turn;
 * - refine: the refine prompt holding the N candidates, in full and in order
 *   (as `runGsr` builds it before any shortening) + a correct refined solution.
 *   Refine records where every candidate was wrong are kept and flagged
 *   (`allCandidatesWrong`): they teach the model to solve past its inputs.
 * Only complete generations (finish reason "stop") whose boxed final answer is
 * equivalent to the reference become records; identical records are written once.
 */
import { z } from "zod";
import { extractBoxedAnswer } from "../gsr/extract";
import { buildRefinePrompt, buildSolvePrompt } from "../gsr/prompts";
import type { ChatMessage } from "../gsr/types";
import type { SavedRun } from "../history/types";
import type { BenchmarkState, Equivalence, GenerationRecord } from "./types";

export type TrainingKind = "direct-solve" | "refine";

export interface TrainingRecord {
  messages: ChatMessage[];
  /** Trainers that want only `messages` can drop this. */
  metadata: {
    kind: TrainingKind;
    origin: "benchmark" | "history";
    /** The benchmark id or the saved run id. */
    sourceId: string;
    problemId: string;
    dataset: string;
    reference: string;
    /** The boxed final answer of the assistant turn. */
    answer: string;
    model: string;
    engine: string;
    /** Refine records: candidates in the prompt. */
    candidates?: number;
    /** Refine records: every candidate was wrong, the refinement right. */
    allCandidatesWrong?: boolean;
  };
}

const message = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().min(1),
});

export const trainingRecordSchema = z
  .strictObject({
    messages: z.array(message).min(2),
    metadata: z.strictObject({
      kind: z.enum(["direct-solve", "refine"]),
      origin: z.enum(["benchmark", "history"]),
      sourceId: z.string().min(1),
      problemId: z.string().min(1),
      dataset: z.string(),
      reference: z.string().min(1),
      answer: z.string().min(1),
      model: z.string(),
      engine: z.string(),
      candidates: z.number().int().min(1).optional(),
      allCandidatesWrong: z.boolean().optional(),
    }),
  })
  .superRefine((record, ctx) => {
    const roles = record.messages.map((m) => m.role);
    const issue = (message: string) => ctx.addIssue({ code: "custom", message, path: ["messages"] });
    if (roles.at(-1) !== "assistant") issue("the last message must be the assistant's");
    if (roles.slice(0, -1).includes("assistant")) issue("only the last message may be the assistant's");
    if (roles.slice(1).includes("system")) issue("a system message may only come first");
    if (!roles.includes("user")) issue("a user message is required");
    const refine = record.metadata.kind === "refine";
    if (refine !== (record.metadata.candidates !== undefined))
      issue("refine records, and only they, give the number of candidates");
    if (refine && !record.messages.some((m) => m.role === "user" && m.content.includes("Candidate solution 1 of")))
      issue("a refine record's prompt must hold the candidates");
  });

export interface TrainingCounts {
  directSolve: number;
  refine: number;
  /** Refine records whose candidates were all wrong. */
  refineAllWrong: number;
}

interface Judged {
  text: string;
  answer: string;
}

function safeEquivalent(equivalent: Equivalence, a: string, b: string): boolean {
  try {
    return equivalent(a, b);
  } catch {
    return false;
  }
}

/** A complete generation whose boxed final answer matches the reference, or null. */
function correctSolution(
  text: string,
  finishReason: string | null,
  reference: string,
  equivalent: Equivalence,
): Judged | null {
  if (finishReason !== "stop" || !text.trim()) return null;
  const answer = extractBoxedAnswer(text);
  return answer !== null && safeEquivalent(equivalent, answer, reference) ? { text: text.trim(), answer } : null;
}

interface Source {
  origin: TrainingRecord["metadata"]["origin"];
  sourceId: string;
  problemId: string;
  dataset: string;
  problem: string;
  reference: string;
  model: string;
  engine: string;
  /** Candidate texts as the refine prompt held them (every candidate that wrote something). */
  candidateTexts: string[];
  /** Candidates (and the extra one) that may become direct-solve records. */
  solutions: { text: string; finishReason: string | null }[];
  refined: { text: string; finishReason: string | null } | null;
  allCandidatesWrong: boolean;
}

function recordsOf(source: Source, equivalent: Equivalence): TrainingRecord[] {
  const base = {
    origin: source.origin,
    sourceId: source.sourceId,
    problemId: source.problemId,
    dataset: source.dataset,
    reference: source.reference,
    model: source.model,
    engine: source.engine,
  };
  const records: TrainingRecord[] = [];
  for (const s of source.solutions) {
    const ok = correctSolution(s.text, s.finishReason, source.reference, equivalent);
    if (ok)
      records.push({
        messages: [...buildSolvePrompt(source.problem), { role: "assistant", content: ok.text }],
        metadata: { kind: "direct-solve", ...base, answer: ok.answer },
      });
  }
  const refined = source.refined && correctSolution(source.refined.text, source.refined.finishReason, source.reference, equivalent);
  if (refined && source.candidateTexts.length > 0)
    records.push({
      messages: [...buildRefinePrompt(source.problem, source.candidateTexts), { role: "assistant", content: refined.text }],
      metadata: {
        kind: "refine",
        ...base,
        answer: refined.answer,
        candidates: source.candidateTexts.length,
        allCandidatesWrong: source.allCandidatesWrong,
      },
    });
  return records;
}

const nonEmpty = (texts: string[]) => texts.filter((t) => t.trim() !== "");

/** Training records from a benchmark's finished problems. */
export function trainingFromBenchmark(state: BenchmarkState, equivalent: Equivalence): TrainingRecord[] {
  return state.results.flatMap((r) => {
    const o = r.outcome;
    if (!o || !r.score) return [];
    const p = state.meta.problems[r.index]!;
    const solution = (g: GenerationRecord) => ({ text: g.text, finishReason: g.finishReason });
    return recordsOf(
      {
        origin: "benchmark",
        sourceId: state.meta.id,
        problemId: p.id,
        dataset: p.dataset,
        problem: p.problem,
        reference: p.answer,
        model: state.meta.model,
        engine: state.meta.engine,
        candidateTexts: nonEmpty(o.candidates.map((c) => c.text)),
        solutions: [...o.candidates, ...(o.extra ? [o.extra] : [])].map(solution),
        refined: o.refined && solution(o.refined),
        allCandidatesWrong: r.score.allWrong,
      },
      equivalent,
    );
  });
}

/** Training records from saved runs that carry a reference answer (a problem from the bank). */
export function trainingFromHistory(runs: readonly SavedRun[], equivalent: Equivalence): TrainingRecord[] {
  return runs.flatMap((run) => {
    const ref = run.problemRef;
    if (!ref || !ref.answer.trim()) return [];
    const candidateTexts = nonEmpty(run.candidates.map((c) => c.text));
    // As in the metrics: a candidate is right when its extracted answer matches, however it ended.
    const judged = run.candidates.map((c) => c.answer !== null && safeEquivalent(equivalent, c.answer, ref.answer));
    return recordsOf(
      {
        origin: "history",
        sourceId: run.id,
        problemId: ref.id,
        dataset: ref.dataset,
        problem: run.problem,
        reference: ref.answer,
        model: run.model,
        engine: run.engine,
        candidateTexts,
        solutions: run.candidates.filter((c) => c.status === "done").map((c) => ({ text: c.text, finishReason: c.finishReason })),
        // A refinement exists only after the candidates ended; a run that was still going is not used.
        refined: run.refined.status === "done" ? { text: run.refined.text, finishReason: run.refined.finishReason } : null,
        allCandidatesWrong: run.candidates.length > 0 && !judged.some(Boolean),
      },
      equivalent,
    );
  });
}

/** Concatenates record lists, keeping the first of records with identical messages. */
export function mergeTrainingRecords(...lists: TrainingRecord[][]): TrainingRecord[] {
  const seen = new Set<string>();
  const out: TrainingRecord[] = [];
  for (const record of lists.flat()) {
    const key = JSON.stringify(record.messages);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(record);
  }
  return out;
}

export function countTraining(records: readonly TrainingRecord[]): TrainingCounts {
  const refine = records.filter((r) => r.metadata.kind === "refine");
  return {
    directSolve: records.length - refine.length,
    refine: refine.length,
    refineAllWrong: refine.filter((r) => r.metadata.allCandidatesWrong).length,
  };
}

/** One JSON record per line; throws if any record breaks the schema (a bug, never user data). */
export function trainingToJsonl(records: readonly TrainingRecord[]): string {
  records.forEach((record, i) => {
    const parsed = trainingRecordSchema.safeParse(record);
    if (!parsed.success) throw new Error(`Training record ${i + 1} is malformed: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  });
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");
}

/** Reads a training JSONL file back, validating every line. */
export function parseTrainingJsonl(text: string): { ok: true; records: TrainingRecord[] } | { ok: false; message: string } {
  const records: TrainingRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      return { ok: false, message: `line ${i + 1}: not JSON` };
    }
    const parsed = trainingRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, message: `line ${i + 1}: ${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"}` };
    }
    records.push(parsed.data as TrainingRecord);
  }
  return { ok: true, records };
}

export function trainingFilename(exportedAt: number = Date.now()): string {
  return `refinery-gsr-training-${new Date(exportedAt).toISOString().slice(0, 10)}.jsonl`;
}
