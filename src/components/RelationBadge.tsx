import type { AnswerRelation } from "../gsr/outcome";
import { useApp } from "../store/context";
import "./Lineage.css";

const TEXT: Record<AnswerRelation, string> = {
  same: "= refined answer",
  different: "≠ refined answer",
  none: "no answer",
};

/** In a candidate's header, once the refinement has ended: how its answer relates to the refined one. */
export function RelationBadge({ index }: { index: number }) {
  const relation = useApp((s) => s.run?.lineage?.relations[index] ?? null);
  if (relation === null) return null;
  return (
    <span className={`relation relation-${relation}`} data-testid={`candidate.${index}.relation`} data-relation={relation}>
      {TEXT[relation]}
    </span>
  );
}

export const RELATION_TEXT = TEXT;
