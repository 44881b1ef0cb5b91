import { useRef, type PointerEvent } from "react";
import { swipeStep } from "./layout";

/**
 * Horizontal swipes on an element, from pointer events, so a finger (touch), a
 * pen and a mouse drag all work. The element should have `touch-action: pan-y`:
 * the browser then keeps vertical scrolling for itself and hands horizontal
 * moves to us instead of cancelling the pointer.
 *
 * A gesture that starts inside something that scrolls sideways (a formula or
 * code block wider than the screen) belongs to that box, not to the swipe.
 */
export function useSwipe(onStep: (step: -1 | 1) => void) {
  const start = useRef<{ id: number; x: number; y: number } | null>(null);
  return {
    onPointerDown: (e: PointerEvent<HTMLElement>) => {
      if (!e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) return;
      if (e.target instanceof Element && insideSidewaysScroller(e.target, e.currentTarget)) return;
      start.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
    },
    onPointerUp: (e: PointerEvent<HTMLElement>) => {
      const s = start.current;
      start.current = null;
      if (!s || s.id !== e.pointerId) return;
      const step = swipeStep(e.clientX - s.x, e.clientY - s.y);
      if (step !== 0) onStep(step);
    },
    onPointerCancel: () => {
      start.current = null;
    },
  };
}

/** Whether `el`, or an ancestor below `surface`, scrolls sideways (with more than rounding to scroll). */
function insideSidewaysScroller(el: Element, surface: Element): boolean {
  for (let node: Element | null = el; node && node !== surface; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowX;
    if ((overflow === "auto" || overflow === "scroll") && node.scrollWidth > node.clientWidth + 2) return true;
  }
  return false;
}
