import { describe, expect, it } from "vitest";
import { GGUF_CATALOG } from "../engine/wllama/catalog";
import { choiceKey, describeChoice } from "./modelChoice";

const gguf = (name: string, bytes = 4, lastModified = 1) => new File([new Uint8Array(bytes)], name, { lastModified });

describe("describeChoice", () => {
  it("names a catalog model by its label and a URL model by its file name", () => {
    expect(describeChoice({ kind: "catalog", id: GGUF_CATALOG[0]!.id }, [])).toEqual({ name: GGUF_CATALOG[0]!.label });
    expect(describeChoice({ kind: "url", url: " http://10.0.0.2:8080/models/qwen%20math.gguf " }, [])).toEqual({ name: "qwen math.gguf" });
    expect(describeChoice({ kind: "file", file: gguf("local.gguf") }, [])).toEqual({ name: "local.gguf" });
    expect(describeChoice({ kind: "webllm-custom", modelUrl: "http://10.0.0.2/Qwen-MLC/", libUrl: "http://10.0.0.2/lib.wasm" }, [])).toEqual({
      name: "Qwen-MLC",
    });
  });

  it("says what is missing when the choice cannot be loaded yet", () => {
    expect(describeChoice({ kind: "url", url: "" }, [])).toEqual({ missing: "enter the model's URL (a .gguf file)" });
    expect(describeChoice({ kind: "url", url: "ftp://x/model.gguf" }, [])).toEqual({ missing: expect.stringContaining("http://") });
    expect(describeChoice({ kind: "file", file: null }, [])).toEqual({ missing: "choose a .gguf file" });
    expect(describeChoice({ kind: "catalog", id: "gone" }, [])).toEqual({ missing: "pick a model from the list" });
    expect(describeChoice({ kind: "webllm", modelId: "not-on-this-gpu" }, [])).toEqual({ missing: "pick a WebLLM model this device can run" });
    expect(describeChoice({ kind: "webllm-custom", modelUrl: "http://10.0.0.2/Qwen-MLC/", libUrl: "" }, [])).toHaveProperty("missing");
  });
});

describe("choiceKey", () => {
  it("tells the loaded model's choice from another one", () => {
    expect(choiceKey({ kind: "url", url: "http://a/m.gguf " })).toBe(choiceKey({ kind: "url", url: "http://a/m.gguf" }));
    expect(choiceKey({ kind: "url", url: "http://a/m.gguf" })).not.toBe(choiceKey({ kind: "url", url: "http://a/n.gguf" }));
    expect(choiceKey({ kind: "catalog", id: "x" })).not.toBe(choiceKey({ kind: "webllm", modelId: "x" }));
  });

  it("treats the same file picked again as the same choice, and another file as another", () => {
    expect(choiceKey({ kind: "file", file: gguf("a.gguf") })).toBe(choiceKey({ kind: "file", file: gguf("a.gguf") }));
    expect(choiceKey({ kind: "file", file: gguf("a.gguf") })).not.toBe(choiceKey({ kind: "file", file: gguf("a.gguf", 8) }));
    expect(choiceKey({ kind: "file", file: gguf("a.gguf") })).not.toBe(choiceKey({ kind: "file", file: gguf("a.gguf", 4, 2) }));
  });
});
