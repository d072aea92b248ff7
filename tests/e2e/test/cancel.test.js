// Cancellation (contract §1.5) of a queued and a running job, watched by socket.io and SSE
// clients at once; no process of the job may be left.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { EventSource } from 'eventsource';

import {
  connect,
  connected,
  processesMentioning,
  record,
  recordSse,
  sleep,
  startServer,
  subscribe,
  upload,
  waitForStatus,
} from '../lib/server.js';

let server;
before(async () => {
  // One slot: the first job runs (and hangs), the second waits in the queue.
  server = await startServer({ concurrency: 1, killGrace: 1 });
});
after(async () => {
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exit ${JSON.stringify(exit)}`);
});

const cancel = (jobId) => fetch(`${server.base}/api/v1/analysis/job/${jobId}`, { method: 'DELETE' });

test('cancelling a queued and a running job reaches socket.io and SSE clients, and leaves no process', { timeout: 60_000 }, async () => {
  const running = await upload(server, { hang: true, steps: [[20, 'Reading', 0]] });
  const queued = await upload(server, {});
  await waitForStatus(server, running, (b) => b.phase === 'running' && b.progress === 20);
  assert.equal((await waitForStatus(server, queued, () => true)).phase, 'queued');
  assert.ok(processesMentioning(running).length > 0, 'the running job has a process');

  const socket = connect(server);
  await connected(socket);
  const live = record(socket);
  const sources = {};
  const sse = {};
  try {
    for (const id of [running, queued]) {
      assert.deepEqual(await subscribe(socket, id), { success: true });
      sources[id] = new EventSource(`${server.base}/api/v1/analysis/job/${id}/events`);
      sse[id] = recordSse(sources[id]);
      await sse[id].until(() => sse[id].events.length > 0, `current state of ${id}`);
      assert.equal(sse[id].events[0].event, 'progress');
    }

    for (const id of [queued, running]) {
      const response = await cancel(id);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.error.code, 'cancelled');
      const failed = await live.until('job-failed', (b) => b.jobId === id);
      assert.equal(failed.error.code, 'cancelled');
      assert.equal(failed.error.message, 'Analysis cancelled');
      assert.ok(failed.version >= 1);
      await sse[id].until(() => sse[id].events.some((e) => e.event === 'failed'), `failed event of ${id}`);
      const last = sse[id].events.at(-1);
      assert.equal(last.event, 'failed');
      assert.equal(last.body.error.code, 'cancelled');
      assert.equal(last.id, failed.version, 'SSE id and socket.io version are the same version');
      const { version, ...socketBody } = failed;
      assert.deepEqual(socketBody, last.body, 'the same failed body on both channels');
    }

    // The running job's process group is gone within the kill grace.
    const deadline = Date.now() + 5_000;
    while (processesMentioning(running).length > 0) {
      assert.ok(Date.now() < deadline, `processes left: ${processesMentioning(running)}`);
      await sleep(50);
    }
    assert.deepEqual(processesMentioning(queued), [], 'the queued job never started');
    // Both SSE streams ended after their terminal event, and EventSource stopped (204).
    for (const id of [running, queued]) {
      await sse[id].until(() => sources[id].readyState === EventSource.CLOSED, `SSE of ${id} closed`, 10_000);
    }
  } finally {
    socket.disconnect();
    for (const s of Object.values(sources)) s.close();
  }
});
