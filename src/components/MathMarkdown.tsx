/**
 * The one renderer for model output: markdown with KaTeX math, `<think>`
 * reasoning in a collapsible block. Model output is untrusted: raw HTML is
 * shown as text, links must be absolute http(s) and open in a new tab, images
 * are never loaded (their alt text is shown), KaTeX runs with `trust: false`
 * and without macro definitions, and each formula is rendered once
 * (src/render/formulas.ts), however often its block is parsed again.
 *
 * While streaming, the text is split into blocks and each block is a memoised
 * component, so an appended token re-renders only the last block.
 *
 * Output may also be hostile in size: a block too long or too deeply nested to
 * parse in good time is shown as source, KaTeX renders a bounded number of
 * formulas per block and per text, and rendering is deferred
 * (useDeferredValue), so clicks and Stop are handled at once whatever arrives.
 */

import "katex/dist/katex.min.css";
import "./MathMarkdown.css";

import { memo, useDeferredValue, useEffect, useState, type ComponentProps, type ReactElement } from "react";
import Markdown, { type Components, type ExtraProps, type Options } from "react-markdown";
import remarkMath from "remark-math";

import { BlockSplitter } from "../render/blocks.ts";
import { DISPLAY_PROPERTY, FORMULA_PROPERTY, rehypeFormulas, renderFormula } from "../render/formulas.ts";
import { normalizeMath } from "../render/normalizeMath.ts";
import { referenceDefinitions } from "../render/references.ts";
import {
  blockIsRenderable,
  formulaBudgets,
  katexOptions,
  MAX_FORMULAS_PER_TEXT,
  rehypeMathGuard,
  remarkDepthGuard,
  safeLinkHref,
} from "../render/safety.ts";
import { splitThink } from "../render/think.ts";

export interface MathMarkdownProps {
  text: string;
  /** The text is still growing: unfinished formulas show as source, open reasoning stays open. */
  streaming?: boolean;
  /**
   * Render the text in the first render rather than in the background: for a
   * caller that already mounts it in a transition, a slice at a time (the
   * lineage step views), and must not show it empty once mounted.
   */
  eager?: boolean;
}

/**
 * In the browser a new renderer first shows nothing and renders its text in the
 * background: opening a saved run with thousands of formulas must not freeze
 * the page. Server rendering (the unit tests) renders at once.
 */
const FIRST_TEXT = typeof document === "undefined" ? undefined : "";

/**
 * Characters of text not shown yet that one render may add. A deferred render
 * starts over whenever the text changes before it commits, so a long text that
 * appears while it still grows (a panel mounted mid-run, a run reopened while
 * it streams) would be rendered again and again and never shown. Revealed a
 * slice per commit, each commit stays short and the rest follows at once.
 */
const REVEAL_CHARS = 4000;

export function MathMarkdown({ text: latestText, streaming: latestStreaming = false, eager = false }: MathMarkdownProps): ReactElement {
  // Rendering runs at low priority and yields between blocks, so clicks, typing and Stop
  // are handled at once however long the text; what is shown may lag a frame behind.
  const text = useDeferredValue(latestText, eager ? undefined : FIRST_TEXT);
  const streaming = useDeferredValue(latestStreaming);
  // One splitter per segment, kept across renders so finished blocks keep their identity.
  const [splitters] = useState(() => new Map<number, BlockSplitter>());
  // How much of which text the latest cut render showed; the next shows REVEAL_CHARS more.
  // (A text that grows past it token by token is cut once per REVEAL_CHARS, for one render.)
  const [revealed, setRevealed] = useState({ text: "", length: 0 });
  const limit = typeof document === "undefined" ? Infinity : (text.startsWith(revealed.text) ? revealed.length : 0) + REVEAL_CHARS;

  const segments = splitThink(text, { streaming });
  // KaTeX time is shared out over the whole text, so a flood of formulas cannot freeze the page.
  let formulasLeft = MAX_FORMULAS_PER_TEXT;
  let offset = 0;
  let cut = false;
  const prepared = [];
  for (const [index, segment] of segments.entries()) {
    if (offset >= limit) {
      cut = true;
      break;
    }
    let splitter = splitters.get(index);
    if (!splitter) splitters.set(index, (splitter = new BlockSplitter()));
    const all = splitter.split(segment.text);
    let visible = 0;
    while (visible < all.length && offset < limit) offset += all[visible++]!.length;
    cut ||= visible < all.length;
    const blocks = visible < all.length ? all.slice(0, visible) : all;
    const { budgets, spent } = formulaBudgets(blocks, formulasLeft);
    prepared.push({ segment, blocks, budgets });
    formulasLeft -= spent;
  }

  useEffect(() => {
    if (!cut) return;
    // The next slice in a new task, after the browser has painted this one and handled input.
    const timer = setTimeout(() => setRevealed({ text, length: offset }));
    return () => clearTimeout(timer);
  }, [cut, text, offset]);

  return (
    <div className="math-markdown">
      {prepared.map(({ segment, blocks, budgets }, index) => {
        const isLast = index === segments.length - 1;
        const growing = streaming && isLast && !cut;
        // Blocks are parsed one by one; a reference in one must still find a definition in another.
        const definitions = referenceDefinitions(blocks, { streaming: growing });
        if (segment.kind === "answer") {
          return <BlockList key={index} blocks={blocks} budgets={budgets} definitions={definitions} streaming={growing} />;
        }
        const thinking = growing && !segment.closed;
        return (
          <details key={index} className="math-markdown-think" open={thinking}>
            <summary>{thinking ? "Reasoning…" : "Reasoning"}</summary>
            <BlockList blocks={blocks} budgets={budgets} definitions={definitions} streaming={thinking} />
          </details>
        );
      })}
    </div>
  );
}

/** Blocks per memoised group: a re-render walks N / GROUP_SIZE groups, not N blocks. */
const GROUP_SIZE = 16;

interface BlockListProps {
  blocks: readonly string[];
  /** Formulas KaTeX may render in each block. */
  budgets: readonly number[];
  /** The text's link reference definitions, given to every block. */
  definitions: string;
  streaming: boolean;
}

function BlockList({ blocks, budgets, definitions, streaming }: BlockListProps) {
  const groups: ReactElement[] = [];
  for (let start = 0; start < blocks.length; start += GROUP_SIZE) {
    const end = Math.min(start + GROUP_SIZE, blocks.length);
    groups.push(
      <BlockGroup
        key={start}
        blocks={blocks.slice(start, end)}
        budgets={budgets.slice(start, end)}
        definitions={definitions}
        streaming={streaming && end === blocks.length}
      />,
    );
  }
  return groups;
}

/** `streaming`: the group's last block is still growing. */
type BlockGroupProps = BlockListProps;

const BlockGroup = memo(
  function BlockGroup({ blocks, budgets, definitions, streaming }: BlockGroupProps) {
    return blocks.map((block, index) => (
      <MarkdownBlock
        key={index}
        source={block}
        formulaBudget={budgets[index] ?? 0}
        definitions={definitions}
        streaming={streaming && index === blocks.length - 1}
      />
    ));
  },
  (before: BlockGroupProps, after: BlockGroupProps) =>
    before.streaming === after.streaming &&
    before.definitions === after.definitions &&
    before.blocks.length === after.blocks.length &&
    before.blocks.every((block, index) => block === after.blocks[index] && before.budgets[index] === after.budgets[index]),
);

const MarkdownBlock = memo(function MarkdownBlock({
  source,
  formulaBudget,
  definitions,
  streaming,
}: {
  source: string;
  formulaBudget: number;
  definitions: string;
  streaming: boolean;
}) {
  // Too long or too deep to parse in good time (a hostile or runaway output): shown as it is.
  if (!blockIsRenderable(source)) return <pre className="math-markdown-source">{source}</pre>;
  // Definitions go first, apart: after the block they could land inside its unfinished code fence.
  const markdown = normalizeMath(source, { streaming });
  return renderMarkdown(definitions ? `${definitions}\n\n${markdown}` : markdown, source, formulaBudget);
});

const remarkPlugins: Options["remarkPlugins"] = [remarkMath, remarkDepthGuard];

/** Never produced by the pipeline (raw HTML becomes text); refused again in case a plugin changes. */
const disallowedElements = [
  "script",
  "style",
  "iframe",
  "frame",
  "object",
  "embed",
  "link",
  "meta",
  "base",
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "video",
  "audio",
  "source",
  "picture",
];

function SafeLink({ href, children }: ComponentProps<"a"> & ExtraProps) {
  const safe = safeLinkHref(href);
  if (!safe) return <span className="math-markdown-link">{children}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

/** Images are never fetched: a remote URL in model output could track or mislead. */
function ImageAsText({ alt }: ComponentProps<"img"> & ExtraProps) {
  return <span className="math-markdown-image">{alt ? `[image: ${alt}]` : "[image]"}</span>;
}

/**
 * A formula: KaTeX's HTML, rendered once per TeX (src/render/formulas.ts) and
 * inserted as it is. Memoised, so a re-parsed block leaves its formulas' DOM alone.
 */
const Formula = memo(function Formula({ tex, display }: { tex: string; display: boolean }) {
  const rendered = renderFormula(tex, display);
  if ("error" in rendered) {
    return (
      <span className="katex-error" style={{ color: katexOptions.errorColor }} title={rendered.error}>
        {tex}
      </span>
    );
  }
  // KaTeX's own escaped output (trust: false), never the model's text: see formulas.ts.
  return <span className="math-formula" dangerouslySetInnerHTML={{ __html: rendered.html }} />;
});

/** Spans the formula plugin made become formulas; markdown makes no other spans. */
function FormulaSpan({ node, ...props }: ComponentProps<"span"> & ExtraProps) {
  const tex = node?.properties[FORMULA_PROPERTY];
  if (typeof tex === "string") return <Formula tex={tex} display={node?.properties[DISPLAY_PROPERTY] === true} />;
  return <span {...props} />;
}

const components: Components = { a: SafeLink, img: ImageAsText, span: FormulaSpan };

/**
 * Markdown → React elements. `Markdown` is a plain synchronous function, so
 * calling it here lets us catch what it throws (a document too deep to
 * render, a stack overflow) and show the source instead of losing the page.
 */
function renderMarkdown(markdown: string, source: string, maxFormulas: number): ReactElement {
  try {
    return Markdown({
      children: markdown,
      remarkPlugins,
      rehypePlugins: [[rehypeMathGuard, { maxFormulas }], rehypeFormulas],
      components,
      disallowedElements,
      urlTransform: (url) => safeLinkHref(url) ?? "",
    });
  } catch {
    return <pre className="math-markdown-source">{source}</pre>;
  }
}
