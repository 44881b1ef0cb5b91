import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { MODEL_HOSTS_SECTION, readmeSection } from "./readmeSection";

describe("readmeSection", () => {
  const doc = ["# Title", "intro", "## A", "a text", "### A.1", "```sh", "# a comment, not a heading", "```", "a.1 text", "## B", "b text"].join("\n");

  it("takes a section down to the next heading of its level or higher, skipping code fences", () => {
    expect(readmeSection(doc, "A.1")).toBe(["### A.1", "```sh", "# a comment, not a heading", "```", "a.1 text"].join("\n"));
    expect(readmeSection(doc, "A")).toContain("a.1 text");
    expect(readmeSection(doc, "A")).not.toContain("b text");
    expect(readmeSection(doc, "B")).toBe("## B\nb text");
    expect(readmeSection(doc, "C")).toBeNull();
  });

  it("the README has the section the model-host errors link to, with the set-up it promises", () => {
    const section = readmeSection(readme, MODEL_HOSTS_SECTION);
    expect(section).not.toBeNull();
    expect(section).toContain("REFINERY_MODEL_HOSTS=");
    expect(section).toContain("--cors");
    expect(section).not.toContain("## Engines");
  });
});
