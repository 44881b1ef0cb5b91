/**
 * Validation of import files. A file may come from anywhere, so everything is
 * checked before it reaches IndexedDB or the screen: the size before parsing,
 * forbidden keys and depth before the schema, then every field's type, range
 * and length. Rejections name the field: "runs[3].candidates[0].text: too long
 * (max 200000 characters)". Nothing in a file is ever evaluated; strings stay text.
 * One file on purpose: the whole import format is checked in one place, so a
 * reviewer can see every limit at once.
 */
import { z } from "zod";
import { LIMITS } from "./limits";
import { SCHEMA_VERSION, type HistoryFile, type RunFile, type SavedRun } from "./types";

// No generated code: the CSP has no 'unsafe-eval', and zod's probe for it is reported as a violation.
z.config({ jitless: true });

const text = (max: number) => z.string().max(max);
const nullableText = (max: number) => z.string().max(max).nullable();
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ms = z.number().min(0).max(LIMITS.durationMs);
const timestamp = int(0, LIMITS.timestampMs);
const candidateIndex = int(0, LIMITS.candidates - 1);
const finishReason = z.enum(["stop", "length", "aborted"]).nullable();
const verdict = z.boolean().nullable();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const problemRefSchema = z.strictObject({
  id: text(LIMITS.refIdChars),
  dataset: text(LIMITS.refIdChars),
  answer: text(LIMITS.answerChars),
});

/** Ranges a little wider than the settings panel's, so runs from newer versions still load. */
export const settingsSchema = z.strictObject({
  n: int(1, LIMITS.candidates),
  temperature: z.number().min(0).max(2),
  topP: z.number().min(0).max(1),
  maxTokens: int(1, 131_072),
  seed: int(0, 2 ** 32 - 1),
  contextSize: int(1, 1_048_576),
});

export const candidateSchema = z.strictObject({
  status: z.enum(["queued", "streaming", "done", "error", "stopped"]),
  text: text(LIMITS.textChars),
  answer: nullableText(LIMITS.answerChars),
  correct: verdict,
  tokens: int(0, LIMITS.tokens),
  finishReason,
  firstTokenMs: ms.nullable(),
  totalMs: ms.nullable(),
  error: nullableText(LIMITS.messageChars),
});

export const voteSchema = z.strictObject({
  clusters: z
    .array(
      z.strictObject({
        representative: text(LIMITS.answerChars),
        members: z.array(candidateIndex).min(1).max(LIMITS.candidates),
      }),
    )
    .max(LIMITS.candidates),
  majority: int(0, LIMITS.candidates - 1).nullable(),
  unanswered: z.array(candidateIndex).max(LIMITS.candidates),
});

export const shorteningSchema = z.strictObject({
  originalTokens: int(0, LIMITS.tokens),
  finalTokens: int(0, LIMITS.tokens),
  removedChars: z.array(int(0, LIMITS.textChars * LIMITS.candidates)).max(LIMITS.candidates),
  thinkBlocksDropped: z.boolean(),
});

export const refinedSchema = z.strictObject({
  status: z.enum(["waiting", "streaming", "done", "error", "stopped"]),
  text: text(LIMITS.textChars),
  answer: nullableText(LIMITS.answerChars),
  correct: verdict,
  agreesWithMajority: verdict,
  tokens: int(0, LIMITS.tokens),
  finishReason,
  firstTokenMs: ms.nullable(),
  totalMs: ms.nullable(),
  shortened: shorteningSchema.nullable(),
  error: nullableText(LIMITS.messageChars),
});

const stepRange = {
  start: int(0, LIMITS.textChars),
  end: int(0, LIMITS.textChars),
  kind: z.enum(["text", "formula", "reasoning"]),
};

export const lineageSchema = z.strictObject({
  outcome: z.enum(["confirmed", "rescued", "regressed", "changed", "new-answer", "none"]),
  summary: text(LIMITS.messageChars),
  relations: z.array(z.enum(["same", "different", "none"])).max(LIMITS.candidates),
  steps: z
    .strictObject({
      refined: z
        .array(
          z.strictObject({
            ...stepRange,
            sources: z.array(candidateIndex).max(LIMITS.candidates),
            matches: z.array(z.tuple([candidateIndex, int(0, LIMITS.steps - 1)])).max(LIMITS.candidates),
            trivial: z.boolean(),
          }),
        )
        .max(LIMITS.steps),
      candidates: z
        .array(z.array(z.strictObject({ ...stepRange, used: z.boolean(), trivial: z.boolean() })).max(LIMITS.steps))
        .max(LIMITS.candidates),
    })
    .nullable(),
});

/** A saved step must lie inside the text it was cut from. */
function checkRange(
  step: { start: number; end: number },
  length: number,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (step.start > step.end || step.end > length)
    ctx.addIssue({
      code: "custom",
      path,
      message: `step ${step.start}–${step.end} is outside its text (${length} characters)`,
    });
}

export const savedRunSchema = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    id: z.string().regex(UUID, "not a UUID"),
    createdAt: timestamp,
    updatedAt: timestamp,
    status: z.enum(["running", "complete", "stopped", "failed", "incomplete"]),
    problem: text(LIMITS.problemChars),
    problemRef: problemRefSchema.nullable(),
    settings: settingsSchema,
    engine: z.enum(["wllama", "webllm", "remote"]),
    model: text(LIMITS.modelChars),
    candidates: z.array(candidateSchema).min(1).max(LIMITS.candidates),
    vote: voteSchema.nullable(),
    majorityCorrect: verdict,
    refined: refinedSchema,
    reason: nullableText(LIMITS.messageChars),
    lineage: lineageSchema.optional(),
  })
  .superRefine((run, ctx) => {
    // Cross-field checks: the view indexes candidates by these numbers.
    const n = run.candidates.length;
    if (run.settings.n !== n)
      ctx.addIssue({
        code: "custom",
        path: ["candidates"],
        message: `expected ${run.settings.n} candidates (settings.n), found ${n}`,
      });
    if (run.lineage && run.lineage.relations.length !== n)
      ctx.addIssue({
        code: "custom",
        path: ["lineage", "relations"],
        message: `expected ${n} relations (one per candidate), found ${run.lineage.relations.length}`,
      });
    if (run.lineage?.steps && run.lineage.steps.candidates.length !== n)
      ctx.addIssue({
        code: "custom",
        path: ["lineage", "steps", "candidates"],
        message: `expected the steps of ${n} candidates, found ${run.lineage.steps.candidates.length}`,
      });
    run.lineage?.steps?.refined.forEach((step, i) =>
      checkRange(step, run.refined.text.length, ["lineage", "steps", "refined", i], ctx),
    );
    run.lineage?.steps?.candidates.forEach((steps, c) =>
      steps.forEach((step, i) =>
        checkRange(step, run.candidates[c]?.text.length ?? 0, ["lineage", "steps", "candidates", c, i], ctx),
      ),
    );
    if (!run.vote) return;
    const seen = new Set<number>();
    const check = (index: number, path: (string | number)[]) => {
      if (index >= n)
        ctx.addIssue({
          code: "custom",
          path,
          message: `candidate ${index} does not exist (the run has ${n})`,
        });
      else if (seen.has(index))
        ctx.addIssue({
          code: "custom",
          path,
          message: `candidate ${index} is counted twice in the vote`,
        });
      seen.add(index);
    };
    run.vote.clusters.forEach((c, i) =>
      c.members.forEach((m, j) => check(m, ["vote", "clusters", i, "members", j])),
    );
    run.vote.unanswered.forEach((m, j) => check(m, ["vote", "unanswered", j]));
    if (run.vote.majority !== null && run.vote.majority >= run.vote.clusters.length)
      ctx.addIssue({
        code: "custom",
        path: ["vote", "majority"],
        message: `cluster ${run.vote.majority} does not exist`,
      });
  });

export const historyFileSchema = z.strictObject({
  format: z.literal("refinery-history"),
  version: z.literal(1),
  exportedAt: timestamp,
  runs: z.array(savedRunSchema).max(LIMITS.runs),
});

export const runFileSchema = z.strictObject({
  format: z.literal("refinery-run"),
  version: z.literal(1),
  exportedAt: timestamp.optional(),
  run: savedRunSchema,
});

// The hand-written types in types.ts and the schemas must agree, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _savedRunMatches: Same<z.output<typeof savedRunSchema>, SavedRun> = true;
const _historyFileMatches: Same<z.output<typeof historyFileSchema>, HistoryFile> = true;
const _runFileMatches: Same<z.output<typeof runFileSchema>, RunFile> = true;
void [_savedRunMatches, _historyFileMatches, _runFileMatches];

export type ImportResult = { ok: true; runs: SavedRun[] } | { ok: false; message: string };

/** Keys that could reach an object's prototype if some later code merged the data. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isFinite(value) ? "a number" : "a non-finite number";
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a finite number",
  int: "a whole number",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  null: "null",
};

/** The value at a path, and whether it is there at all. */
function lookup(root: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let value = root;
  for (const key of path) {
    if (
      value === null ||
      typeof value !== "object" ||
      !Object.prototype.hasOwnProperty.call(value, key)
    )
      return { present: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

function issueMessage(issue: z.core.$ZodIssue, root: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      const { present, value } = lookup(root, issue.path);
      if (!present) return "missing";
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.expected === "int" && typeof value === "number") return "must be a whole number";
      return `expected ${expected}, found ${describe(value)}`;
    }
    case "too_big": {
      const max = String(issue.maximum);
      if (issue.origin === "string") return `too long (max ${max} characters)`;
      if (issue.origin === "array") return `too many items (max ${max})`;
      return `too large (max ${max})`;
    }
    case "too_small": {
      const min = String(issue.minimum);
      if (issue.origin === "string") return `too short (min ${min} characters)`;
      if (issue.origin === "array") return `too few items (min ${min})`;
      return `too small (min ${min})`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return "unknown field";
    case "invalid_format":
      return issue.message;
    default:
      return issue.message;
  }
}

/** One line naming the first problem, and how many more there are. */
function explain(error: z.ZodError, root: unknown): string {
  const first = error.issues[0];
  if (!first) return "invalid file";
  // An unknown key is reported on its object; name the key itself.
  const path =
    first.code === "unrecognized_keys" ? [...first.path, first.keys[0] ?? ""] : first.path;
  const where = formatPath(path);
  const what = issueMessage(first, root);
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more ${error.issues.length === 2 ? "problem" : "problems"})`
      : "";
  return `${where ? `${where}: ` : ""}${what}${more}`;
}

/**
 * Walks the parsed JSON without recursion (a hostile file may nest deeply) and
 * returns the first forbidden key or over-deep path, if any.
 */
function findHostileStructure(root: unknown): string | null {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (path.length >= LIMITS.depth)
      return `${formatPath(path)}: nested too deeply (max depth ${LIMITS.depth})`;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `${formatPath([...path, key])}: forbidden key "${key}"`;
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return null;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

/**
 * Validates an import file: a history export or a single run. `sizeBytes` is
 * the file's size, checked before anything is parsed.
 */
export function parseImportFile(text: string, sizeBytes: number): ImportResult {
  const fail = (message: string): ImportResult => ({ ok: false, message });
  // text.length counts UTF-16 units, never more than the UTF-8 bytes of the same text.
  const size = Math.max(sizeBytes, text.length);
  if (!Number.isFinite(size) || size > LIMITS.fileBytes)
    return fail(`file too large (${megabytes(size)}; max ${megabytes(LIMITS.fileBytes)})`);
  if (!text.trim()) return fail("the file is empty");

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail("not JSON: the file could not be read as a Refinery export");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data))
    return fail(`this is not a Refinery export (expected a JSON object, found ${describe(data)})`);

  const hostile = findHostileStructure(data);
  if (hostile) return fail(hostile);

  const file = data as Record<string, unknown>;
  if (!("format" in file)) return fail("this is not a Refinery export (format missing)");
  if (file.format !== "refinery-history" && file.format !== "refinery-run")
    return fail(
      `this is not a Refinery export (format ${typeof file.format === "string" ? JSON.stringify(file.format.slice(0, 60)) : describe(file.format)})`,
    );
  if (!("version" in file)) return fail("version: missing");
  if (file.version !== 1)
    return fail(
      `version: unsupported version ${typeof file.version === "number" ? file.version : describe(file.version)} (this app reads version 1)`,
    );

  if (file.format === "refinery-run") {
    const parsed = runFileSchema.safeParse(data);
    return parsed.success
      ? { ok: true, runs: [parsed.data.run] }
      : fail(explain(parsed.error, data));
  }
  // Cheap early exit before validating thousands of runs.
  if (Array.isArray(file.runs) && file.runs.length > LIMITS.runs)
    return fail(`runs: too many runs (${file.runs.length}; max ${LIMITS.runs})`);
  const parsed = historyFileSchema.safeParse(data);
  return parsed.success ? { ok: true, runs: parsed.data.runs } : fail(explain(parsed.error, data));
}

/** Reads and validates a File, refusing oversized ones before reading them. */
export async function readImportFile(file: Blob): Promise<ImportResult> {
  if (file.size > LIMITS.fileBytes)
    return {
      ok: false,
      message: `file too large (${megabytes(file.size)}; max ${megabytes(LIMITS.fileBytes)})`,
    };
  let content: string;
  try {
    content = await file.text();
  } catch {
    return { ok: false, message: "the file could not be read" };
  }
  return parseImportFile(content, file.size);
}
