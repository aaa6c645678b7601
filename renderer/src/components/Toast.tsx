// A short message over the screen: an action that failed, or a note to read (a notice that came with
// the sign-in). It must never hide the control that has focus (WCAG 2.4.11 Focus Not Obscured): it
// sits at the edge of the screen away from the focus, the bottom while focus is in the top half and
// the top while it is in the bottom half, and moves when focus crosses over. A toast is at most a few
// lines high at one edge, so it cannot reach the focus.
import { useLayoutEffect, useRef, useState } from 'react';

type Edge = 'top' | 'bottom';

/** `problem`: something the viewer asked for failed; `note`: something to know, nothing went wrong. */
export type ToastTone = 'problem' | 'note';

/** The edge of `stage` farther from the focused element (bottom when nothing in it has focus). */
export function edgeAwayFromFocus(stage: DOMRect, focused: DOMRect | undefined): Edge {
  if (!focused) return 'bottom';
  const focusMiddle = (focused.top + focused.bottom) / 2;
  return focusMiddle > (stage.top + stage.bottom) / 2 ? 'top' : 'bottom';
}

/** The toast; the live region says the same text (this element is not announced itself). */
export function Toast({ text, tone = 'problem' }: { text: string; tone?: ToastTone }) {
  const ref = useRef<HTMLParagraphElement>(null);
  const [edge, setEdge] = useState<Edge>('bottom');
  useLayoutEffect(() => {
    const place = () => {
      const stage = ref.current?.parentElement;
      if (!stage) return;
      const focused = document.activeElement;
      const inside = focused instanceof HTMLElement && focused !== stage && stage.contains(focused);
      setEdge(edgeAwayFromFocus(stage.getBoundingClientRect(), inside ? focused.getBoundingClientRect() : undefined));
    };
    place();
    document.addEventListener('focusin', place);
    return () => document.removeEventListener('focusin', place);
  }, []);
  return (
    <p ref={ref} className={`toast toast--${edge} toast--${tone}`} role="presentation" data-testid="toast" data-tone={tone}>
      {text}
    </p>
  );
}
