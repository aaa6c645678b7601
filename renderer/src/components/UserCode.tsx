// The user code, large, exactly as core grouped it (`displayCode`): the string people compare with
// the phone. Screen readers get it one character at a time through the accessible name.
import type { CSSProperties } from 'react';
import { useI18n } from '../i18n/context.tsx';
import { displayGroups, spokenUserCode } from '../logic/spoken-code.ts';

/** The code as shown (data-testid="user-code", text "WDJB-MJHT"); the dashes are drawn apart for reading across the room. */
export function UserCode({ displayCode }: { displayCode: string }) {
  const { t } = useI18n();
  return (
    <p
      className="user-code"
      data-testid="user-code"
      role="img"
      aria-label={t.code.codeLabel(spokenUserCode(displayCode))}
      // Its length sets its size (styles.css), so that a long code still fits beside the QR code.
      style={{ '--code-length': displayCode.length } as CSSProperties}
    >
      {displayGroups(displayCode).map((group, index) => (
        <span key={index} className="user-code__group">
          {index > 0 ? <span className="user-code__dash">-</span> : null}
          {group}
        </span>
      ))}
    </p>
  );
}
