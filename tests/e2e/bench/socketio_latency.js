// Measures the time from the analysis script's exit to `job-completed` at a socket.io client
// (websocket transport), on loopback, with the stub analyzer writing a result of 0 rows — the
// socket.io twin of bench/sse_latency.rs. The stub stamps its exit time (wall clock, ns) as its
// last act; the client stamps the moment `job-completed` is delivered. Jobs run one at a time,
// so no job waits in the queue. A job whose `job-completed` came as the state sent on
// subscription (the job finished before the client subscribed) is not counted.
//
// Usage (from the repository root, after `cargo build --release`):
//   node tests/e2e/bench/socketio_latency.js [jobs=200]
// The server binary is $RANKMAP_BIN, or target/release/rankmap.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { connect, connected, record, repoRoot, startServer, subscribe, upload } from '../lib/server.js';

const jobs = Number(process.argv[2] ?? 200);
process.env.RANKMAP_BIN ??= join(process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target'), 'release/rankmap');

const wallNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;

const stamps = join(process.env.TMPDIR ?? '/tmp', `rankmap-sio-stamps-${process.pid}`);
mkdirSync(stamps, { recursive: true });
const server = await startServer({
  concurrency: 1,
  command: ['python3', join(repoRoot, 'tests/fixtures/stub/analyzer.py'), '--rows', '0', '--exit-stamp', stamps],
});
const socket = connect(server, { transports: ['websocket'] });
await connected(socket);

const latencies = [];
let skipped = 0;
for (let i = 0; i < jobs; i += 1) {
  const jobId = await upload(server);
  let received = null;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no job-completed for ${jobId} in 30 s`)), 30_000);
    const onCompleted = (body) => {
      if (body.jobId !== jobId) return;
      received = wallNs();
      clearTimeout(timer);
      socket.off('job-completed', onCompleted);
      resolve(body);
    };
    socket.on('job-completed', onCompleted);
    socket.on('job-failed', (body) => body.jobId === jobId && reject(new Error(JSON.stringify(body))));
  });
  const events = record(socket);
  await subscribe(socket, jobId);
  await done;
  socket.removeAllListeners('job-failed');
  socket.removeAllListeners('job-progress');
  await socket.timeout(10_000).emitWithAck('unsubscribe-job', jobId);
  const live = events.events.some((e) => e.event === 'job-progress' && e.body.jobId === jobId);
  for (const name of ['job-completed', 'job-error']) socket.removeAllListeners(name);
  if (!live) {
    skipped += 1;
    continue;
  }
  const exited = BigInt(readFileSync(join(stamps, jobId), 'utf8').trim());
  latencies.push(Number(received - exited) / 1e6);
}
socket.disconnect();
await server.stop();
rmSync(stamps, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(
  `script exit -> socket.io job-completed: ${latencies.length} jobs (${skipped} skipped: completed before subscribing)` +
    `\n  median ${pick(0.5).toFixed(2)} ms, p99 ${pick(0.99).toFixed(2)} ms, min ${latencies[0].toFixed(2)} ms, max ${latencies.at(-1).toFixed(2)} ms`,
);
