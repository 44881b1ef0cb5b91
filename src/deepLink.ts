import type { AppStore } from "./store";

/**
 * `?engine=wllama&model=<url>` preselects a URL model, so a teacher can share one
 * link; nothing downloads until the user presses Load. Returns a message when the
 * link could not be used (also shown in the error banner).
 */
export function applyDeepLink(params: URLSearchParams, store: AppStore): string | null {
  const engine = params.get("engine");
  const model = params.get("model");
  if (model) store.getState().setModelChoice({ kind: "url", url: model });
  if (engine !== null && engine !== "wllama") {
    const title = `This link asks for the engine "${engine}", which is not available here; using wllama.`;
    store.setState({ banner: { code: "unknown", title, action: "", detail: "" } });
    return title;
  }
  return null;
}
