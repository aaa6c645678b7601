// `scale-out`: two server instances on one Redis against one instance on the same kind of Redis, in
// the same run. Each instance is its own child process; the two share the data directory (keys and
// users) and Redis (OAuth state, the slow_down ledger, and pub/sub to wake held polls), and stand
// behind one public address, B's, as behind a load balancer.
//
// Two figures:
// - throughput: device authorizations/s and pending polls/s with the load spread round-robin over
//   the instances (the same closed loop as the `server` benchmark);
// - long-poll wake latency across instances: a TV holds its poll on A (`Prefer: wait=30`) while the
//   phone approves on B, against a TV that holds its poll on B itself. The latency runs from just
//   before the Allow POST is sent to the moment the held poll has its full answer.
//
// This machine has two cores shared by both instances, Redis and the load generator, so the
// throughput ratio says what a second instance costs or gains here, not on a real cluster.
import { Phone } from '../test/fixtures/phone.ts';
import { startRedis } from '../test/fixtures/redis.ts';
import { addRates, authorizeThenPoll, averageRates, keepAliveAgent, pollToken, requestDeviceCode, type Rates } from './lib/http-load.ts';
import { startServerChild, tempDir, type ServerChild } from './lib/processes.ts';
import { summarise, type Row } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const CONCURRENCY = 16;

/** Runs `work` against one instance, or two instances, on a fresh Redis; everything is stopped after. */
async function withInstances<T>(count: 1 | 2, work: (servers: ServerChild[]) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  const data = tempDir(`scale-${count}`);
  const servers: ServerChild[] = [];
  try {
    const b = await startServerChild({ kind: 'ours', dataDir: data.dir, redisUrl: redis.url });
    servers.push(b);
    if (count === 2) servers.unshift(await startServerChild({ kind: 'ours', dataDir: data.dir, redisUrl: redis.url, publicUrl: b.url }));
    return await work(servers);
  } finally {
    for (const server of servers) await server.stop();
    await redis.stop();
    data.remove();
  }
}

/**
 * `samples` approvals through the phone pages on the public instance (the last of `servers`), each
 * with the TV's poll held on `servers[holdOn]`. Returns the latencies and the failures.
 */
async function wakeLatencies(servers: ServerChild[], holdOn: number, samples: number): Promise<{ latencies: number[]; failures: number }> {
  const agent = keepAliveAgent(4);
  const phone = new Phone({ timeoutMs: 15_000 });
  const publicServer = servers[servers.length - 1]!;
  const latencies: number[] = [];
  let failures = 0;
  try {
    for (let i = 0; i < samples; i++) {
      try {
        const code = await requestDeviceCode(agent, servers[holdOn]!.direct);
        const uri = String(code.body.verification_uri_complete);
        const confirm = await phone.openCode(uri);
        const consent = await phone.confirmAndSignIn(confirm, publicServer.demoUser!);
        if (consent.page !== 'consent') throw new Error(`expected consent, got ${consent.page}`);
        const held = pollToken(agent, servers[holdOn]!.direct, String(code.body.device_code), { wait: 30, timeoutMs: 40_000 });
        // Let the poll reach the server and be held before the user taps Allow.
        await new Promise((resolve) => setTimeout(resolve, 150));
        const allowAt = performance.now();
        const end = await phone.submit(consent, { button: 'decision=allow' });
        if (end.page !== 'success') throw new Error(`expected success, got ${end.page}`);
        const answer = await held;
        if (typeof answer.body.access_token !== 'string') throw new Error(`held poll answered ${JSON.stringify(answer.body.error)}`);
        latencies.push(Math.max(0, answer.at - allowAt));
      } catch {
        failures += 1;
      }
    }
  } finally {
    agent.destroy();
  }
  return { latencies, failures };
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** Runs the scale-out comparison. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const durationMs = options.quick ? 2000 : 5000;
  const order: Array<1 | 2> = options.quick ? [1, 2] : [1, 2, 2, 1];
  const samples = options.quick ? 10 : 30;
  let one: Rates | undefined;
  let two: Rates | undefined;
  for (const count of order) {
    const rates = await withInstances(count, (servers) => authorizeThenPoll(servers.map((s) => s.direct), { concurrency: CONCURRENCY, durationMs }));
    if (count === 1) one = addRates(one, rates);
    else two = addRates(two, rates);
  }
  const rounds = order.length / 2;
  const o = averageRates(one!, rounds);
  const t = averageRates(two!, rounds);

  const wake = await withInstances(2, async (servers) => ({
    cross: await wakeLatencies(servers, 0, samples),
    same: await wakeLatencies(servers, 1, samples),
  }));
  const cross = summarise(wake.cross.latencies);
  const same = summarise(wake.same.latencies);

  const authRatio = ratio(t.authorizationsPerSecond, o.authorizationsPerSecond);
  const pollRatio = ratio(t.pollsPerSecond, o.pollsPerSecond);
  const rows: Row[] = [
    { figure: 'device authorizations/s: 1 instance / 2 instances', value: `${o.authorizationsPerSecond} / ${t.authorizationsPerSecond}` },
    { figure: 'ratio 2 / 1 (authorizations)', value: authRatio.toFixed(2) },
    { figure: 'pending polls/s: 1 instance / 2 instances', value: `${o.pollsPerSecond} / ${t.pollsPerSecond}` },
    { figure: 'ratio 2 / 1 (polls)', value: pollRatio.toFixed(2) },
    { figure: 'wake latency, poll held on the other instance p50 / p95', value: `${cross.p50Ms} / ${cross.p95Ms} ms (${cross.runs} runs)`, target: 'p95 <= 1000 ms', pass: cross.runs > 0 && cross.p95Ms <= 1000 },
    { figure: 'wake latency, poll held on the same instance p50 / p95', value: `${same.p50Ms} / ${same.p95Ms} ms (${same.runs} runs)` },
    { figure: 'failed approvals (cross / same)', value: `${wake.cross.failures} / ${wake.same.failures}` },
  ];
  const otherAnswers = Object.keys(o.otherPollAnswers).length + Object.keys(t.otherPollAnswers).length;
  if (otherAnswers || o.failures || t.failures) {
    rows.push({ figure: 'non-pending poll answers / failures', value: `${JSON.stringify({ one: o.otherPollAnswers, two: t.otherPollAnswers })} / ${o.failures + t.failures}` });
  }
  return {
    title: `scale-out on Redis (${CONCURRENCY} keep-alive clients, ${durationMs / 1000} s per phase, ${rounds} round(s) per layout; ${samples} wake samples each)`,
    rows,
    json: {
      scaleOut: {
        oneInstance: o,
        twoInstances: t,
        ratioAuthorizations: authRatio,
        ratioPolls: pollRatio,
        wakeCrossInstance: { ...cross, failures: wake.cross.failures },
        wakeSameInstance: { ...same, failures: wake.same.failures },
        concurrency: CONCURRENCY,
        phaseSeconds: durationMs / 1000,
        rounds,
      },
    },
  };
}
