/**
 * Bench page: the real app on the Server engine (RemoteEngine, store,
 * rendering), with the bench-only sequential switch, plus a raw client that
 * sends the very requests the app sends for its candidates (same body, built
 * by the engine's own chatBody) with plain fetch and nothing else: the
 * reference the app is compared to.
 */
import { chatBody, RemoteEngine } from "../../src/engine/remote/client";
import { buildSolvePrompt } from "../../src/gsr/prompts";
import { createAppStore } from "../../src/store";
import { mountApp } from "../../src/mountApp";
import "../../src/styles.css";
import { perfHooks } from "./recorder";
import { SequentialSwitch } from "./sequential-switch";
import { PERF_SAMPLING } from "./workload";

const engine = new SequentialSwitch(new RemoteEngine());
const store = createAppStore({ engine });

window.__perfApp = {
  ...perfHooks(store),
  setSequential: (on) => {
    engine.sequential = on;
  },
};

async function rawRequest(server: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${server}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const usage = /"completion_tokens":(\d+)/.exec(text.slice(text.lastIndexOf('"usage"')));
  return usage ? Number(usage[1]) : 0;
}

window.__perfRemote = {
  connect: async (server) => {
    store.getState().setServerUrl(server);
    store.getState().setModelChoice({ kind: "remote", model: "" });
    await store.getState().loadModel();
    const { modelStatus, modelError } = store.getState();
    if (modelStatus !== "ready")
      throw new Error(`The server did not connect: ${modelError?.title ?? modelStatus}`);
  },
  raw: async ({ server, problem, n, maxTokens, concurrent }) => {
    const model = store.getState().model?.name.split(" on ")[0] ?? "";
    const bodies = Array.from({ length: n }, (_, i) =>
      chatBody(
        model,
        {
          messages: buildSolvePrompt(problem),
          sampling: { ...PERF_SAMPLING, maxTokens, seed: PERF_SAMPLING.seed + i },
        },
        1,
      ),
    );
    const started = performance.now();
    let tokens: number[] = [];
    if (concurrent) tokens = await Promise.all(bodies.map((b) => rawRequest(server, b)));
    else for (const b of bodies) tokens.push(await rawRequest(server, b));
    return { ms: performance.now() - started, tokens };
  },
};

mountApp(store);
