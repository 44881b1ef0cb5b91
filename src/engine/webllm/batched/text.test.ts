import { describe, expect, it } from "vitest";
import { IncrementalDetokenizer, StopStringFilter } from "./text";

const utf8 = new TextDecoder("utf-8", { fatal: false });
/** Byte-fallback decoding: each id is one byte. */
const byteDecode = (ids: number[]) => utf8.decode(Uint8Array.from(ids));

describe("IncrementalDetokenizer", () => {
  it("holds a character split over byte tokens until it is complete", () => {
    const detok = new IncrementalDetokenizer(byteDecode);
    const bytes = Array.from(new TextEncoder().encode("a€🙂b"));
    const deltas = bytes.map((b) => detok.push(b));
    expect(deltas.join("")).toBe("a€🙂b");
    expect(deltas.filter((d) => d !== "")).toEqual(["a", "€", "🙂", "b"]);
    expect(detok.flush()).toBe("");
  });

  it("flushes an unfinished character as WebLLM's final text would show it", () => {
    const detok = new IncrementalDetokenizer(byteDecode);
    expect(detok.push(0x61)).toBe("a");
    expect(detok.push(0xe2)).toBe("");
    expect(detok.flush()).toBe("\uFFFD");
  });

  it("keeps spaces that a SentencePiece decoder strips at the start of a sequence", () => {
    const pieces: Record<number, string> = { 1: " Hello", 2: " world", 3: "!" };
    const spDecode = (ids: number[]) =>
      ids
        .map((id) => pieces[id] ?? "")
        .join("")
        .replace(/^ /, "");
    const detok = new IncrementalDetokenizer(spDecode);
    expect([1, 2, 3].map((id) => detok.push(id)).join("")).toBe(spDecode([1, 2, 3]));
  });
});

describe("StopStringFilter", () => {
  it("holds back a tail that may become a stop string, and cuts at the stop", () => {
    const filter = new StopStringFilter(["</answer>"]);
    expect(filter.push("x = 4 </an")).toEqual({ visible: "x = 4 ", stopped: false });
    expect(filter.push("swer> more")).toEqual({ visible: "", stopped: true });
    expect(filter.text).toBe("x = 4 ");
  });

  it("releases the held tail when it turns out not to be a stop string", () => {
    const filter = new StopStringFilter(["STOP"]);
    expect(filter.push("aST")).toEqual({ visible: "a", stopped: false });
    expect(filter.push("x")).toEqual({ visible: "STx", stopped: false });
    expect(filter.push("ST")).toEqual({ visible: "", stopped: false });
    expect(filter.flush()).toBe("ST");
  });

  it("cuts at the earliest of several stop strings, ignoring empty ones", () => {
    const filter = new StopStringFilter(["", "END", "<|im_end|>"]);
    expect(filter.push("ok<|im_end|>END")).toEqual({ visible: "ok", stopped: true });
  });

  it("passes everything through without stop strings", () => {
    const filter = new StopStringFilter([]);
    expect(filter.push("abc")).toEqual({ visible: "abc", stopped: false });
  });
});
