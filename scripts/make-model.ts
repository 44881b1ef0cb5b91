/**
 * Write a generated GGUF model for tests and benchmarks.
 *
 *   npx tsx scripts/make-model.ts <out.gguf> [--size tiny|tiny-long|perf] [--long]
 *
 * tiny (default): crafted bigram model; greedy output is TINY_MAIN_TEXT
 *   (scripts/gguf/tiny-model.ts), sampling branches to the answers 42 / 24 / 40.
 * tiny-long (or tiny --long): same, with a several-hundred-token derivation.
 * perf: ≈34M-parameter F32 model with seeded pseudo-random weights.
 *
 * The output is deterministic: the same size always gives the same bytes.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { buildBenchModel, perfParameterCount } from "./gguf/perf-model.ts";
import { buildTinyModel } from "./gguf/tiny-model.ts";

const SIZES = ["tiny", "tiny-long", "perf"] as const;
type Size = (typeof SIZES)[number];

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(`usage: make-model <out.gguf> [--size ${SIZES.join("|")}] [--long]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let out: string | undefined;
let size: Size = "tiny";
let long = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--size") {
    const v = args[++i];
    if (!SIZES.includes(v as Size)) usage(`unknown size ${v}`);
    size = v as Size;
  } else if (a.startsWith("--size=")) {
    const v = a.slice("--size=".length);
    if (!SIZES.includes(v as Size)) usage(`unknown size ${v}`);
    size = v as Size;
  } else if (a === "--long") {
    long = true;
  } else if (a === "-h" || a === "--help") {
    usage();
  } else if (!a.startsWith("-") && out === undefined) {
    out = a;
  } else {
    usage(`unexpected argument ${a}`);
  }
}
if (!out) usage("missing output path");
if (long && size === "tiny") size = "tiny-long";

const started = Date.now();
const writer =
  size === "perf" ? buildBenchModel() : buildTinyModel({ long: size === "tiny-long" });
mkdirSync(dirname(out), { recursive: true });
const bytes = writer.writeFile(out);
const extra = size === "perf" ? `, ${(perfParameterCount() / 1e6).toFixed(1)}M parameters` : "";
console.log(
  `wrote ${out} (${size}, ${(bytes / 1e6).toFixed(2)} MB${extra}) in ${Date.now() - started} ms`,
);
