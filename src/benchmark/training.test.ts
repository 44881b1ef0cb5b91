import { describe, expect, it } from "vitest";
import { answersEquivalent } from "../gsr/equivalence";
import { buildRefinePrompt, buildSolvePrompt } from "../gsr/prompts";
import { makeSavedRun } from "../history/testing/fixtures";
import { PROBLEMS } from "./testing/doubles";
import { finishedBenchmark } from "./testing/fixtures";
import {
  countTraining,
  mergeTrainingRecords,
  parseTrainingJsonl,
  trainingFromBenchmark,
  trainingFromHistory,
  trainingRecordSchema,
  trainingToJsonl,
  type TrainingRecord,
} from "./training";

describe("training data", () => {
  it("from a benchmark: direct-solve records from right candidates, refine records from right refinements", async () => {
    const state = await finishedBenchmark();
    const records = mergeTrainingRecords(trainingFromBenchmark(state, answersEquivalent));
    // p1: two identical right candidates → 1; p2: the extra candidate → 1; p3: candidate 1 → 1.
    expect(countTraining(records)).toEqual({ directSolve: 3, refine: 2, refineAllWrong: 1 });
    for (const r of records) {
      const problem = PROBLEMS.find((p) => p.id === r.metadata.problemId)!;
      expect(answersEquivalent(r.metadata.answer, problem.answer)).toBe(true);
      expect(r.messages.at(-1)!.content).toContain(`\\boxed{${r.metadata.answer}}`);
      expect(trainingRecordSchema.safeParse(r).success).toBe(true);
    }
    const direct = records.find((r) => r.metadata.kind === "direct-solve")!;
    expect(direct.messages.slice(0, -1)).toEqual(buildSolvePrompt(PROBLEMS[0]!.problem));
    const rescue = records.find((r) => r.metadata.allCandidatesWrong)!;
    expect(rescue.metadata).toMatchObject({ kind: "refine", problemId: "t-2", candidates: 2, answer: "\\frac{48}{2}", origin: "benchmark" });
    const outcome = state.results[1]!.outcome!;
    expect(rescue.messages.slice(0, -1)).toEqual(buildRefinePrompt(PROBLEMS[1]!.problem, outcome.candidates.map((c) => c.text)));
    expect(rescue.messages[1]!.content).not.toContain("\\boxed{24}"); // the extra candidate is not in the prompt
  });

  it("from history: only runs with a reference; only complete, right generations", () => {
    const run = makeSavedRun();
    const records = trainingFromHistory([run], answersEquivalent);
    expect(countTraining(records)).toEqual({ directSolve: 2, refine: 1, refineAllWrong: 0 });
    expect(records.every((r) => r.metadata.origin === "history" && r.metadata.sourceId === run.id)).toBe(true);
    const refine = records.find((r) => r.metadata.kind === "refine")!;
    expect(refine.messages[1]!.content).toContain("Candidate solution 3 of 3");

    expect(trainingFromHistory([{ ...run, problemRef: null }], answersEquivalent)).toEqual([]);
    const cut = { ...run, candidates: run.candidates.map((c) => ({ ...c, finishReason: "length" as const })) };
    expect(countTraining(trainingFromHistory([cut], answersEquivalent))).toMatchObject({ directSolve: 0, refine: 1 });
    const stopped = { ...run, refined: { ...run.refined, status: "stopped" as const } };
    expect(countTraining(trainingFromHistory([stopped], answersEquivalent)).refine).toBe(0);
    const allWrong = { ...run, candidates: run.candidates.map((c) => ({ ...c, text: "\\boxed{5}", answer: "5" })) };
    expect(countTraining(trainingFromHistory([allWrong], answersEquivalent))).toEqual({ directSolve: 0, refine: 1, refineAllWrong: 1 });
  });

  it("merging drops identical records", async () => {
    const records = trainingFromBenchmark(await finishedBenchmark(), answersEquivalent);
    const merged = mergeTrainingRecords(records, records);
    expect(merged).toHaveLength(5);
  });

  it("JSONL round-trips through the schema with the same counts", async () => {
    const records = mergeTrainingRecords(trainingFromBenchmark(await finishedBenchmark(), answersEquivalent), trainingFromHistory([makeSavedRun()], answersEquivalent));
    const text = trainingToJsonl(records);
    expect(text.trimEnd().split("\n")).toHaveLength(records.length);
    const parsed = parseTrainingJsonl(text);
    expect(parsed.ok && countTraining(parsed.records)).toEqual(countTraining(records));
    expect(trainingToJsonl([])).toBe("");
  });

  it("the schema rejects malformed records", () => {
    const good: TrainingRecord = {
      messages: [...buildSolvePrompt("1+1?"), { role: "assistant", content: "\\boxed{2}" }],
      metadata: { kind: "direct-solve", origin: "benchmark", sourceId: "b", problemId: "p", dataset: "d", reference: "2", answer: "2", model: "m", engine: "wllama" },
    };
    expect(trainingRecordSchema.safeParse(good).success).toBe(true);
    const bad = (change: (r: TrainingRecord) => unknown) => trainingRecordSchema.safeParse(change(structuredClone(good))).success;
    expect(bad((r) => ({ ...r, messages: r.messages.slice(0, -1) }))).toBe(false); // no assistant turn
    expect(bad((r) => ({ ...r, messages: [...r.messages, { role: "user", content: "more" }] }))).toBe(false);
    expect(bad((r) => ({ ...r, messages: [r.messages[2], ...r.messages] }))).toBe(false);
    expect(bad((r) => ({ ...r, extra: 1 }))).toBe(false);
    expect(bad((r) => ({ ...r, messages: [r.messages[0], { role: "user", content: "" }, r.messages[2]] }))).toBe(false);
    expect(bad((r) => ({ ...r, metadata: { ...r.metadata, kind: "refine", candidates: 2 } }))).toBe(false); // no candidates in the prompt
    expect(bad((r) => ({ ...r, metadata: { ...r.metadata, candidates: 2 } }))).toBe(false);
    expect(parseTrainingJsonl('{"messages":[]}\n').ok).toBe(false);
    expect(parseTrainingJsonl("not json")).toEqual({ ok: false, message: "line 1: not JSON" });
    expect(() => trainingToJsonl([{ ...good, messages: [] }])).toThrow(/malformed/);
  });
});
