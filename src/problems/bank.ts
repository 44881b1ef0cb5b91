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

export const DATASETS = [
  { id: "gsm8k", label: "GSM8K (grade-school word problems)" },
  { id: "math500", label: "MATH-500" },
  { id: "amc23", label: "AMC 2023" },
  { id: "aime24", label: "AIME 2024" },
  { id: "aime25", label: "AIME 2025" },
  { id: "olympiadbench", label: "OlympiadBench" },
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
