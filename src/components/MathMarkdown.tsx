/**
 * The one renderer for model output: markdown with KaTeX math, `<think>`
 * reasoning in a collapsible block. Model output is untrusted: raw HTML is
 * shown as text, links must be absolute http(s) and open in a new tab, images
 * are never loaded (their alt text is shown), KaTeX runs with `trust: false`
 * and without macro definitions.
 *
 * While streaming, the text is split into blocks and each block is a memoised
 * component, so an appended token re-renders only the last block.
 */

import "katex/dist/katex.min.css";
import "./MathMarkdown.css";

import { memo, useState, type ComponentProps, type ReactElement } from "react";
import Markdown, { type Components, type ExtraProps, type Options } from "react-markdown";
import rehypeKatex from "rehype-katex";
import remarkMath from "remark-math";

import { BlockSplitter } from "../render/blocks.ts";
import { normalizeMath, splitThink } from "../render/normalizeMath.ts";
import { katexOptions, rehypeMathGuard, remarkDepthGuard, safeLinkHref } from "../render/safety.ts";

export interface MathMarkdownProps {
  text: string;
  /** The text is still growing: unfinished formulas show as source, open reasoning stays open. */
  streaming?: boolean;
}

export function MathMarkdown({ text, streaming = false }: MathMarkdownProps): ReactElement {
  // One splitter per segment, kept across renders so finished blocks keep their identity.
  const [splitters] = useState(() => new Map<number, BlockSplitter>());
  const segments = splitThink(text, { streaming });

  return (
    <div className="math-markdown">
      {segments.map((segment, index) => {
        let splitter = splitters.get(index);
        if (!splitter) splitters.set(index, (splitter = new BlockSplitter()));
        const blocks = splitter.split(segment.text);
        const isLast = index === segments.length - 1;
        const growing = streaming && isLast;
        if (segment.kind === "answer") {
          return <BlockList key={index} blocks={blocks} streaming={growing} />;
        }
        const thinking = growing && !segment.closed;
        return (
          <details key={index} className="math-markdown-think" open={thinking}>
            <summary>{thinking ? "Reasoning…" : "Reasoning"}</summary>
            <BlockList blocks={blocks} streaming={thinking} />
          </details>
        );
      })}
    </div>
  );
}

/** Blocks per memoised group: a re-render walks N / GROUP_SIZE groups, not N blocks. */
const GROUP_SIZE = 16;

function BlockList({ blocks, streaming }: { blocks: readonly string[]; streaming: boolean }) {
  const groups: ReactElement[] = [];
  for (let start = 0; start < blocks.length; start += GROUP_SIZE) {
    const end = Math.min(start + GROUP_SIZE, blocks.length);
    groups.push(
      <BlockGroup
        key={start}
        blocks={blocks.slice(start, end)}
        streaming={streaming && end === blocks.length}
      />,
    );
  }
  return groups;
}

interface BlockGroupProps {
  blocks: readonly string[];
  /** The group's last block is still growing. */
  streaming: boolean;
}

const BlockGroup = memo(
  function BlockGroup({ blocks, streaming }: BlockGroupProps) {
    return blocks.map((block, index) => (
      <MarkdownBlock
        key={index}
        source={block}
        streaming={streaming && index === blocks.length - 1}
      />
    ));
  },
  (before: BlockGroupProps, after: BlockGroupProps) =>
    before.streaming === after.streaming &&
    before.blocks.length === after.blocks.length &&
    before.blocks.every((block, index) => block === after.blocks[index]),
);

const MarkdownBlock = memo(function MarkdownBlock({
  source,
  streaming,
}: {
  source: string;
  streaming: boolean;
}) {
  return renderMarkdown(normalizeMath(source, { streaming }), source);
});

const remarkPlugins: Options["remarkPlugins"] = [remarkMath, remarkDepthGuard];
const rehypePlugins: Options["rehypePlugins"] = [rehypeMathGuard, [rehypeKatex, katexOptions]];

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

const components: Components = { a: SafeLink, img: ImageAsText };

/**
 * Markdown → React elements. `Markdown` is a plain synchronous function, so
 * calling it here lets us catch what it throws (a document too deep to
 * render, a stack overflow) and show the source instead of losing the page.
 */
function renderMarkdown(markdown: string, source: string): ReactElement {
  try {
    return Markdown({
      children: markdown,
      remarkPlugins,
      rehypePlugins,
      components,
      disallowedElements,
      urlTransform: (url) => safeLinkHref(url) ?? "",
    });
  } catch {
    return <pre className="math-markdown-source">{source}</pre>;
  }
}
