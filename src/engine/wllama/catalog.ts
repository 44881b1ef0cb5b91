/**
 * GGUF models offered in the model picker. Public repositories; the app never
 * contacts them unless the user loads that model. Sizes are the files' sizes
 * as published (approximate), shown before the download starts.
 */
export interface GgufCatalogEntry {
  id: string;
  label: string;
  url: string;
  sizeBytes: number;
  mathTuned: boolean;
  /** Emits <think> reasoning before the answer. */
  reasoning: boolean;
  contextSize: number;
  note: string;
}

const MB = 1024 * 1024;

export const GGUF_CATALOG: readonly GgufCatalogEntry[] = [
  {
    id: "qwen2.5-math-1.5b-instruct-q4_k_m",
    label: "Qwen2.5-Math 1.5B Instruct (Q4_K_M)",
    url: "https://huggingface.co/bartowski/Qwen2.5-Math-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-Math-1.5B-Instruct-Q4_K_M.gguf",
    sizeBytes: 986 * MB,
    mathTuned: true,
    reasoning: false,
    contextSize: 4096,
    note: "Math-tuned; the best math model of this size.",
  },
  {
    id: "qwen3-1.7b-q4_k_m",
    label: "Qwen3 1.7B (Q4_K_M)",
    url: "https://huggingface.co/unsloth/Qwen3-1.7B-GGUF/resolve/main/Qwen3-1.7B-Q4_K_M.gguf",
    sizeBytes: 1107 * MB,
    mathTuned: false,
    reasoning: true,
    contextSize: 8192,
    note: "General model that reasons in <think> blocks; slower but stronger on hard problems.",
  },
  {
    id: "qwen2.5-0.5b-instruct-q4_k_m",
    label: "Qwen2.5 0.5B Instruct (Q4_K_M)",
    url: "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    sizeBytes: 398 * MB,
    mathTuned: false,
    reasoning: false,
    contextSize: 4096,
    note: "Very small and fast; fine for demonstrations on weak laptops.",
  },
];
