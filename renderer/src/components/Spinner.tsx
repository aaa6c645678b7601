// A busy indicator that does not spin when the viewer asked for reduced motion (CSS handles it).

/** A large ring spinner, hidden from screen readers (the heading says what is happening). */
export function Spinner() {
  return (
    <svg className="spinner" viewBox="0 0 50 50" width="120" height="120" aria-hidden="true">
      <circle cx="25" cy="25" r="20" fill="none" strokeWidth="5" />
    </svg>
  );
}
