// Remote-focusable building blocks: a button and a group. Each is a real DOM element with real
// focus, so OK, a mouse click, a touch and a screen reader all reach the same action.
import { FocusContext, useFocusable } from '@noriginmedia/norigin-spatial-navigation';
import { createElement, useCallback, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { currentFocusKey, prefersReducedMotion } from './spatial.ts';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onFocus'> & {
  focusKey?: string;
  onPress: () => void;
  /** Scrolls the newly focused button into view; by default the nearest edge of each container. */
  reveal?: (node: HTMLElement) => void;
  children: ReactNode;
};

/** How scrolling moves: smoothly, unless the viewer asked for reduced motion. */
export function scrollBehavior(): ScrollBehavior {
  return prefersReducedMotion() ? 'auto' : 'smooth';
}

/** Brings a focused element into its scroll containers' view. */
export function revealFocused(node: HTMLElement): void {
  node.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: scrollBehavior() });
}

/** A button the remote can focus; OK presses it. */
export function FocusButton({ focusKey, onPress, reveal = revealFocused, children, className, ...rest }: ButtonProps) {
  const { ref, focusSelf, focusKey: key } = useFocusable<object, HTMLButtonElement>({
    ...(focusKey === undefined ? {} : { focusKey }),
    onEnterPress: onPress,
    onFocus: (layout) => reveal(layout.node),
  });
  // Keep the engine in step when focus arrives by mouse, touch or Tab.
  const syncFocus = useCallback(() => {
    if (currentFocusKey() !== key) focusSelf();
  }, [focusSelf, key]);
  return (
    <button ref={ref} type="button" className={className ? `focusable ${className}` : 'focusable'} onClick={onPress} onFocus={syncFocus} {...rest}>
      {children}
    </button>
  );
}

type GroupProps = {
  focusKey?: string;
  className?: string;
  /** Keep focus inside (a dialog-like screen). */
  boundary?: boolean;
  preferredChildFocusKey?: string;
  children: ReactNode;
  as?: 'div' | 'nav' | 'section' | 'ul';
  'aria-label'?: string;
  'aria-labelledby'?: string;
};

/** A group of focusables that remembers its last focused child (a Menu, a ContentRow). */
export function FocusGroup({ focusKey, className, boundary = false, preferredChildFocusKey, children, as = 'div', ...aria }: GroupProps) {
  const { ref, focusKey: key } = useFocusable<object, HTMLElement>({
    ...(focusKey === undefined ? {} : { focusKey }),
    ...(preferredChildFocusKey === undefined ? {} : { preferredChildFocusKey }),
    focusable: true,
    trackChildren: false,
    saveLastFocusedChild: true,
    isFocusBoundary: boundary,
  });
  return <FocusContext value={key}>{createElement(as, { ref, className, ...aria }, children)}</FocusContext>;
}
