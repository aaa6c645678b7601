// The user code, large and grouped for reading across the room; screen readers get it one
// character at a time through the accessible name.
import { useI18n } from '../i18n/context.tsx';
import { spokenUserCode, userCodeGroups } from '../logic/user-code.ts';

/** The grouped user code (data-testid="user-code", text "WDJB-MJHT"). */
export function UserCode({ userCode }: { userCode: string }) {
  const { t } = useI18n();
  const groups = userCodeGroups(userCode);
  return (
    <p className="user-code" data-testid="user-code" role="img" aria-label={t.code.codeLabel(spokenUserCode(userCode))}>
      {groups.map((group, index) => (
        <span key={index} className="user-code__group">
          {index > 0 ? <span className="user-code__dash">-</span> : null}
          {group}
        </span>
      ))}
    </p>
  );
}
