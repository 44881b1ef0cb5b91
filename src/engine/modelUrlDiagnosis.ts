/**
 * Why a model URL cannot be downloaded. The browser reports every failed fetch
 * to script as the same "TypeError: Failed to fetch", whether its own security
 * policy refused it, the page is https and the URL http, nothing answered, or
 * the server answered without CORS headers. This module tells them apart, so
 * the message can say exactly what to fix:
 *
 * 1. mixed content and the app's Content-Security-Policy are decided without a
 *    request, from the page's URL and the policy it was served with;
 * 2. a CORS request (what the engines make) shows HTTP errors, and a first few
 *    bytes that are a web page rather than a model;
 * 3. when that request fails, a `securitypolicyviolation` event means a policy
 *    refused it after all (e.g. a redirect to another host), and a no-cors
 *    request tells a live server without CORS from a dead one. A
 *    cross-origin-isolated page (COEP require-corp) blocks that no-cors
 *    response too, but Chromium then files a "coep" report, which is seen here.
 *
 * Run after a load failed, never before one: a cached model loads with no
 * network at all. The browser side is behind `ProbeEnvironment`, so the logic
 * is tested with fakes; `browserProbeEnvironment` is the real one.
 */
import { checkConnect } from "./csp";

export type UrlDiagnosis =
  | { kind: "ok" }
  /** The page is https and the URL plain http on a host that is not this machine. */
  | { kind: "mixed-content"; origin: string }
  /** The page's Content-Security-Policy refuses the URL; `sources` is what it allows (unknown when only the browser's event said so). */
  | { kind: "csp"; origin: string; sources: string[] | null }
  /** Nothing answered. `certain` is false when a server that refuses cross-origin requests would look the same in this browser. */
  | { kind: "unreachable"; origin: string; certain: boolean; timedOut: boolean }
  /** A server answered, but without Access-Control-Allow-Origin for this page. */
  | { kind: "cors"; origin: string }
  | { kind: "http-status"; status: number; statusText: string }
  /** It answered 200 with something else: a web page, an image, a file of another kind. */
  | { kind: "not-a-model"; sent: "html" | "other"; contentType: string };

export type DiagnosisKind = UrlDiagnosis["kind"];

/** What the URL should hold: a GGUF file (checked by its magic bytes), or anything (WebLLM's JSON and wasm files). */
export type ExpectedContent = "gguf" | "any";

export interface BlockWatch {
  /** True once the browser has reported a Content-Security-Policy violation for the URL's origin. */
  cspViolation(): boolean;
  /**
   * Waits up to `ms` for the browser's report that the page's Cross-Origin-Embedder-Policy
   * blocked a response from the URL (so a server did answer). false at once when the page
   * has no such policy in force; null when it has one but this browser files no reports.
   */
  coepBlocked(ms: number): Promise<boolean | null>;
  stop(): void;
}

export interface ProbeEnvironment {
  /** The page's URL: its origin is 'self', its scheme decides mixed content. */
  pageUrl: string;
  fetch: typeof fetch;
  /** The Content-Security-Policy header the page was served with; null when there is none or it cannot be read. */
  readPolicy(): Promise<string | null>;
  /** Starts listening for the browser's reports about requests to `url`. */
  watch(url: URL): BlockWatch;
  /** Resolves after `ms` (a pause for the browser's violation events to arrive). */
  sleep(ms: number): Promise<void>;
}

export interface DiagnoseOptions {
  expect?: ExpectedContent;
  signal?: AbortSignal;
  env?: ProbeEnvironment;
  /** How long the server may take to answer. */
  timeoutMs?: number;
}

/** Bytes read from the body to recognise what it is. */
const SNIFF_BYTES = 16;

export async function diagnoseUrl(text: string, options: DiagnoseOptions = {}): Promise<UrlDiagnosis> {
  const env = options.env ?? browserProbeEnvironment();
  const url = new URL(text);
  const page = new URL(env.pageUrl);
  if (isMixedContent(page, url)) return { kind: "mixed-content", origin: url.origin };
  const policy = await env.readPolicy().catch(() => null);
  if (policy !== null) {
    const check = checkConnect(policy, url, page);
    if (!check.allowed) return { kind: "csp", origin: url.origin, sources: check.sources };
  }

  const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const watch = env.watch(url);
  try {
    let response: Response;
    try {
      response = await env.fetch(url.href, { mode: "cors", credentials: "omit", cache: "no-store", signal });
    } catch {
      options.signal?.throwIfAborted();
      if (timeout.aborted) return { kind: "unreachable", origin: url.origin, certain: true, timedOut: true };
      // The violation event may be queued just behind the rejection.
      await env.sleep(50);
      if (watch.cspViolation()) return { kind: "csp", origin: url.origin, sources: null };
      return await reachability(url, env, watch, signal);
    }
    try {
      if (!response.ok) return { kind: "http-status", status: response.status, statusText: response.statusText };
      const contentType = response.headers.get("content-type") ?? "";
      const head = await firstBytes(response, SNIFF_BYTES);
      return sniff(head, contentType, options.expect ?? "gguf");
    } finally {
      await response.body?.cancel().catch(() => undefined);
    }
  } finally {
    watch.stop();
  }
}

/** After a CORS request failed: did anything answer at all? */
async function reachability(url: URL, env: ProbeEnvironment, watch: BlockWatch, signal: AbortSignal): Promise<UrlDiagnosis> {
  try {
    // An opaque answer: the server is there, it just does not allow this page to read it.
    const opaque = await env.fetch(url.href, { mode: "no-cors", credentials: "omit", cache: "no-store", signal });
    await opaque.body?.cancel().catch(() => undefined);
    return { kind: "cors", origin: url.origin };
  } catch {
    if (signal.aborted) return { kind: "unreachable", origin: url.origin, certain: true, timedOut: true };
    if (watch.cspViolation()) return { kind: "csp", origin: url.origin, sources: null };
    const blocked = await watch.coepBlocked(1_500);
    if (blocked) return { kind: "cors", origin: url.origin };
    return { kind: "unreachable", origin: url.origin, certain: blocked === false, timedOut: false };
  }
}

/** What a 200 answer holds, judged by its first bytes and its Content-Type. */
export function sniff(head: Uint8Array, contentType: string, expected: ExpectedContent): UrlDiagnosis {
  const start = new TextDecoder().decode(head).replace(/^\uFEFF/, "").trimStart().toLowerCase();
  const html = /^text\/html|^application\/xhtml/i.test(contentType) || start.startsWith("<!doctype") || start.startsWith("<html") || start.startsWith("<head") || start.startsWith("<body");
  if (expected === "gguf") {
    const magic = String.fromCharCode(...head.subarray(0, 4));
    if (magic === "GGUF") return { kind: "ok" };
    return { kind: "not-a-model", sent: html ? "html" : "other", contentType };
  }
  return html ? { kind: "not-a-model", sent: "html", contentType } : { kind: "ok" };
}

async function firstBytes(response: Response, count: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(await response.arrayBuffer()).subarray(0, count);
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
  }
  reader.releaseLock();
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes.subarray(0, count);
}

/**
 * An https page may not fetch plain http, except from this machine itself:
 * browsers treat localhost and 127.0.0.0/8 as trustworthy.
 */
export function isMixedContent(page: URL, url: URL): boolean {
  return page.protocol === "https:" && url.protocol === "http:" && !isLoopback(url.hostname);
}

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}

let pagePolicy: Promise<string | null> | null = null;

/** The real browser: the page's own response headers, its violation events and Chromium's COEP reports. */
export function browserProbeEnvironment(): ProbeEnvironment {
  return {
    pageUrl: location.href,
    fetch: (...args) => fetch(...args),
    readPolicy: () => (pagePolicy ??= readPagePolicy()),
    watch: watchBrowserBlocks,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/**
 * The policy is not readable from script, so ask the server for the page again
 * and read the header (HEAD bypasses the service worker's cached copy); a
 * policy in a <meta> tag counts too.
 */
async function readPagePolicy(): Promise<string | null> {
  const meta = [...document.querySelectorAll<HTMLMetaElement>('meta[http-equiv="Content-Security-Policy" i]')].map((m) => m.content);
  let header: string | null = null;
  try {
    const page = new URL(location.href);
    page.hash = "";
    const response = await fetch(page.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" });
    header = response.headers.get("content-security-policy");
  } catch {
    pagePolicy = null; // offline: try again next time
  }
  const all = [header, ...meta].filter((p): p is string => !!p);
  return all.length > 0 ? all.join(", ") : null;
}

interface CoepReportBody {
  blockedURL?: string;
}

/** Chromium hands COEP report bodies over as a plain ReportBody: its fields are readable only through toJSON(). */
function reportBody(report: Report): CoepReportBody | null {
  const body = report.body as (ReportBody & CoepReportBody) | null;
  if (!body) return null;
  return typeof body.blockedURL === "string" ? body : ((body.toJSON?.() as CoepReportBody | undefined) ?? null);
}

function watchBrowserBlocks(url: URL): BlockWatch {
  let violation = false;
  const onViolation = (event: SecurityPolicyViolationEvent) => {
    if (sameOrigin(event.blockedURI, url)) violation = true;
  };
  globalThis.addEventListener("securitypolicyviolation", onViolation);

  let coepSeen = false;
  let wake: (() => void) | null = null;
  // Without isolation no COEP is in force, and a no-cors request is never blocked by one.
  const isolated = typeof crossOriginIsolated === "boolean" && crossOriginIsolated;
  // Chromium alone files "coep" reports to a ReportingObserver (navigator.userAgentData is Chromium's too).
  const reportsCoep = isolated && typeof ReportingObserver === "function" && "userAgentData" in navigator;
  const observer = reportsCoep
    ? new ReportingObserver(
        (reports) => {
          if (reports.some((r) => r.type === "coep" && sameOrigin(reportBody(r)?.blockedURL ?? "", url))) {
            coepSeen = true;
            wake?.();
          }
        },
        { types: ["coep"], buffered: false },
      )
    : null;
  observer?.observe();

  return {
    cspViolation: () => violation,
    coepBlocked: async (ms) => {
      if (!isolated) return false;
      if (!observer) return null;
      if (!coepSeen) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, ms);
        });
      }
      return coepSeen;
    },
    stop: () => {
      globalThis.removeEventListener("securitypolicyviolation", onViolation);
      observer?.disconnect();
    },
  };
}

function sameOrigin(reported: string, url: URL): boolean {
  try {
    return new URL(reported).origin === url.origin;
  } catch {
    return false;
  }
}
