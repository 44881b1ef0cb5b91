/**
 * The problem bank: benchmark problems with reference answers, shipped with the
 * app under public/datasets (see its SOURCES.md) and fetched only when opened.
 */
export interface BankProblem {
  id: string;
  problem: string;
  answer: string;
  solution?: string;
  source: string;
  level?: number | string;
  subject?: string;
}

/** Each dataset's origin and licence, as recorded in public/datasets/SOURCES.md. */
export const DATASETS = [
  { id: "gsm8k", label: "GSM8K (grade-school word problems)", source: "GSM8K test split (OpenAI, Cobbe et al. 2021)", licence: "MIT" },
  { id: "math500", label: "MATH-500", source: "MATH (Hendrycks et al. 2021), the PRM800K 500-problem test subset", licence: "MIT" },
  { id: "amc23", label: "AMC 2023", source: "AMC 12A/12B 2023 (MAA), as used by Qwen2.5-Math's evaluation", licence: "competition problems by the MAA, used for research evaluation" },
  { id: "aime24", label: "AIME 2024", source: "AIME 2024 I and II (MAA)", licence: "competition problems by the MAA, used for research evaluation" },
  { id: "aime25", label: "AIME 2025", source: "AIME 2025 I and II (MAA)", licence: "competition problems by the MAA, used for research evaluation" },
  { id: "olympiadbench", label: "OlympiadBench", source: "OlympiadBench (He et al. 2024), English open-ended competition math", licence: "Apache-2.0 (Hugging Face release)" },
] as const;

export type DatasetId = (typeof DATASETS)[number]["id"];

/** Parses JSON Lines, skipping blank lines; throws naming the bad line. */
export function parseJsonl(text: string): BankProblem[] {
  const rows: BankProblem[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new Error(`Line ${i + 1} is not valid JSON.`);
    }
    const r = row as Partial<BankProblem>;
    if (typeof r.id !== "string" || typeof r.problem !== "string" || typeof r.answer !== "string")
      throw new Error(`Line ${i + 1} lacks id, problem or answer.`);
    rows.push(r as BankProblem);
  });
  return rows;
}

const cache = new Map<DatasetId, Promise<BankProblem[]>>();

export function loadDataset(id: DatasetId): Promise<BankProblem[]> {
  let pending = cache.get(id);
  if (!pending) {
    pending = fetch(`${import.meta.env.BASE_URL}datasets/${id}.jsonl`)
      .then((r) => {
        if (!r.ok) throw new Error(`The problem bank "${id}" could not be loaded (HTTP ${r.status}).`);
        return r.text();
      })
      .then(parseJsonl);
    pending.catch(() => cache.delete(id));
    cache.set(id, pending);
  }
  return pending;
}

export interface BankFilter {
  level?: string;
  subject?: string;
  /** Case-insensitive words that must all appear in the problem or its id. */
  search?: string;
}

/** The problems matching a filter, in dataset order. */
export function filterProblems(rows: readonly BankProblem[], filter: BankFilter): BankProblem[] {
  const words = (filter.search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter(
    (r) =>
      (!filter.level || String(r.level ?? "") === filter.level) &&
      (!filter.subject || r.subject === filter.subject) &&
      words.every((w) => r.problem.toLowerCase().includes(w) || r.id.toLowerCase().includes(w)),
  );
}

/** The distinct levels and subjects present, for the filter menus. */
export function facets(rows: readonly BankProblem[]): { levels: string[]; subjects: string[] } {
  const levels = new Set<string>();
  const subjects = new Set<string>();
  for (const r of rows) {
    if (r.level !== undefined && r.level !== null) levels.add(String(r.level));
    if (r.subject) subjects.add(r.subject);
  }
  return { levels: [...levels].sort(), subjects: [...subjects].sort() };
}
