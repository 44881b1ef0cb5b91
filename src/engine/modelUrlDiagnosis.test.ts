import { describe, expect, it } from "vitest";
import { diagnoseUrl, isMixedContent, sniff, type BlockWatch, type ProbeEnvironment } from "./modelUrlDiagnosis";

const POLICY = "default-src 'self'; connect-src 'self' blob: data: https: http://127.0.0.1:4180; img-src 'self' data:";
const GGUF = new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);

interface FakeServer {
  /** What a CORS request gets: a response, or a network error. */
  cors?: Response | "network-error";
  /** What a no-cors request gets. */
  noCors?: "opaque" | "network-error";
  /** The browser's reports while probing. */
  cspEvent?: boolean;
  coepReport?: boolean | null;
}

function fakeEnv(server: FakeServer, options: { page?: string; policy?: string | null } = {}) {
  const requests: Array<{ url: string; mode: RequestMode | undefined }> = [];
  const env: ProbeEnvironment = {
    pageUrl: options.page ?? "http://127.0.0.1:4173/",
    readPolicy: async () => (options.policy === undefined ? POLICY : options.policy),
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ url: String(input), mode: init?.mode });
      if (init?.mode === "no-cors") {
        if (server.noCors === "opaque") return new Response(null, { status: 200 });
        throw new TypeError("Failed to fetch");
      }
      if (!server.cors || server.cors === "network-error") throw new TypeError("Failed to fetch");
      return server.cors;
    }) as typeof fetch,
    watch: (): BlockWatch => ({
      cspViolation: () => server.cspEvent ?? false,
      coepBlocked: async () => (server.coepReport === undefined ? false : server.coepReport),
      stop: () => undefined,
    }),
    sleep: async () => undefined,
  };
  return { env, requests };
}

const ok = (body: BodyInit | null, headers: Record<string, string> = {}) => new Response(body, { status: 200, headers });

describe("diagnoseUrl", () => {
  it("a GGUF file answered with CORS is fine", async () => {
    const { env } = fakeEnv({ cors: ok(GGUF, { "content-type": "application/octet-stream" }) });
    expect(await diagnoseUrl("https://huggingface.co/x/resolve/main/m.gguf", { env })).toEqual({ kind: "ok" });
  });

  it("an http host the policy does not list: blocked by policy, decided without any request", async () => {
    const { env, requests } = fakeEnv({ cors: ok(GGUF) });
    expect(await diagnoseUrl("http://192.168.1.10:8080/m.gguf", { env })).toEqual({
      kind: "csp",
      origin: "http://192.168.1.10:8080",
      sources: ["'self'", "blob:", "data:", "https:", "http://127.0.0.1:4180"],
    });
    expect(requests).toEqual([]);
  });

  it("a policy the app could not read: the browser's violation event still names the block", async () => {
    const { env } = fakeEnv({ cors: "network-error", cspEvent: true }, { policy: null });
    expect(await diagnoseUrl("http://192.168.1.10:8080/m.gguf", { env })).toEqual({ kind: "csp", origin: "http://192.168.1.10:8080", sources: null });
  });

  it("an https page and a plain http LAN host: mixed content, before anything else", async () => {
    const { env, requests } = fakeEnv({ cors: ok(GGUF) }, { page: "https://refinery.example/" });
    expect(await diagnoseUrl("http://192.168.1.10:8080/m.gguf", { env })).toEqual({ kind: "mixed-content", origin: "http://192.168.1.10:8080" });
    expect(requests).toEqual([]);
  });

  it("nothing answers: unreachable, certain when the browser can tell", async () => {
    expect(await diagnoseUrl("https://10.0.0.9/m.gguf", { env: fakeEnv({ cors: "network-error", noCors: "network-error", coepReport: false }).env })).toEqual({
      kind: "unreachable",
      origin: "https://10.0.0.9",
      certain: true,
      timedOut: false,
    });
    // Isolated, and this browser files no COEP reports: a live server without CORS would look the same.
    expect(await diagnoseUrl("https://10.0.0.9/m.gguf", { env: fakeEnv({ cors: "network-error", noCors: "network-error", coepReport: null }).env })).toMatchObject({
      kind: "unreachable",
      certain: false,
    });
  });

  it("a server that answers without CORS: an opaque answer, or Chromium's COEP report of one", async () => {
    const opaque = fakeEnv({ cors: "network-error", noCors: "opaque" });
    expect(await diagnoseUrl("https://models.example/m.gguf", { env: opaque.env })).toEqual({ kind: "cors", origin: "https://models.example" });
    expect(opaque.requests.map((r) => r.mode)).toEqual(["cors", "no-cors"]);
    const reported = fakeEnv({ cors: "network-error", noCors: "network-error", coepReport: true });
    expect(await diagnoseUrl("https://models.example/m.gguf", { env: reported.env })).toEqual({ kind: "cors", origin: "https://models.example" });
  });

  it("HTTP errors carry their status", async () => {
    const { env } = fakeEnv({ cors: new Response("not found", { status: 404, statusText: "Not Found" }) });
    expect(await diagnoseUrl("https://models.example/missing.gguf", { env })).toEqual({ kind: "http-status", status: 404, statusText: "Not Found" });
  });

  it("a web page or another file instead of a GGUF model", async () => {
    const html = fakeEnv({ cors: ok("<!doctype html><title>Log in</title>", { "content-type": "text/html; charset=utf-8" }) });
    expect(await diagnoseUrl("https://models.example/blob/main/m.gguf", { env: html.env })).toEqual({ kind: "not-a-model", sent: "html", contentType: "text/html; charset=utf-8" });
    const png = fakeEnv({ cors: ok(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), { "content-type": "image/png" }) });
    expect(await diagnoseUrl("https://models.example/m.gguf", { env: png.env })).toEqual({ kind: "not-a-model", sent: "other", contentType: "image/png" });
  });

  it("a server that never answers times out", async () => {
    const env: ProbeEnvironment = {
      ...fakeEnv({}).env,
      fetch: ((_: RequestInfo | URL, init?: RequestInit) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))) as typeof fetch,
    };
    expect(await diagnoseUrl("https://models.example/m.gguf", { env, timeoutMs: 20 })).toMatchObject({ kind: "unreachable", timedOut: true });
  });

  it("the caller's abort ends it with an AbortError", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(diagnoseUrl("https://models.example/m.gguf", { env: fakeEnv({ cors: "network-error" }).env, signal: controller.signal })).rejects.toThrow();
  });
});

describe("isMixedContent", () => {
  const https = new URL("https://refinery.example/");
  it("an https page may not fetch http, except from this machine", () => {
    expect(isMixedContent(https, new URL("http://192.168.1.10:8080/m.gguf"))).toBe(true);
    expect(isMixedContent(https, new URL("http://models.school.lan/m.gguf"))).toBe(true);
    expect(isMixedContent(https, new URL("http://localhost:8080/m.gguf"))).toBe(false);
    expect(isMixedContent(https, new URL("http://127.0.0.1:8080/m.gguf"))).toBe(false);
    expect(isMixedContent(https, new URL("http://[::1]:8080/m.gguf"))).toBe(false);
    expect(isMixedContent(https, new URL("https://192.168.1.10/m.gguf"))).toBe(false);
    expect(isMixedContent(new URL("http://192.168.1.10:4173/"), new URL("http://192.168.1.10:8080/m.gguf"))).toBe(false);
  });
});

describe("sniff", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it("recognises GGUF, HTML by type or by its first tag, and anything for 'any'", () => {
    expect(sniff(GGUF, "application/octet-stream", "gguf")).toEqual({ kind: "ok" });
    expect(sniff(bytes("  <html><body>"), "", "gguf")).toMatchObject({ kind: "not-a-model", sent: "html" });
    expect(sniff(bytes("\uFEFF<!DOCTYPE html>"), "application/octet-stream", "gguf")).toMatchObject({ sent: "html" });
    expect(sniff(bytes('{"model_type":'), "application/json", "any")).toEqual({ kind: "ok" });
    expect(sniff(bytes("<!doctype html>"), "text/html", "any")).toMatchObject({ kind: "not-a-model", sent: "html" });
    expect(sniff(bytes("GGU"), "", "gguf")).toMatchObject({ kind: "not-a-model", sent: "other" });
  });
});
