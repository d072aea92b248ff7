// Measures the server's memory per idle live connection: its RSS (VmRSS) before and after
// opening 1,000 SSE streams, then 1,000 socket.io websocket connections, all following one
// running job that does not change (so every connection is idle once it has the current state).
// Each round starts a fresh server; the figures are per connection, median over the rounds.
//
// Usage (from the repository root, after `cargo build --release`; needs ~2,100 file descriptors
// in this process, and the server inherits the limit):
//   node tests/e2e/bench/idle_memory.js [connections=1000] [rounds=3]
// The server binary is $RANKMAP_BIN, or target/release/rankmap.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { connect, connected, repoRoot, sleep, startServer, subscribe, upload, waitForStatus } from '../lib/server.js';

const count = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
process.env.RANKMAP_BIN ??= join(process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target'), 'release/rankmap');

const rssKb = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

/** RSS once it stops moving (two equal readings 500 ms apart, at most 5 s). */
async function settledRss(pid) {
  let last = rssKb(pid);
  for (let i = 0; i < 10; i += 1) {
    await sleep(500);
    const now = rssKb(pid);
    if (now === last) break;
    last = now;
  }
  return last;
}

/** Opens one SSE stream; resolves once its first event (the current state) arrived. */
function openSse(server, jobId, agent) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.base}/api/v1/analysis/job/${jobId}/events`, { agent }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`SSE answered ${response.statusCode}`));
      let text = '';
      const onData = (chunk) => {
        text += chunk;
        if (text.includes('event: progress')) {
          response.off('data', onData);
          response.resume();
          resolve(request);
        }
      };
      response.setEncoding('utf8');
      response.on('data', onData);
    });
    request.on('error', reject);
  });
}

async function round() {
  const server = await startServer({ concurrency: 1 });
  const pid = server.child.pid;
  const jobId = await upload(server, { hang: true, steps: [[10, 'Idle', 0]] });
  await waitForStatus(server, jobId, (b) => b.progress === 10);
  const base = await settledRss(pid);

  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams = [];
  for (let i = 0; i < count; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 100); j += 1) batch.push(openSse(server, jobId, agent));
    streams.push(...(await Promise.all(batch)));
  }
  const withSse = await settledRss(pid);

  const sockets = [];
  for (let i = 0; i < count; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 100); j += 1) {
      const socket = connect(server, { transports: ['websocket'] });
      sockets.push(socket);
      batch.push(connected(socket, 60_000).then(() => subscribe(socket, jobId, 60_000)));
    }
    const acks = await Promise.all(batch);
    if (!acks.every((a) => a.success)) throw new Error('a subscription was refused');
  }
  const withSocketIo = await settledRss(pid);

  for (const s of sockets) s.disconnect();
  for (const r of streams) r.destroy();
  await server.stop();
  return {
    baseMb: base / 1024,
    sseKb: (withSse - base) / count,
    socketIoKb: (withSocketIo - withSse) / count,
  };
}

const results = [];
for (let r = 0; r < rounds; r += 1) {
  const result = await round();
  results.push(result);
  console.log(
    `round ${r + 1}: base ${result.baseMb.toFixed(1)} MB; per idle SSE stream ${result.sseKb.toFixed(1)} kB; ` +
      `per idle socket.io connection (websocket, subscribed) ${result.socketIoKb.toFixed(1)} kB`,
  );
}
const median = (key) => {
  const values = results.map((r) => r[key]).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
};
console.log(
  `median of ${rounds} rounds, ${count} connections each: SSE ${median('sseKb').toFixed(1)} kB, ` +
    `socket.io ${median('socketIoKb').toFixed(1)} kB per idle connection (base RSS ${median('baseMb').toFixed(1)} MB)`,
);
