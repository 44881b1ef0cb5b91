import { describe, expect, it } from "vitest";
import packageJson from "../../package.json";
import { answersEquivalent } from "../gsr/equivalence";
import { buildRefinePrompt, buildSolvePrompt } from "../gsr/prompts";
import { makeSavedRun } from "../history/testing/fixtures";
import {
  APP_VERSION,
  countTraining,
  CSV_COLUMNS,
  csvField,
  mergeTrainingRecords,
  parseTrainingJsonl,
  resultsToCsv,
  resultsToJson,
  trainingFromBenchmark,
  trainingFromHistory,
  trainingRecordSchema,
  trainingToJsonl,
  type TrainingRecord,
} from "./export";
import { summarize } from "./metrics";
import { newBenchmark, runBenchmark, scoredResults } from "./runner";
import { boxed, MemoryBenchmarkStorage, PROBLEMS, ScriptedPort } from "./testing/doubles";
import type { BenchmarkState } from "./types";

/**
 * Seeds 1, 2 are the candidates, 4 the extra one. Problem 1 (42): both right,
 * same text; extra wrong; refined right. Problem 2 (24): both wrong; extra right;
 * refined right (a rescue). Problem 3 (7): one right; refined wrong.
 */
async function finishedBenchmark(): Promise<BenchmarkState> {
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

describe("results CSV", () => {
  it("has a header and one row per scored problem", async () => {
    const state = await finishedBenchmark();
    const lines = resultsToCsv(state).trimEnd().split("\r\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, splitCsvLine(lines[3]!)[i]]));
    expect(row).toMatchObject({
      index: "3",
      problem_id: "t-3",
      reference: "7",
      status: "done",
      n: "2",
      candidate_answers: "7 | (1, 2)",
      candidates_correct: "1",
      pass1: "0.5",
      majN_answer: "7",
      majN_correct: "1",
      gsr_correct: "0",
      regression: "1",
      tokens_total: "40",
    });
    expect(splitCsvLine(lines[2]!)[CSV_COLUMNS.indexOf("rescue")]).toBe("1");
  });

  it("leaves out problems not yet run", async () => {
    const state = await finishedBenchmark();
    const partial: BenchmarkState = { ...state, results: state.results.map((r, i) => (i === 1 ? { ...r, status: "pending", outcome: null, score: null } : r)) };
    expect(resultsToCsv(partial).trimEnd().split("\r\n")).toHaveLength(3);
  });

  it("quotes what needs quoting and defuses formulas", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=1+2")).toBe("'=1+2");
    expect(csvField("-\\frac{1}{2}")).toBe("-\\frac{1}{2}");
    expect(csvField(true)).toBe("1");
    expect(csvField(null)).toBe("");
    expect(csvField(0.5)).toBe("0.5");
  });
});

/** A small CSV line splitter for the test (quoted fields with commas). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    }
    else field += ch;
  }
  out.push(field);
  return out;
}

describe("results JSON", () => {
  it("holds settings, model, engine, device, app version, summary and every problem", async () => {
    const state = await finishedBenchmark();
    const summary = summarize(scoredResults(state).map((s) => s.score));
    const device = { userAgent: "UA", hardwareConcurrency: 8, adapter: null };
    const json = JSON.parse(resultsToJson(state, summary, { exportedAt: 5, device }));
    expect(json.format).toBe("refinery-benchmark");
    expect(json.app).toEqual({ name: "refinery", version: packageJson.version });
    expect(APP_VERSION).toBe(packageJson.version);
    expect(json.device).toEqual(device);
    expect(json.benchmark).toMatchObject({ model: "tiny", engine: "wllama", dataset: "test", status: "complete" });
    expect(json.benchmark.settings.n).toBe(2);
    expect(json.summary.gsr.count).toBe(2);
    expect(json.summary.rescue.count).toBe(1);
    expect(json.problems).toHaveLength(3);
    expect(json.problems[0].outcome.candidates[0].text).toContain("\\boxed{42}");
  });
});

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
