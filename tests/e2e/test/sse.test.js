// Server-Sent Events (contract §1.6) with the `eventsource` package, as a browser would use it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { EventSource } from 'eventsource';

import { cuttableFetch, gatePath, openGate, recordSse, startServer, upload, waitForStatus } from '../lib/server.js';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  const exit = await server.stop();
  assert.equal(exit.code, 0, `server exit ${JSON.stringify(exit)}`);
});

test('EventSource reconnects with Last-Event-ID: nothing repeated, the newer state first, then 204', { timeout: 60_000 }, async () => {
  const gate = gatePath(server, 'sse');
  const jobId = await upload(server, { gate, steps: [[30, 'Reading', 0]] });
  await waitForStatus(server, jobId, (b) => b.progress === 30);
  const wire = cuttableFetch();
  const source = new EventSource(`${server.base}/api/v1/analysis/job/${jobId}/events`, { fetch: wire.fetch });
  try {
    const sse = recordSse(source);
    await sse.until(() => sse.events.length === 1, 'current state');
    const first = sse.events[0];
    assert.equal(first.event, 'progress');
    assert.equal(first.body.progress, 30);

    // 1. Cut while nothing changes: the reconnection names the version it has, and gets no repeat.
    wire.cut();
    await sse.until(() => sse.opens() === 2, 'reconnection', 10_000);
    assert.equal(wire.requests[1].lastEventId, String(first.id));
    await new Promise((done) => setTimeout(done, 300));
    assert.equal(sse.events.length, 1, 'nothing repeated after reconnecting');

    // 2. Cut, then the job completes while the client is away: it gets the newer state first.
    wire.cut();
    openGate(gate);
    const polled = await waitForStatus(server, jobId, (b) => b.status === 'completed');
    await sse.until(() => sse.events.length === 2, 'completed after reconnecting', 10_000);
    assert.equal(wire.requests[2].lastEventId, String(first.id));
    const completed = sse.events[1];
    assert.equal(completed.event, 'completed');
    assert.ok(completed.id > first.id);
    assert.deepEqual(completed.body, polled);

    // 3. The stream ended after the terminal event; the next reconnection gets 204 and stops.
    await sse.until(() => source.readyState === EventSource.CLOSED, 'closed EventSource', 10_000);
    assert.deepEqual(wire.requests.at(-1), { lastEventId: String(completed.id), status: 204 });
    assert.equal(sse.events.length, 2);
  } finally {
    source.close();
  }
});

test('an old Last-Event-ID gets the current state first', async () => {
  const jobId = await upload(server, {});
  const polled = await waitForStatus(server, jobId, (b) => b.status === 'completed');
  const response = await fetch(`${server.base}/api/v1/analysis/job/${jobId}/events`, {
    headers: { 'Last-Event-ID': '1' },
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /^retry: 3000\n/);
  const data = text.split('\n').find((l) => l.startsWith('data: '));
  assert.deepEqual(JSON.parse(data.slice(6)), polled);
  assert.match(text, /event: completed\n/);
});
