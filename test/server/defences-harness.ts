// The embedded server assembled as server/app.ts assembles it (createProvider with our pages, the
// SQLite store, installDeviceFlow, mountInteractions, accounts), on 127.0.0.1:0, with the settings of
// the phishing and guessing defences in the test's hands: short holds and re-authentication ages,
// small issuing limits and code spaces. X-Forwarded-For is trusted (one entry, as --trust-proxy
// does), so that one test can speak from several addresses.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ClientMetadata, Provider } from 'oidc-provider';

import { openAccounts, type Accounts } from '../../server/accounts.ts';
import { openSqliteStore } from '../../server/adapters/sqlite.ts';
import { installDeviceFlow } from '../../server/device-flow.ts';
import { loadOrCreateKeys } from '../../server/keys.ts';
import type { RateLimit } from '../../server/limits.ts';
import type { CodeEntryLimits } from '../../server/pages/code-entry.ts';
import { deviceFlowHooks, interactionUrl, mountInteractions, renderError } from '../../server/pages/index.ts';
import { createProvider } from '../../server/provider.ts';

export interface DefencesServerOptions {
  codeIssuePerAddress?: RateLimit;
  codeIssuePerClient?: RateLimit;
  deviceReauthAfter?: number;
  userCodeMask?: string;
  codeHoldSeconds?: number;
  codeEntry?: Partial<CodeEntryLimits>;
  clients?: ClientMetadata[];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface DefencesServer {
  url: string;
  provider: Provider;
  accounts: Accounts;
  user: { email: string; password: string; name: string };
  /** POST /device/auth as a device at `ip` (X-Forwarded-For) with `userAgent`. */
  authorize(options?: { ip?: string; userAgent?: string; clientId?: string; scope?: string }): Promise<Answer>;
  /** One token poll of `deviceCode`. */
  poll(deviceCode: string, clientId?: string): Promise<Answer>;
  close(): Promise<void>;
}

/** Starts the server. */
export async function startDefencesServer(options: DefencesServerOptions = {}): Promise<DefencesServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dl-defences-'));
  const accounts = openAccounts(join(dataDir, 'accounts.sqlite'));
  const user = { email: 'ada@example.test', password: 'correct horse battery', name: 'Ada Lovelace' };
  await accounts.add(user);
  const store = openSqliteStore(join(dataDir, 'oidc.sqlite'));
  const keys = await loadOrCreateKeys(dataDir);

  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;

  const hooks = deviceFlowHooks(options.codeHoldSeconds !== undefined ? { codeHoldSeconds: options.codeHoldSeconds } : {});
  const provider = createProvider({
    issuer: url,
    keys,
    store,
    accounts,
    pages: { ...hooks, interactionUrl, renderError },
    ...(options.clients ? { clients: options.clients } : {}),
    ...(options.codeIssuePerAddress ? { codeIssuePerAddress: options.codeIssuePerAddress } : {}),
    ...(options.codeIssuePerClient ? { codeIssuePerClient: options.codeIssuePerClient } : {}),
    ...(options.deviceReauthAfter !== undefined ? { deviceReauthAfter: options.deviceReauthAfter } : {}),
    ...(options.userCodeMask ? { userCodeMask: options.userCodeMask } : {}),
  });
  provider.proxy = true;
  provider.maxIpsCount = 1;
  const deviceFlow = installDeviceFlow(provider, { store, interval: 1, slowDownStep: 5, pollToleranceMs: 250, longPollCapSeconds: 30 });
  mountInteractions(provider, provider, { accounts, ...(options.codeEntry ? { codeEntry: options.codeEntry } : {}) });
  http.on('request', provider.callback());

  const post = async (path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { accept: 'application/json', ...headers }, body: new URLSearchParams(form) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  return {
    url,
    provider,
    accounts,
    user,
    authorize({ ip, userAgent, clientId = 'tv-demo', scope = 'openid profile email offline_access' } = {}) {
      const headers: Record<string, string> = {};
      if (ip) headers['x-forwarded-for'] = ip;
      if (userAgent) headers['user-agent'] = userAgent;
      return post('/device/auth', { client_id: clientId, scope }, headers);
    },
    poll(deviceCode, clientId = 'tv-demo') {
      return post('/token', { client_id: clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode });
    },
    async close() {
      deviceFlow.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
      accounts.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
