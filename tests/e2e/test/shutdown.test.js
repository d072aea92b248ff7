// Graceful shutdown (contract §6) as a socket.io client sees it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { connect, connected, record, startServer, subscribe, upload, waitForStatus } from '../lib/server.js';

test('SIGTERM: a running job fails with shutdown at the grace, then socket.io connections close and the server exits 0', { timeout: 60_000 }, async () => {
  const server = await startServer({ concurrency: 1 });
  const jobId = await upload(server, { hang: true });
  await waitForStatus(server, jobId, (b) => b.phase === 'running');
  const sockets = [connect(server), connect(server, { transports: ['polling'] })];
  try {
    await Promise.all(sockets.map((s) => connected(s)));
    const live = sockets.map((s) => record(s));
    for (const s of sockets) assert.deepEqual(await subscribe(s, jobId), { success: true });
    const disconnects = sockets.map((s) => new Promise((done) => s.on('disconnect', done)));
    const signalled = Date.now();
    const exit = server.stop();
    for (const l of live) {
      const failed = await l.until('job-failed', () => true, 15_000).catch((e) => {
        throw new Error(`${e.message}\n${server.log.join('\n')}`);
      });
      assert.equal(failed.error.code, 'shutdown');
    }
    await Promise.all(disconnects);
    const status = await exit;
    assert.equal(status.code, 0, JSON.stringify(status));
    // shutdown_grace_secs (2) + kill_grace_secs (1) + 5
    assert.ok(Date.now() - signalled < 8_000, `took ${Date.now() - signalled} ms`);
  } finally {
    for (const s of sockets) s.disconnect();
  }
});
