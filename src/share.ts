/**
 * Share links carry a problem and its settings in the URL hash (never sent to any
 * server): `#problem=…&n=4&temperature=0.7&top_p=0.95&max_tokens=1024&seed=1`.
 * Opening one fills the problem; nothing runs until the user presses Run.
 */
import { SETTING_LIMITS, type Settings } from "./store/settingsSlice";

export interface SharedProblem {
  problem: string;
  settings: Partial<Pick<Settings, "n" | "temperature" | "topP" | "maxTokens" | "seed">>;
}

const PARAMS = { n: "n", temperature: "temperature", topP: "top_p", maxTokens: "max_tokens", seed: "seed" } as const;
export const MAX_SHARED_PROBLEM_CHARS = 20_000;

export function encodeShareHash(shared: SharedProblem): string {
  const params = new URLSearchParams({ problem: shared.problem });
  for (const [key, name] of Object.entries(PARAMS) as Array<[keyof typeof PARAMS, string]>) {
    const value = shared.settings[key];
    if (value !== undefined) params.set(name, String(value));
  }
  return `#${params.toString()}`;
}

/**
 * Reads a share hash. Returns null when the hash is not a share link at all, and
 * `{ error }` naming what is wrong when it is one but damaged.
 */
export function parseShareHash(hash: string): SharedProblem | { error: string } | null {
  const body = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!body) return null;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(body);
  } catch {
    return { error: "This share link is damaged: its address cannot be read." };
  }
  const problem = params.get("problem");
  if (problem === null) return null;
  if (!problem.trim()) return { error: "This share link has an empty problem." };
  if (problem.length > MAX_SHARED_PROBLEM_CHARS)
    return { error: `This share link's problem is too long (${problem.length} characters; the limit is ${MAX_SHARED_PROBLEM_CHARS}).` };
  const settings: SharedProblem["settings"] = {};
  for (const [key, name] of Object.entries(PARAMS) as Array<[keyof typeof PARAMS, string]>) {
    const raw = params.get(name);
    if (raw === null) continue;
    const value = Number(raw);
    const { min, max, step } = SETTING_LIMITS[key];
    if (raw.trim() === "" || !Number.isFinite(value))
      return { error: `This share link has a setting that is not a number: ${name}=${raw.slice(0, 40)}.` };
    if (value < min || value > max) return { error: `This share link's ${name} must be between ${min} and ${max}, not ${value}.` };
    if (step >= 1 && !Number.isInteger(value)) return { error: `This share link's ${name} must be a whole number, not ${value}.` };
    settings[key] = value;
  }
  return { problem, settings };
}
