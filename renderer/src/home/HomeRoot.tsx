// The signed-in TV (loaded lazily: not needed until someone signs in). Holds the catalogue and the
// current page, so Back from an Asset or Settings returns Home with focus where it was: on the Asset,
// or on what opened Settings (the Settings tab), not on the featured title.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Asset, Catalog, ViewState } from '../../../host/contract.ts';
import { useActions } from '../actions.tsx';
import { Spinner } from '../components/Spinner.tsx';
import { useI18n } from '../i18n/context.tsx';
import { useFocusOnArrival } from '../nav/arrival.ts';
import { useBack } from '../nav/back.ts';
import { FocusButton, scrollBehavior } from '../nav/focusable.tsx';
import { currentFocusKey } from '../nav/spatial.ts';
import { AssetDetail } from './AssetDetail.tsx';
import { ContentRow } from './ContentRow.tsx';
import { Hero, HERO_FOCUS_KEY } from './Hero.tsx';
import { Menu, type Page } from './Menu.tsx';
import { Settings } from './Settings.tsx';

type Route = { page: Page } | { page: 'asset'; asset: Asset; returnTo: string };
type Load = { status: 'loading' } | { status: 'ready'; catalog: Catalog } | { status: 'failed' };

function HomePage({ catalog, returnTo, onOpen }: { catalog: Catalog; returnTo: string | undefined; onOpen: (asset: Asset, focusKey: string) => void }) {
  const { t } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const firstAsset = catalog.rows[0]?.assets[0];
  const fallbackKey = catalog.hero ? HERO_FOCUS_KEY : firstAsset && catalog.rows[0] ? `asset-${catalog.rows[0].id}-${firstAsset.id}` : 'menu-home';
  useFocusOnArrival(returnTo ?? fallbackKey);
  const toTop = useCallback(() => {
    scroller.current?.scrollTo({ top: 0, behavior: scrollBehavior() });
  }, []);
  return (
    <div className="home__scroller" ref={scroller}>
      {catalog.hero ? <Hero asset={catalog.hero} onOpen={onOpen} reveal={toTop} /> : null}
      {catalog.rows.length === 0 ? <p className="lead">{t.home.emptyCatalog}</p> : null}
      {catalog.rows.map((row) => (
        <ContentRow key={row.id} row={row} onOpen={onOpen} />
      ))}
    </div>
  );
}

function CatalogProblem({ onRetry }: { onRetry: () => void }) {
  const { t } = useI18n();
  useFocusOnArrival('catalog-retry');
  return (
    <div className="home__problem">
      <p className="lead">{t.home.catalogFailed}</p>
      <FocusButton focusKey="catalog-retry" className="button button--primary button--large" onPress={onRetry}>
        {t.common.retry}
      </FocusButton>
    </div>
  );
}

/** Home, Asset detail and Settings for the signed-in person. */
export default function HomeRoot({ view }: { view: ViewState }) {
  const { t } = useI18n();
  const { getCatalog } = useActions();
  const [route, setRoute] = useState<Route>({ page: 'home' });
  const [returnTo, setReturnTo] = useState<string | undefined>();
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const settingsOpener = useRef<string | undefined>(undefined);

  const fetchCatalog = useCallback(() => {
    setLoad({ status: 'loading' });
    getCatalog().then(
      (catalog) => setLoad({ status: 'ready', catalog }),
      () => setLoad({ status: 'failed' }),
    );
  }, [getCatalog]);
  useEffect(fetchCatalog, [fetchCatalog]);

  const goHome = useCallback(() => setRoute({ page: 'home' }), []);
  const open = useCallback((asset: Asset, focusKey: string) => {
    setReturnTo(focusKey);
    setRoute({ page: 'asset', asset, returnTo: focusKey });
  }, []);
  const navigate = useCallback((page: Page) => {
    if (page === 'settings') settingsOpener.current = currentFocusKey() || 'menu-settings';
    setReturnTo(undefined);
    setRoute({ page });
  }, []);
  const leaveSettings = useCallback(() => {
    setReturnTo(settingsOpener.current ?? 'menu-settings');
    setRoute({ page: 'home' });
  }, []);
  useBack(route.page === 'settings' ? leaveSettings : undefined);

  if (route.page === 'asset') return <AssetDetail asset={route.asset} onBack={goHome} />;

  return (
    <main className="screen home" data-testid="home" data-catalog={load.status}>
      <Menu page={route.page} profile={view.profile} onNavigate={navigate} />
      {route.page === 'settings' ? (
        <Settings view={view} />
      ) : load.status === 'ready' ? (
        <HomePage catalog={load.catalog} returnTo={returnTo} onOpen={open} />
      ) : load.status === 'failed' ? (
        <CatalogProblem onRetry={fetchCatalog} />
      ) : (
        <div className="home__problem" aria-busy="true">
          <Spinner />
          <p className="lead">{t.common.loading}</p>
        </div>
      )}
    </main>
  );
}
