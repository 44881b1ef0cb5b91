/**
 * The Content-Security-Policy of the built app (served by `npm run preview`; use
 * the same header in deployment, see README "Security"). Model output is rendered
 * as inert text, and this policy is the second wall: no inline or foreign script,
 * no plugins, and nothing a rendered text could load (images, fonts, media,
 * frames, styles) from anywhere but the app itself.
 *
 * Model downloads (`connect-src`) may come from any https:// address, so a model
 * URL a user pastes (a Hugging Face mirror, their own bucket, a GitHub release)
 * loads in the built app. Only the app's own script can make such a request
 * (no foreign or inline script runs), and it does so only when the user presses
 * Load. Plain http:// hosts, e.g. a classroom LAN server, must be listed.
 */

/**
 * Plain-http origins that may serve models, e.g. a classroom LAN server. Set at
 * build or serve time: REFINERY_MODEL_HOSTS="http://192.168.1.10:8080 http://models.school.lan".
 */
export function extraModelHosts(env: Record<string, string | undefined> = process.env): string[] {
  return (env.REFINERY_MODEL_HOSTS ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .filter((h) => /^https?:\/\/[^\s;'"]+$/.test(h));
}

export function contentSecurityPolicy(modelHosts: readonly string[] = extraModelHosts()): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // wasm-unsafe-eval: llama.cpp and WebLLM's kernels are WebAssembly; no other eval.
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    // wllama starts its worker and llama.cpp's threads from blob: URLs.
    "worker-src": ["'self'", "blob:"],
    // https: covers the catalogs (huggingface.co and the hosts it redirects to, raw.githubusercontent.com).
    "connect-src": ["'self'", "blob:", "data:", "https:", ...modelHosts],
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
