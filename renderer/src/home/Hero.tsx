// The hero: the featured Asset large, with its poster as a soft backdrop.
import type { Asset } from '../../../host/contract.ts';
import { useI18n } from '../i18n/context.tsx';
import { FocusButton } from '../nav/focusable.tsx';
import { AssetMeta } from './AssetMeta.tsx';

export const HERO_FOCUS_KEY = 'hero-more-info';

/** The featured Asset; OK opens it. */
export function Hero({ asset, onOpen, reveal }: { asset: Asset; onOpen: (asset: Asset, focusKey: string) => void; reveal: () => void }) {
  const { t } = useI18n();
  return (
    <section className="hero" aria-labelledby="hero-title">
      <img className="hero__backdrop" src={asset.poster} alt="" aria-hidden="true" />
      <div className="hero__shade" aria-hidden="true" />
      <div className="hero__text">
        <p className="eyebrow">{t.home.featured}</p>
        <h1 className="display" id="hero-title">
          {asset.title}
        </h1>
        <AssetMeta asset={asset} />
        {asset.description ? <p className="hero__description">{asset.description}</p> : null}
        <FocusButton focusKey={HERO_FOCUS_KEY} className="button button--primary button--large" onPress={() => onOpen(asset, HERO_FOCUS_KEY)} reveal={reveal}>
          {t.home.moreInfo}
        </FocusButton>
      </div>
      <img className="hero__poster" src={asset.poster} alt="" width={300} height={450} />
    </section>
  );
}
