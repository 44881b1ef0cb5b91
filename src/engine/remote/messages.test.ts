import { describe, expect, it } from "vitest";
import type { UrlDiagnosis } from "../modelUrlDiagnosis";
import { explainServerFailure } from "./messages";
import { connectionLost, unreachable } from "./server";

const BASE = "http://192.168.1.10:8000";
const diagnosing = (diagnosis: UrlDiagnosis) => {
  const asked: string[] = [];
  return { asked, diagnose: async (url: string) => (asked.push(url), diagnosis) };
};

describe("explainServerFailure", () => {
  it("asks the model-URL diagnosis why a server could not be reached, and words the cause", async () => {
    const { asked, diagnose } = diagnosing({ kind: "cors", origin: BASE });
    const message = await explainServerFailure(BASE, null, unreachable(BASE), diagnose);
    expect(asked).toEqual([`${BASE}/v1/models`]);
    expect(message.code).toBe("no-cors");
    expect(message.title).toContain("does not allow cross-origin requests");
  });

  it("names the app's policy, with the line that allows the server", async () => {
    const { diagnose } = diagnosing({ kind: "csp", origin: BASE, sources: ["'self'", "https:"] });
    const message = await explainServerFailure(BASE, null, unreachable(BASE), diagnose);
    expect(message.code).toBe("blocked-by-policy");
    expect(message.action).toContain(`REFINERY_MODEL_HOSTS="${BASE}"`);
  });

  it("keeps the server's own message when the server did answer, without diagnosing", async () => {
    const { asked, diagnose } = diagnosing({ kind: "ok" });
    const message = await explainServerFailure(BASE, null, connectionLost(), diagnose);
    expect(asked).toEqual([]);
    expect(message.title).toMatch(/connection to the server was lost/);
  });

  it("never shows the key, even when another error carries it", async () => {
    const { diagnose } = diagnosing({ kind: "ok" });
    const message = await explainServerFailure(
      BASE,
      "sk-secret",
      new Error("bad header Bearer sk-secret"),
      diagnose,
    );
    expect(JSON.stringify(message)).not.toContain("sk-secret");
  });
});
