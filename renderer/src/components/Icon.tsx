// A few line icons as inline SVG: glyphs like 🔊 or ⌛ depend on fonts a TV may not have.

const PATHS = {
  speaker: 'M4 9h4l5-4v14l-5-4H4z M16.5 8.5a5 5 0 0 1 0 7 M19 6a8.5 8.5 0 0 1 0 12',
  cross: 'M6 6l12 12 M18 6L6 18',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z M12 7v5l3.5 2.5',
  alert: 'M12 6v8 M12 17.5v.5',
  warning: 'M12 3l10 18H2z M12 10v5 M12 18v.5',
  play: 'M7 4.5v15l12.5-7.5z',
} as const;

export type IconName = keyof typeof PATHS;

/** A decorative icon in the current text colour. */
export function Icon({ name, size = 40, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill={name === 'play' ? 'currentColor' : 'none'}
      stroke="currentColor"
      strokeWidth={name === 'play' ? 0 : 2.2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
