/**
 * Imported first by perf/main.ts: the remote part's inference server is a plain
 * http host, which the app's CSP allows only when listed in REFINERY_MODEL_HOSTS,
 * and vite.config.ts reads that when it is imported.
 */
export const PERF_OPENAI_PORT = Number(process.env.PERF_OPENAI_PORT ?? 4291);
export const PERF_OPENAI_SERVER = `http://127.0.0.1:${PERF_OPENAI_PORT}`;
process.env.REFINERY_MODEL_HOSTS = [process.env.REFINERY_MODEL_HOSTS, PERF_OPENAI_SERVER]
  .filter(Boolean)
  .join(" ");
