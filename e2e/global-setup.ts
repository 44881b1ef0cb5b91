/**
 * Generates the test models (never committed), starts the model server that
 * stands in for a classroom LAN server and the inference server that stands in
 * for a school's shared llama-server/vLLM/Ollama. Returns the teardown.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startModelServer } from "./model-server";
import { startOpenAiServer } from "./openai-server";

export const MODELS_DIR = join(process.cwd(), "models");

export default async function globalSetup(): Promise<() => Promise<void>> {
  mkdirSync(MODELS_DIR, { recursive: true });
  for (const size of ["tiny", "tiny-long"]) {
    const out = join(MODELS_DIR, `${size}.gguf`);
    if (!existsSync(out)) execFileSync("npx", ["tsx", "scripts/make-model.ts", out, "--size", size], { stdio: "inherit" });
  }
  const server = await startModelServer(MODELS_DIR);
  const inference = await startOpenAiServer(join(MODELS_DIR, "tiny.gguf"));
  return async () => {
    await inference.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
