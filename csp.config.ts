/**
 * The Content-Security-Policy of the built app (served by `npm run preview`; use
 * the same header in deployment, see README "Security"). Model output is rendered
 * as inert text, and this policy is the second wall: no inline or foreign script,
 * no plugins, no foreign fetches except the model hosts below.
 */

/** Hosts the built-in catalogs download from (GGUF files, MLC weights and model libraries). */
export const CATALOG_MODEL_HOSTS = [
  "https://huggingface.co",
  // Hugging Face serves large files through redirects to these.
  "https://*.huggingface.co",
  "https://*.hf.co",
  "https://raw.githubusercontent.com",
];

/**
 * Extra origins that may serve models, e.g. a classroom LAN server. Set at build
 * or serve time: REFINERY_MODEL_HOSTS="http://192.168.1.10:8080 http://models.school.lan".
 */
export function extraModelHosts(env: Record<string, string | undefined> = process.env): string[] {
  return (env.REFINERY_MODEL_HOSTS ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .filter((h) => /^https?:\/\/[^\s;'"]+$/.test(h));
}

export function contentSecurityPolicy(modelHosts: readonly string[] = [...CATALOG_MODEL_HOSTS, ...extraModelHosts()]): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // wasm-unsafe-eval: llama.cpp and WebLLM's kernels are WebAssembly; no other eval.
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    // wllama starts its worker and llama.cpp's threads from blob: URLs.
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'", "blob:", "data:", ...modelHosts],
    // KaTeX positions glyphs with inline style attributes.
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}
