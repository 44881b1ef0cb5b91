import { useCallback, useSyncExternalStore } from "react";

/**
 * Whether a CSS media query matches now, re-rendering when it changes (a phone
 * rotated, a window resized). Layout that CSS alone cannot do (which
 * components exist) follows the same queries as the stylesheet.
 */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    [query],
  );
  return useSyncExternalStore(
    subscribe,
    () => window.matchMedia(query).matches,
    () => false,
  );
}
