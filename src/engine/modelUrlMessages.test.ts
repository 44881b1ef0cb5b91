import { describe, expect, it } from "vitest";
import type { UrlDiagnosis } from "./modelUrlDiagnosis";
import { diagnosisMessage, explainLoadFailure, explainUnreachableUrl } from "./modelUrlMessages";

const urlSource = { kind: "url" as const, url: "http://192.168.1.10:8080/m.gguf", name: "m.gguf" };
const failedFetch = new TypeError("Failed to fetch");
const always = (diagnosis: UrlDiagnosis) => async () => diagnosis;

describe("diagnosisMessage", () => {
  it("a host the policy refuses: names it, what is allowed, and the exact command that allows it", () => {
    const m = diagnosisMessage({ kind: "csp", origin: "http://192.168.1.10:8080", sources: ["'self'", "blob:", "https:", "http://127.0.0.1:4180"] })!;
    expect(m.code).toBe("blocked-by-policy");
    expect(m.title).toContain("does not allow downloads from http://192.168.1.10:8080");
    expect(m.action).toContain("any https:// address and the hosts it lists (http://127.0.0.1:4180)");
    // Hosts already listed stay listed: the variable replaces the list.
    expect(m.action).toContain('REFINERY_MODEL_HOSTS="http://127.0.0.1:4180 http://192.168.1.10:8080" npm run preview');
    expect(m.action).toContain("connect-src");
    expect(m.help).toBe("model-hosts");
  });

  it("a block only the browser's event reported still gets the command", () => {
    const m = diagnosisMessage({ kind: "csp", origin: "http://10.1.1.1:8080", sources: null })!;
    expect(m.action).toContain('REFINERY_MODEL_HOSTS="http://10.1.1.1:8080" npm run preview');
    expect(m.action).not.toContain("over https");
  });

  it("each other kind has its own code and fix", () => {
    const cases: Array<[UrlDiagnosis, string, RegExp]> = [
      [{ kind: "mixed-content", origin: "http://192.168.1.10:8080" }, "mixed-content", /Serve the model over https, or open the app itself over http/],
      [{ kind: "unreachable", origin: "http://192.168.1.10:8080", certain: true, timedOut: false }, "unreachable", /server is running/],
      [{ kind: "unreachable", origin: "https://10.0.0.9", certain: true, timedOut: false }, "unreachable", /certificate this browser trusts/],
      [{ kind: "unreachable", origin: "https://10.0.0.9", certain: false, timedOut: false }, "unreachable", /CORS headers/],
      [{ kind: "unreachable", origin: "https://10.0.0.9", certain: true, timedOut: true }, "unreachable", /not overloaded/],
      [{ kind: "cors", origin: "https://models.example" }, "no-cors", /Access-Control-Allow-Origin/],
      [{ kind: "http-status", status: 404, statusText: "Not Found" }, "not-found", /\.gguf file itself/],
      [{ kind: "http-status", status: 403, statusText: "" }, "http-error", /public link/],
      [{ kind: "http-status", status: 502, statusText: "Bad Gateway" }, "http-error", /try again later/],
      [{ kind: "not-a-model", sent: "html", contentType: "text/html" }, "not-a-model", /resolve\/main/],
      [{ kind: "not-a-model", sent: "other", contentType: "image/png" }, "not-a-model", /\.gguf file/],
    ];
    for (const [diagnosis, code, action] of cases) {
      const m = diagnosisMessage(diagnosis)!;
      expect(m.code, diagnosis.kind).toBe(code);
      expect(m.action, diagnosis.kind).toMatch(action);
    }
    expect(diagnosisMessage({ kind: "http-status", status: 404, statusText: "Not Found" })!.title).toContain("HTTP 404 Not Found");
    expect(diagnosisMessage({ kind: "ok" })).toBeNull();
  });
});

describe("explainLoadFailure", () => {
  it("a failed download from a URL is explained by the URL's diagnosis, keeping the engine's words as detail", async () => {
    const m = await explainLoadFailure(urlSource, failedFetch, always({ kind: "cors", origin: "http://192.168.1.10:8080" }));
    expect(m.code).toBe("no-cors");
    expect(m.detail).toBe("TypeError: Failed to fetch");
  });

  it("a URL that looks fine keeps the engine's message; a dropped download says to try again", async () => {
    const dropped = await explainLoadFailure(urlSource, failedFetch, always({ kind: "ok" }));
    expect(dropped.code).toBe("download-failed");
    expect(dropped.action).toContain("press Load again");
    const truncated = await explainLoadFailure(urlSource, Object.assign(new Error("bad"), { type: "load_error" }), always({ kind: "ok" }));
    expect(truncated.code).toBe("not-a-model");
  });

  it("no diagnosis for files, for failures that are not about the URL, or when stopped", async () => {
    let asked = 0;
    const diagnose = async () => {
      asked++;
      return { kind: "cors", origin: "x" } as const;
    };
    const file = { kind: "file" as const, file: new File(["x"], "m.gguf"), name: "m.gguf" };
    expect((await explainLoadFailure(file, failedFetch, diagnose)).code).toBe("download-failed");
    expect((await explainLoadFailure(urlSource, new Error("out of memory"), diagnose)).code).toBe("out-of-memory");
    expect((await explainLoadFailure(urlSource, Object.assign(new Error("x"), { name: "AbortError" }), diagnose)).code).toBe("aborted");
    expect(asked).toBe(0);
  });

  it("a diagnosis that itself fails leaves the engine's message", async () => {
    const m = await explainLoadFailure(urlSource, failedFetch, async () => Promise.reject(new Error("boom")));
    expect(m.code).toBe("download-failed");
  });
});

describe("explainUnreachableUrl", () => {
  it("explains network-level causes only; HTTP answers are the custom-model check's to describe", async () => {
    expect((await explainUnreachableUrl("http://10.1.1.1/m/", always({ kind: "csp", origin: "http://10.1.1.1", sources: null })))?.code).toBe("blocked-by-policy");
    expect(await explainUnreachableUrl("https://x/m/", always({ kind: "http-status", status: 404, statusText: "" }))).toBeNull();
    expect(await explainUnreachableUrl("https://x/m/", always({ kind: "ok" }))).toBeNull();
  });
});
