// One authorization server in its own process, so that the load generator's CPU and memory are not
// counted as the server's. Two kinds: `ours` (startServer, everything the product adds) and `bare`
// (plain oidc-provider 9.13.3 with the same SQLite store, keys and client: the baseline).
// Spoken to over the IPC channel: it sends {type:'ready'} once listening, answers {type:'stats'}
// with its RSS and held-poll count, and exits on {type:'close'} or when its parent goes away.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Provider from 'oidc-provider';

import { openSqliteStore } from '../../server/adapters/sqlite.ts';
import { startServer } from '../../server/app.ts';
import { loadOrCreateKeys } from '../../server/keys.ts';
import { tvDemoClient } from '../../server/provider.ts';

/** What the parent asks for, as JSON in argv[2]. */
export interface ChildSpec {
  kind: 'ours' | 'bare';
  dataDir: string;
  redisUrl?: string;
  publicUrl?: string;
  interval?: number;
}

/** The child's messages to its parent. */
export type ChildMessage =
  | { type: 'ready'; url: string; port: number; demoUser?: { email: string; password: string } }
  | { type: 'stats'; rss: number; heldPolls: number; cpuMicros: number }
  | { type: 'error'; message: string };

interface Running {
  url: string;
  port: number;
  demoUser?: { email: string; password: string };
  heldPolls(): number;
  close(): Promise<void>;
}

async function startBare(spec: ChildSpec): Promise<Running> {
  const keys = await loadOrCreateKeys(spec.dataDir);
  const store = openSqliteStore(join(spec.dataDir, 'oidc.sqlite'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  // Plain oidc-provider: only what a device flow needs, no pages, no gap closures.
  const provider = new Provider(url, {
    adapter: (name: string) => store.adapterFor(name),
    clients: [tvDemoClient()],
    jwks: keys.jwks as never,
    cookies: { keys: keys.cookieKeys },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    features: { devInteractions: { enabled: false }, deviceFlow: { enabled: true } },
  });
  server.on('request', provider.callback());
  return {
    url,
    port,
    heldPolls: () => 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  let running: Running;
  try {
    running =
      spec.kind === 'bare'
        ? await startBare(spec)
        : await startServer({
            port: 0,
            dataDir: spec.dataDir,
            ...(spec.redisUrl ? { redisUrl: spec.redisUrl } : {}),
            ...(spec.publicUrl ? { publicUrl: spec.publicUrl } : {}),
            ...(spec.interval ? { interval: spec.interval } : {}),
            // The load benchmarks are one client asking for thousands of codes: not the abuse the
            // per-client issuing limit is there for, and not what they measure.
            codeIssuePerClient: { burst: 1_000_000, perMinute: 1_000_000 },
          });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', rss: process.memoryUsage().rss, heldPolls: running.heldPolls(), cpuMicros: cpu.user + cpu.system });
    } else if (message.type === 'close') {
      const force = setTimeout(() => process.exit(0), 5000);
      running.close().finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
    }
  });
  // The parent died without saying goodbye: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: running.url, port: running.port, ...(running.demoUser ? { demoUser: running.demoUser } : {}) });
}

await main();
