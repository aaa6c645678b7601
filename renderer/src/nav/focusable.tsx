// Remote-focusable building blocks: a button and a group. Each is a real DOM element with real
// focus, so OK, a mouse click, a touch and a screen reader all reach the same action.
import { FocusContext, useFocusable } from '@noriginmedia/norigin-spatial-navigation';
import { createElement, useCallback, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { currentFocusKey, prefersReducedMotion } from './spatial.ts';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onFocus'> & {
  focusKey?: string;
  onPress: () => void;
  /** Called when the remote (or a click, or Tab) moves focus here. */
  onFocused?: () => void;
  children: ReactNode;
};

/** Brings a focused element into its scroll containers' view (instantly when motion is reduced). */
export function revealFocused(node: Element | null): void {
  node?.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
}

/** A button the remote can focus; OK presses it. */
export function FocusButton({ focusKey, onPress, onFocused, children, className, ...rest }: ButtonProps) {
  const { ref, focusSelf, focusKey: key } = useFocusable<object, HTMLButtonElement>({
    ...(focusKey === undefined ? {} : { focusKey }),
    onEnterPress: onPress,
    onFocus: (layout) => {
      revealFocused(layout.node);
      onFocused?.();
    },
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
