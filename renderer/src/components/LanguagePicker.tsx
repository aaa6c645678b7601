// Language choice: each language named in itself, the current one marked as pressed.
import type { Language } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { useI18n } from '../i18n/context.tsx';
import { catalogues, LANGUAGES } from '../i18n/messages.ts';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

/** The language buttons; `keyPrefix` keeps focus keys unique per screen. */
export function LanguagePicker({ keyPrefix }: { keyPrefix: string }) {
  const { language, t } = useI18n();
  const { setLanguage } = useActions();
  return (
    <FocusGroup className="language-picker" aria-label={t.welcome.language} focusKey={`${keyPrefix}-languages`}>
      {LANGUAGES.map((each: Language) => (
        <FocusButton
          key={each}
          focusKey={`${keyPrefix}-language-${each}`}
          className={`chip${each === language ? ' chip--selected' : ''}`}
          aria-pressed={each === language}
          lang={each}
          onPress={() => setLanguage(each)}
        >
          {catalogues[each].languageName}
        </FocusButton>
      ))}
    </FocusGroup>
  );
}
