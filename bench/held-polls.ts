// `held-polls`: N devices (10,000; 1,000 with --quick) long-poll one server process at once with
// `Prefer: wait=30`, and a sample of them is approved while all N are held. Every approved poll must
// be answered within 1 s of its approval; the server's RSS (its own child process, so the load
// generator's memory is not counted) is read over IPC before and while the polls are held.
//
// Approvals go through the real phone pages (test/fixtures/phone.ts: cookie jar, CSRF tokens,
// confirm, Allow), a few phones at a time, not through a back door; that is why only a sample is
// approved. The latency runs from just before the Allow POST is sent to the moment the device's
// held poll has its full answer, both read from this process's one monotonic clock.
// Each device behaves like a long-polling TV: when a held poll ends without a decision (the 30 s
// hold ran out) it polls again at once; an early re-poll would earn slow_down, which is counted.
import { Agent } from 'node:http';

import { Phone } from '../test/fixtures/phone.ts';
import { closedLoop, keepAliveAgent, pollToken, requestDeviceCode } from './lib/http-load.ts';
import { startServerChild, tempDir } from './lib/processes.ts';
import { sleep, summarise, unrefSleep, type Row } from './lib/stats.ts';
import type { BenchOptions, BenchResult } from './types.ts';

const HOLD_SECONDS = 30;

interface Device {
  deviceCode: string;
  uri: string;
  /** performance.now() of the answer that carried tokens. */
  tokensAt?: number;
}

/** Runs the held-poll benchmark. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const count = options.quick ? 1000 : 10_000;
  const sample = options.quick ? 100 : 500;
  const phones = 4;
  const data = tempDir('held');
  const server = await startServerChild({ kind: 'ours', dataDir: data.dir });
  const setupAgent = keepAliveAgent(32);
  // One socket per held poll: a held request occupies its connection.
  const holdAgent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 });
  let stopping = false;
  const loops: Array<Promise<void>> = [];
  let slowDowns = 0;
  let expiredHolds = 0;
  let pollErrors = 0;
  const errorKinds: Record<string, number> = {};
  try {
    const base = server.direct;
    const idleRss = (await server.stats()).rss;

    const devices: Device[] = [];
    const made = await closedLoop({
      concurrency: 32,
      durationMs: 180_000,
      maxRequests: count,
      next: async () => {
        const answer = await requestDeviceCode(setupAgent, base);
        if (answer.status !== 200) throw new Error(`device authorization answered ${answer.status}`);
        devices.push({ deviceCode: String(answer.body.device_code), uri: String(answer.body.verification_uri_complete) });
        return true;
      },
    });
    if (devices.length < count) throw new Error(`only ${devices.length} of ${count} device codes were issued (${made.failed} failures)`);
    setupAgent.destroy();
    const codesRss = (await server.stats()).rss;

    // One long-polling TV per device.
    const tv = async (device: Device): Promise<void> => {
      for (let attempt = 0; attempt < 20 && !stopping; attempt++) {
        try {
          const answer = await pollToken(holdAgent, base, device.deviceCode, { wait: HOLD_SECONDS, timeoutMs: (HOLD_SECONDS + 30) * 1000 });
          if (typeof answer.body.access_token === 'string') {
            device.tokensAt = answer.at;
            return;
          }
          if (answer.body.error === 'slow_down') {
            slowDowns += 1;
            await sleep(5000);
          } else if (answer.body.error === 'authorization_pending') {
            if (!stopping) expiredHolds += 1;
          } else {
            pollErrors += 1;
            return;
          }
        } catch (err) {
          if (!stopping) {
            pollErrors += 1;
            const key = err instanceof Error ? err.message.slice(0, 80) : String(err);
            errorKinds[key] = (errorKinds[key] ?? 0) + 1;
          }
          return;
        }
      }
    };
    // Opened in batches so the listen backlog never overflows into SYN retries.
    const openStarted = performance.now();
    for (let i = 0; i < devices.length; i += 250) {
      for (const device of devices.slice(i, i + 250)) loops.push(tv(device));
      await sleep(20);
    }
    let held = 0;
    const openDeadline = performance.now() + 60_000;
    while (performance.now() < openDeadline) {
      held = (await server.stats()).heldPolls;
      if (held >= count) break;
      await sleep(200);
    }
    const openSeconds = (performance.now() - openStarted) / 1000;
    if (held < count) throw new Error(`only ${held} of ${count} polls were held after 60 s (poll errors: ${JSON.stringify(errorKinds)})`);
    const heldRss = (await server.stats()).rss;

    // Approve an evenly spread sample while everything else stays held.
    const chosen = Array.from({ length: sample }, (_, i) => devices[Math.floor((i * devices.length) / sample)]!);
    const creds = server.demoUser!;
    const approvedAt = new Map<Device, number>();
    let failedApprovals = 0;
    let minHeldDuringApprovals = held;
    let maxRss = heldRss;
    let next = 0;
    const approveStarted = performance.now();
    const phone = async (): Promise<void> => {
      const browser = new Phone({ timeoutMs: 15_000 });
      while (next < chosen.length && performance.now() - approveStarted < 120_000) {
        const device = chosen[next++]!;
        try {
          const confirm = await browser.openCode(device.uri);
          const consent = await browser.confirmAndSignIn(confirm, creds);
          if (consent.page !== 'consent') throw new Error(`expected consent, got ${consent.page}`);
          approvedAt.set(device, performance.now());
          const end = await browser.submit(consent, { button: 'decision=allow' });
          if (end.page !== 'success') throw new Error(`expected success, got ${end.page}`);
        } catch {
          failedApprovals += 1;
        }
      }
    };
    const sampler = (async () => {
      while (approvedAt.size + failedApprovals < chosen.length && performance.now() - approveStarted < 125_000) {
        const stats = await server.stats();
        minHeldDuringApprovals = Math.min(minHeldDuringApprovals, stats.heldPolls);
        maxRss = Math.max(maxRss, stats.rss);
        await sleep(500);
      }
    })();
    await Promise.all(Array.from({ length: phones }, () => phone()));
    await sampler;
    const approveSeconds = (performance.now() - approveStarted) / 1000;
    // Give the last answers their second.
    await sleep(1100);

    const latencies: number[] = [];
    let within1s = 0;
    for (const [device, at] of approvedAt) {
      const latency = device.tokensAt === undefined ? Number.POSITIVE_INFINITY : device.tokensAt - at;
      if (latency <= 1000) within1s += 1;
      if (Number.isFinite(latency)) latencies.push(Math.max(0, latency));
    }
    const s = summarise(latencies);
    const approved = approvedAt.size;
    const allWithin = approved > 0 && within1s === approved && failedApprovals === 0;
    const rssMb = Math.round((maxRss / 2 ** 20) * 10) / 10;
    const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
    const idleRssMb = mb(idleRss);
    const codesRssMb = mb(codesRss);
    const rows: Row[] = [
      { figure: 'polls held at once (server count)', value: `${held}`, target: `${count}`, pass: held >= count },
      { figure: 'lowest held count while approving', value: `${minHeldDuringApprovals}` },
      { figure: 'approved (phone pages) / failed', value: `${approved} / ${failedApprovals}` },
      { figure: 'answered within 1 s of approval', value: `${within1s} of ${approved}`, target: 'all', pass: allWithin },
      { figure: 'approval -> answer p50 / p95 / max', value: `${s.p50Ms} / ${s.p95Ms} / ${s.maxMs} ms` },
      { figure: 'server RSS: idle / codes issued / all held (peak)', value: `${idleRssMb} / ${codesRssMb} / ${rssMb} MB` },
      { figure: 'RSS per held poll (peak - codes issued)', value: `${((maxRss - codesRss) / count / 1024).toFixed(1)} kB` },
      { figure: 'time to open all polls / to approve', value: `${openSeconds.toFixed(1)} s / ${approveSeconds.toFixed(1)} s` },
      { figure: 'holds that ran out / slow_down / errors', value: `${expiredHolds} / ${slowDowns} / ${pollErrors}` },
    ];
    return {
      title: `held polls (${count} devices with Prefer: wait=${HOLD_SECONDS} on one server process, ${sample} approved through the phone pages)`,
      rows,
      json: {
        server: {
          heldPolls: {
            count: held,
            approved,
            failedApprovals,
            answeredWithin1s: within1s,
            allAnsweredWithin1s: allWithin,
            p50Ms: s.p50Ms,
            p95Ms: s.p95Ms,
            maxMs: s.maxMs,
            rssMb,
            idleRssMb,
            codesIssuedRssMb: codesRssMb,
            minHeldWhileApproving: minHeldDuringApprovals,
            holdsThatRanOut: expiredHolds,
            slowDowns,
            pollErrors,
          },
        },
      },
    };
  } finally {
    stopping = true;
    // Shutdown answers every held poll; the loops then end on their own.
    await server.stop();
    await Promise.race([Promise.allSettled(loops), unrefSleep(15_000)]);
    holdAgent.destroy();
    setupAgent.destroy();
    data.remove();
  }
}
