// A small real server for the page, account and API tests: a real oidc-provider with our hooks,
// interactions and resource server on a Koa app on 127.0.0.1:0. It uses oidc-provider's memory
// adapter (fine for a test that lives seconds); the product server (server/app.ts) never does.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Koa from 'koa';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { openAccounts, type Accounts } from '../../server/accounts.ts';
import { mountResourceServer } from '../../server/api.ts';
import type { CodeEntryLimits } from '../../server/pages/code-entry.ts';
import { deviceFlowHooks, interactionUrl, mountInteractions, renderError } from '../../server/pages/index.ts';

export interface PagesServer {
  url: string;
  clientId: string;
  accounts: Accounts;
  provider: Provider;
  dataDir: string;
  user: { email: string; password: string; name: string };
  /** Starts a device flow as the TV would. */
  authorize(scope?: string): Promise<{ device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number }>;
  /** One token poll as the TV would. */
  poll(deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface PagesServerOptions {
  /** Seconds a device code lives. */
  codeTtl?: number;
  accessTokenTtl?: number;
  /** Limits on wrong codes (SERVER_DEFAULTS.codeEntry by default). */
  codeEntry?: Partial<CodeEntryLimits>;
  /** oidc-provider's user-code mask ('*' one character; default '****-****'). */
  userCodeMask?: string;
}

/** Starts the harness. */
export async function startPagesServer(options: PagesServerOptions = {}): Promise<PagesServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-pages-'));
  const accounts = openAccounts(join(dataDir, 'users.sqlite'));
  const user = { email: 'ada@example.test', password: 'correct horse battery', name: 'Ada Lovelace' };
  await accounts.add(user);

  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: 'tv-demo',
        client_name: 'device-login TV',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    // accounts.ts declares its own claims type (no index signature), as server/provider.ts casts too.
    findAccount: accounts.findAccount as Configuration['findAccount'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name', 'picture'], email: ['email', 'email_verified'] },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true, ...(options.userCodeMask ? { mask: options.userCodeMask } : {}), ...deviceFlowHooks() },
      revocation: { enabled: true },
    },
    // A device flow never reuses the session's grant, so every TV gets its own consent and grant.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const fromConsent = ctx.oidc.result?.consent?.grantId;
      const isDevice = /^(code_verification|device_resume)$/.test(ctx.oidc.route);
      const grantId = fromConsent ?? (isDevice ? undefined : ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId));
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { url: interactionUrl },
    renderError,
    cookies: { keys: ['pages-test-cookie-key-0123456789'] },
    ttl: { DeviceCode: options.codeTtl ?? 600, AccessToken: options.accessTokenTtl ?? 3600, Grant: 3600, Session: 3600, Interaction: 3600, RefreshToken: 3600 },
  };
  const provider = new Provider(url, configuration);

  const app = new Koa();
  mountInteractions(app, provider, { accounts, ...(options.codeEntry ? { codeEntry: options.codeEntry } : {}) });
  mountResourceServer(app, provider as never, { accounts, publicUrl: url });
  const callback = provider.callback();
  app.use(async (ctx) => {
    ctx.respond = false;
    await callback(ctx.req, ctx.res);
  });
  http.on('request', app.callback());

  return {
    url,
    clientId: 'tv-demo',
    accounts,
    provider,
    dataDir,
    user,
    async authorize(scope = 'openid profile email offline_access') {
      const res = await fetch(`${url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: 'tv-demo', scope }) });
      if (res.status !== 200) throw new Error(`device authorization failed: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Awaited<ReturnType<PagesServer['authorize']>>;
    },
    async poll(deviceCode) {
      const res = await fetch(`${url}/token`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: 'tv-demo', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      accounts.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
