// The top Menu of the signed-in TV: Home, Settings, and who is signed in.
import type { ProfileView } from '../../../host/contract.ts';
import { Avatar } from '../components/Avatar.tsx';
import { useI18n } from '../i18n/context.tsx';
import { FocusButton, FocusGroup } from '../nav/focusable.tsx';

export type Page = 'home' | 'settings';

/** The Menu bar; the current page is marked with aria-current. */
export function Menu({ page, profile, onNavigate }: { page: Page; profile: ProfileView | undefined; onNavigate: (page: Page) => void }) {
  const { t } = useI18n();
  return (
    <header className="menu">
      <span className="brand">
        <span className="brand__mark" aria-hidden="true">▶</span>
        {t.appName}
      </span>
      <FocusGroup as="nav" className="menu__items" focusKey="menu" aria-label={t.home.menuLabel} preferredChildFocusKey={`menu-${page}`}>
        {(['home', 'settings'] as const).map((each) => (
          <FocusButton
            key={each}
            focusKey={`menu-${each}`}
            className={`menu__item${page === each ? ' menu__item--current' : ''}`}
            aria-current={page === each ? 'page' : undefined}
            onPress={() => onNavigate(each)}
          >
            {each === 'home' ? t.home.home : t.home.settings}
          </FocusButton>
        ))}
      </FocusGroup>
      {profile ? (
        <span className="menu__profile">
          <Avatar profile={profile} size={64} />
          <span>{profile.name}</span>
        </span>
      ) : null}
    </header>
  );
}
