// Year · genre · running time, each in the viewer's language.
import type { Asset } from '../../../host/contract.ts';
import { runningTime, yearText } from '../i18n/format.ts';
import { useI18n } from '../i18n/context.tsx';

/** The one-line facts about an Asset. */
export function AssetMeta({ asset }: { asset: Asset }) {
  const { language } = useI18n();
  const parts = [
    asset.year === undefined ? undefined : yearText(asset.year, language),
    asset.genre,
    asset.duration === undefined ? undefined : runningTime(asset.duration, language),
  ].filter((part): part is string => part !== undefined && part !== '');
  return <p className="asset-meta">{parts.join('  ·  ')}</p>;
}
