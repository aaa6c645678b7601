// @types/oidc-provider describes the package's public API only, not its internal modules (lib/*,
// pinned at oidc-provider 9.13.3). server/device-flow.ts reuses the stock device_code grant handler
// and grant helpers from there, so that only the gaps are ours; these are the parts it calls.
// Everything else, the phone pages included, uses the published types.
declare module 'oidc-provider/lib/actions/grants/device_code.js' {
  export const handler: (provider: unknown, helpers: Record<string, unknown>, ctx: unknown) => Promise<void>;
  export const parameters: Set<string>;
  export const grantType: string;
}

declare module 'oidc-provider/lib/helpers/grants.js' {
  // Every export takes the provider first; the handler above receives them bound to it.
  export function findGrantSource(provider: unknown, ctx: unknown, model: unknown, value: string, label: string): Promise<unknown>;
  export function consumeGrantSource(provider: unknown, ctx: unknown, source: unknown, label: string): Promise<void>;
  export function validateGrant(provider: unknown, ctx: unknown, grantId: string): Promise<unknown>;
}
