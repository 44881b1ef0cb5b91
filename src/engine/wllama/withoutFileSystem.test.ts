import { describe, expect, it } from "vitest";
import { downloadToBlob, storageThatKeepsNothing } from "./withoutFileSystem";

/** A response whose body arrives in the given chunks. */
function chunked(chunks: string[], headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers });
}

describe("downloadToBlob", () => {
  it("collects the body and reports progress against Content-Length", async () => {
    let clock = 0;
    const progress: Array<[number, number]> = [];
    const blob = await downloadToBlob("http://192.168.1.10:8080/m.gguf", {
      signal: new AbortController().signal,
      onProgress: (loaded, total) => progress.push([loaded, total]),
      fetchFn: (async () => chunked(["GGUF", "1234", "5678"], { "content-length": "12" })) as typeof fetch,
      now: () => (clock += 60),
    });
    expect(await blob.text()).toBe("GGUF12345678");
    expect(progress.at(-1)).toEqual([12, 12]);
    expect(progress.length).toBeGreaterThan(1);
  });

  it("without Content-Length the total is what arrived", async () => {
    const progress: Array<[number, number]> = [];
    await downloadToBlob("http://x/m.gguf", {
      signal: new AbortController().signal,
      onProgress: (loaded, total) => progress.push([loaded, total]),
      fetchFn: (async () => chunked(["GGUF"])) as typeof fetch,
    });
    expect(progress).toEqual([[4, 4]]);
  });

  it("an HTTP error is an error that names the status", async () => {
    const fetchFn = (async () => new Response("nope", { status: 404, statusText: "Not Found" })) as typeof fetch;
    await expect(downloadToBlob("http://x/m.gguf", { signal: new AbortController().signal, onProgress: () => undefined, fetchFn })).rejects.toThrow(
      "Failed to fetch http://x/m.gguf: HTTP 404 Not Found",
    );
  });

  it("the signal reaches the request", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const fetchFn = (async (_: RequestInfo | URL, init?: RequestInit) => {
      seen = init?.signal ?? undefined;
      throw new DOMException("aborted", "AbortError");
    }) as typeof fetch;
    controller.abort();
    await expect(downloadToBlob("http://x/m.gguf", { signal: controller.signal, onProgress: () => undefined, fetchFn })).rejects.toThrow("aborted");
    expect(seen).toBe(controller.signal);
  });
});

describe("storageThatKeepsNothing", () => {
  it("accepts writes and keeps nothing", async () => {
    const storage = storageThatKeepsNothing();
    await storage.write("a.gguf", new Response("GGUF").body!);
    expect(await storage.read("a.gguf")).toBeNull();
    expect(await storage.getSize("a.gguf")).toBe(-1);
    expect(await storage.list()).toEqual([]);
  });
});
