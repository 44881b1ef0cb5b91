import { parseShareHash } from "./share";
import type { AppStore } from "./store";

/**
 * Applies what the page's address asks for, without starting anything:
 * - `?engine=wllama&model=<url>` preselects a URL model (a teacher shares one link;
 *   nothing downloads until Load or Run is pressed); `?engine=webllm|wllama` alone picks the engine;
 * - `?engine=remote&server=<url>` preselects a shared server (nothing is sent until
 *   Test connection, Load or Run); a `key=` parameter is refused, since a key in a
 *   link ends up in browser history, logs and screenshots;
 * - `#problem=…&n=…` (a share link) fills the problem and its settings.
 * A damaged link changes nothing and says why in the error banner.
 */
export function applyDeepLink(location: { search: string; hash: string }, store: AppStore): void {
  const params = new URLSearchParams(location.search);
  const engine = params.get("engine");
  const model = params.get("model");
  const problems: string[] = [];
  const server = params.get("server");
  if (engine === "wllama" || engine === "webllm" || engine === "remote") void store.getState().setEngineOverride(engine);
  else if (engine !== null) problems.push(`This link asks for an unknown engine "${engine.slice(0, 40)}"; the engine is chosen automatically.`);
  // A model URL is a GGUF file, so it implies wllama.
  if (model) {
    if (engine !== "wllama") void store.getState().setEngineOverride("wllama");
    store.getState().setModelChoice({ kind: "url", url: model });
  }
  if (server) {
    if (engine !== "remote") void store.getState().setEngineOverride("remote");
    store.getState().setServerUrl(server.slice(0, 2048));
  }
  if (params.has("key"))
    problems.push("This link carries an API key, which the app does not take from links (they end up in browser history). Type the key under Server instead.");

  const shared = parseShareHash(location.hash);
  if (shared && "error" in shared) problems.push(shared.error);
  else if (shared) {
    const state = store.getState();
    state.setProblem(shared.problem);
    for (const [key, value] of Object.entries(shared.settings) as Array<[keyof typeof shared.settings, number]>)
      state.setSetting(key, value);
  }
  if (problems.length > 0) store.setState({ banner: { code: "unknown", title: problems.join(" "), action: "", detail: "" } });
}
