/**
 * Conventions shared by the generated `llama`-architecture models: the
 * SentencePiece-style vocabulary (control tokens, 256 byte-fallback tokens,
 * then normal pieces), the ChatML chat template and the metadata llama.cpp
 * needs to load the file (see /work/shared/DESIGN.md §4).
 */
import { GGUFWriter, kv } from "./writer.ts";

/** Token types as llama.cpp reads `tokenizer.ggml.token_type`. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 } as const;

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const IM_START_ID = 3;
export const IM_END_ID = 4;
export const SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;
export const BYTE_BASE_ID = SPECIAL_TOKENS.length;
/** Id of the first normal piece. */
export const FIRST_PIECE_ID = BYTE_BASE_ID + 256;

export const byteTokenName = (b: number): string =>
  `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
export const byteTokenId = (b: number): number => BYTE_BASE_ID + b;

/** ChatML, as used by Qwen-style instruct models. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The tokenized ChatML generation prompt ends in this text (the fragment after
 * the `<|im_start|>` control token; llama.cpp's SPM tokenizer prefixes it with a
 * space). Its last token must stay the `\n` byte token: a piece that is a suffix
 * of it would be merged into the prompt and change what comes first.
 */
export const GENERATION_PROMPT_TAIL = "▁assistant\n";

/** Text → SentencePiece spelling (spaces written as U+2581). */
export const toPiece = (text: string): string => text.replace(/ /g, "▁");
/** SentencePiece spelling → text. */
export const pieceToText = (piece: string): string => piece.replace(/▁/g, " ");

/**
 * Why a normal piece would misbehave in llama.cpp, or null if it is fine.
 * (Pieces shaped like special tokens are re-typed as control tokens and end
 * generation; a suffix of the generation prompt changes the prompt's last token.)
 */
export function pieceProblem(piece: string): string | null {
  if (piece.length === 0) return "empty";
  if (/^<.*>$/s.test(piece)) return "shaped like a special token <...>";
  if (/^\[.*\]$/s.test(piece)) return "shaped like a special token [...]";
  if (piece.includes("<|") || piece.includes("|>")) return "contains <| or |>";
  if (GENERATION_PROMPT_TAIL.endsWith(piece) && piece.includes("\n")) {
    return "suffix of the ChatML generation prompt";
  }
  if (piece.includes(" ")) return "contains a raw space (write ▁)";
  return null;
}

export interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
}

/**
 * Printable ASCII characters and `▁` as single-character pieces. Multi-character
 * pieces only form in prompts through merges of pieces already in the vocabulary,
 * so without these a prompt costs one byte token per byte (three per space).
 */
export const CHAR_PIECES: readonly string[] = [
  "▁",
  ...Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)),
];

/**
 * Control tokens, byte tokens, the given pieces (validated, no duplicates), then
 * those of `extra` that are not already there.
 */
export function buildVocab(pieces: readonly string[], extra: readonly string[] = []): Vocab {
  const tokens: string[] = [...SPECIAL_TOKENS];
  const types: number[] = [
    TokenType.UNKNOWN,
    TokenType.CONTROL,
    TokenType.CONTROL,
    TokenType.CONTROL,
    TokenType.CONTROL,
  ];
  const scores: number[] = tokens.map(() => 0);
  for (let b = 0; b < 256; b++) {
    tokens.push(byteTokenName(b));
    types.push(TokenType.BYTE);
    scores.push(0);
  }
  const seen = new Set(tokens);
  pieces.forEach((p, i) => {
    const problem = pieceProblem(p);
    if (problem) throw new Error(`vocab: piece ${JSON.stringify(p)}: ${problem}`);
    if (seen.has(p)) throw new Error(`vocab: duplicate piece ${JSON.stringify(p)}`);
    seen.add(p);
    tokens.push(p);
    types.push(TokenType.NORMAL);
    scores.push(-1 - i); // earlier pieces win merges; only matters for prompts
  });
  for (const p of extra) {
    if (seen.has(p)) continue;
    const problem = pieceProblem(p);
    if (problem) throw new Error(`vocab: piece ${JSON.stringify(p)}: ${problem}`);
    seen.add(p);
    tokens.push(p);
    types.push(TokenType.NORMAL);
    scores.push(-1e6); // single characters: merged away whenever a longer piece fits
  }
  return { tokens, scores, types };
}

export interface LlamaHParams {
  name: string;
  vocab: Vocab;
  contextLength: number;
  embd: number;
  layers: number;
  ffn: number;
  heads: number;
  headsKv: number;
  rmsEps: number;
  ropeFreqBase: number;
  /** general.file_type: 0 all F32, 1 mostly F16. */
  fileType: number;
}

/** A writer with all the llama + tokenizer metadata set; tensors are added by the caller. */
export function llamaWriter(h: LlamaHParams): GGUFWriter {
  if (h.embd % h.heads !== 0) throw new Error("embedding length must be a multiple of head count");
  const w = new GGUFWriter();
  w.set("general.architecture", kv.str("llama"))
    .set("general.name", kv.str(h.name))
    .set("general.file_type", kv.u32(h.fileType))
    .set("llama.vocab_size", kv.u32(h.vocab.tokens.length))
    .set("llama.context_length", kv.u32(h.contextLength))
    .set("llama.embedding_length", kv.u32(h.embd))
    .set("llama.block_count", kv.u32(h.layers))
    .set("llama.feed_forward_length", kv.u32(h.ffn))
    .set("llama.attention.head_count", kv.u32(h.heads))
    .set("llama.attention.head_count_kv", kv.u32(h.headsKv))
    .set("llama.attention.layer_norm_rms_epsilon", kv.f32(h.rmsEps))
    .set("llama.rope.dimension_count", kv.u32(h.embd / h.heads))
    .set("llama.rope.freq_base", kv.f32(h.ropeFreqBase))
    .set("tokenizer.ggml.model", kv.str("llama"))
    .set("tokenizer.ggml.tokens", kv.strs(h.vocab.tokens))
    .set("tokenizer.ggml.scores", kv.f32s(h.vocab.scores))
    .set("tokenizer.ggml.token_type", kv.i32s(h.vocab.types))
    .set("tokenizer.ggml.bos_token_id", kv.u32(BOS_ID))
    .set("tokenizer.ggml.eos_token_id", kv.u32(IM_END_ID))
    .set("tokenizer.ggml.eot_token_id", kv.u32(IM_END_ID))
    .set("tokenizer.ggml.unknown_token_id", kv.u32(UNK_ID))
    .set("tokenizer.ggml.padding_token_id", kv.u32(UNK_ID))
    .set("tokenizer.ggml.add_bos_token", kv.bool(false))
    .set("tokenizer.ggml.add_eos_token", kv.bool(false))
    .set("tokenizer.chat_template", kv.str(CHATML_TEMPLATE));
  return w;
}

/** Deterministic PRNG (mulberry32), shared with the app. */
export { seededRandom as mulberry32 } from "../../src/seededRandom.ts";

/** 32-bit FNV-1a hash of a string, for per-tensor seeds. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
