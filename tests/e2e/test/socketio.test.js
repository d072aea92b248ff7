// socket.io (contract §1.7) with the real socket.io-client against the real binary.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  connect,
  connected,
  gatePath,
  openGate,
  record,
  startServer,
  status,
  subscribe,
  upload,
  waitForStatus,
} from '../lib/server.js';

/** The status body as the socket.io event carries it: the polled body plus `version`. */
function withoutVersion(body) {
  const { version, ...rest } = body;
  assert.equal(typeof version, 'number', `no version in ${JSON.stringify(body)}`);
  return rest;
}

describe('socket.io', () => {
  let server;
  const sockets = [];
  const open = async (options) => {
    const socket = connect(server, options);
    sockets.push(socket);
    return connected(socket);
  };

  before(async () => {
    server = await startServer({ concurrency: 2, maxPayload: 2_000_000 });
  });
  after(async () => {
    for (const s of sockets) s.disconnect();
    const exit = await server.stop();
    assert.equal(exit.code, 0, `server exit ${JSON.stringify(exit)}\n${server.log.join('\n')}`);
  });

  test('the handshake announces socketio.max_payload_bytes as maxPayload', async () => {
    const response = await fetch(`${server.base}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^0\{/);
    const open = JSON.parse(text.slice(1));
    assert.equal(open.maxPayload, 2_000_000);
  });

  test('a subscriber before completion gets the current state, then progress in order, then job-completed', async () => {
    const gate = gatePath(server, 'order');
    const jobId = await upload(server, {
      gate,
      steps: [
        [10, 'Reading', 0.15],
        [50, 'Mapping keywords', 0.15],
        [90, 'Writing result', 0.05],
      ],
    });
    const socket = await open();
    const events = record(socket);
    const ack = await subscribe(socket, jobId);
    assert.deepEqual(ack, { success: true });
    // The state at subscription time came at once, before the ack.
    assert.ok(events.events.length >= 1, 'no current state on subscribe');
    assert.equal(events.events[0].event, 'job-progress');
    await waitForStatus(server, jobId, (b) => b.progress === 90);
    openGate(gate);
    const completed = await events.until('job-completed');
    const polled = await status(server, jobId);
    assert.deepEqual(withoutVersion(completed), polled);

    const seen = events.events.filter((e) => e.body.jobId === jobId);
    assert.equal(seen.at(-1).event, 'job-completed', 'completed is last');
    assert.equal(seen.filter((e) => e.event === 'job-completed').length, 1);
    for (let i = 1; i < seen.length; i += 1) {
      assert.ok(seen[i].body.version > seen[i - 1].body.version, `versions grow: ${JSON.stringify(seen.map((e) => e.body.version))}`);
      assert.ok(seen[i].body.progress >= seen[i - 1].body.progress, 'progress never goes down');
    }
    const progress = seen.filter((e) => e.event === 'job-progress').map((e) => e.body.progress);
    for (const step of [10, 50, 90]) assert.ok(progress.includes(step), `progress ${step} seen: ${progress}`);
  });

  test('a subscriber after completion gets job-completed at once ({jobId} form, with ack)', async () => {
    const jobId = await upload(server, { rows: 3 });
    const polled = await waitForStatus(server, jobId, (b) => b.status === 'completed');
    const socket = await open();
    const events = record(socket);
    assert.deepEqual(await subscribe(socket, { jobId }), { success: true });
    const completed = await events.until('job-completed');
    assert.deepEqual(withoutVersion(completed), polled);
    assert.equal(completed.onpageResults.length, 3);
    // Subscribing again sends the current state again, and is not a second subscription.
    assert.deepEqual(await subscribe(socket, jobId), { success: true });
    await events.until('job-completed', () => events.events.length === 2);
  });

  test('a subscriber without an ack still gets the state', async () => {
    const jobId = await upload(server, {});
    await waitForStatus(server, jobId, (b) => b.status === 'completed');
    const socket = await open();
    const events = record(socket);
    socket.emit('subscribe-job', jobId);
    const completed = await events.until('job-completed');
    assert.equal(completed.jobId, jobId);
  });

  test('malformed, unknown and expired ids answer job-error with the error envelope', async () => {
    const socket = await open();
    const events = record(socket);
    const cases = [
      ['not-a-job', 'invalid_job_id'],
      [{ id: 'job_1' }, 'invalid_job_id'],
      [`job_${Date.now()}_0123456789abcdef`, 'job_not_found'],
      ['job_1000000000000_0123456789abcdef', 'job_expired'],
    ];
    for (const [i, [payload, code]] of cases.entries()) {
      const ack = await subscribe(socket, payload);
      assert.equal(ack.success, false, JSON.stringify(ack));
      assert.equal(ack.error.code, code, JSON.stringify(ack));
      assert.equal(typeof ack.error.message, 'string');
      assert.ok('details' in ack.error);
      assert.equal(ack.jobId, typeof payload === 'string' ? payload : null);
      // The event was emitted before the ack.
      assert.deepEqual(events.events[i], { event: 'job-error', body: ack });
    }
    assert.equal(events.events.filter((e) => e.event !== 'job-error').length, 0);
  });

  test('a purged job is unknown to later subscribers, even while others still follow it', async () => {
    const jobId = await upload(server, {});
    await waitForStatus(server, jobId, (b) => b.status === 'completed');
    const follower = await open();
    const followed = record(follower);
    await subscribe(follower, jobId);
    await followed.until('job-completed');
    const purge = await fetch(`${server.base}/api/v1/analysis/job/${jobId}?purge=true`, { method: 'DELETE' });
    assert.equal(purge.status, 200);
    const late = await open();
    const events = record(late);
    const ack = await subscribe(late, jobId);
    assert.equal(ack.error?.code, 'job_not_found', JSON.stringify(ack));
    assert.deepEqual(events.events.map((e) => e.event), ['job-error']);
  });

  test('unsubscribe-job stops the events of that job', async () => {
    const gate = gatePath(server, 'unsubscribe');
    const jobId = await upload(server, { gate });
    const socket = await open();
    const events = record(socket);
    await subscribe(socket, jobId);
    await events.until('job-progress');
    const ack = await socket.timeout(30_000).emitWithAck('unsubscribe-job', jobId);
    assert.deepEqual(ack, { success: true });
    // Leaving a room it is not in is a no-op.
    assert.deepEqual(await socket.timeout(30_000).emitWithAck('unsubscribe-job', { jobId }), { success: true });
    openGate(gate);
    await waitForStatus(server, jobId, (b) => b.status === 'completed');
    // A second socket that still follows it sees the end; the first never does.
    const other = await open();
    const otherEvents = record(other);
    await subscribe(other, jobId);
    await otherEvents.until('job-completed');
    assert.equal(events.events.filter((e) => e.event === 'job-completed').length, 0);
  });

  test('the polling transport delivers the same events', async () => {
    const gate = gatePath(server, 'polling');
    const jobId = await upload(server, { gate, steps: [[40, 'Halfway', 0]] });
    const socket = await open({ transports: ['polling'] });
    assert.equal(socket.io.engine.transport.name, 'polling');
    const events = record(socket);
    assert.deepEqual(await subscribe(socket, jobId), { success: true });
    await events.until('job-progress');
    openGate(gate);
    const completed = await events.until('job-completed');
    assert.deepEqual(withoutVersion(completed), await status(server, jobId));
  });

  test('a socket whose buffer is full is a lagging client: it gets the current state once it drains', { timeout: 60_000 }, async () => {
    // A completed job with a large body to flood the socket with, and a job to follow.
    const big = await upload(server, { rows: 1000 });
    await waitForStatus(server, big, (b) => b.status === 'completed');
    const gate = gatePath(server, 'lagging');
    const followed = await upload(server, { gate, steps: [[10, 'Reading', 0]] });
    await waitForStatus(server, followed, (b) => b.progress === 10);
    const socket = await open();
    const events = record(socket);
    assert.deepEqual(await subscribe(socket, followed), { success: true });
    // Stop reading: the server's writes block, then the socket's packet buffer fills.
    const tcp = socket.io.engine.transport.ws._socket;
    tcp.pause();
    for (let i = 0; i < 400; i += 1) socket.emit('subscribe-job', big);
    await new Promise((done) => setTimeout(done, 1000));
    // The followed job completes while the socket cannot take it.
    openGate(gate);
    await waitForStatus(server, followed, (b) => b.status === 'completed');
    await new Promise((done) => setTimeout(done, 300));
    tcp.resume();
    const completed = await events.until('job-completed', (b) => b.jobId === followed, 30_000);
    assert.equal(completed.status, 'completed');
    assert.ok(socket.connected, 'the lagging socket is still connected');
    const floods = events.events.filter((e) => e.body.jobId === big).length;
    assert.ok(floods < 400, `some of the repeated states were dropped (${floods} of 400 arrived)`);
    assert.ok(
      server.log.some((l) => l.includes('socket.io clients lagging') && l.includes(followed)),
      'the server treated the socket as lagging when the followed job completed',
    );
  });

  test('500 websocket subscribers of one job all receive job-completed', { timeout: 120_000 }, async () => {
    const gate = gatePath(server, 'crowd');
    const jobId = await upload(server, { gate });
    const crowd = [];
    for (let i = 0; i < 500; i += 1) {
      const socket = connect(server, { transports: ['websocket'] });
      sockets.push(socket);
      crowd.push(socket);
    }
    await Promise.all(crowd.map((s) => connected(s, 60_000)));
    const recorders = crowd.map((s) => record(s));
    const acks = await Promise.all(crowd.map((s) => subscribe(s, jobId, 60_000)));
    assert.ok(acks.every((a) => a.success === true), 'every subscription acknowledged');
    assert.ok(
      recorders.every((r) => r.events[0]?.event === 'job-progress'),
      'every subscriber got the current state first',
    );
    openGate(gate);
    const completed = await Promise.all(recorders.map((r) => r.until('job-completed', () => true, 60_000)));
    const versions = new Set(completed.map((c) => c.version));
    assert.equal(versions.size, 1, 'one completed body for all');
    assert.equal(completed.length, 500);
    for (const s of crowd) s.disconnect();
  });
});

describe('socket.io subscription limit', () => {
  let server;
  before(async () => {
    server = await startServer({ concurrency: 1 });
  });
  after(async () => {
    const exit = await server.stop();
    assert.equal(exit.code, 0, `server exit ${JSON.stringify(exit)}`);
  });

  test('a socket follows at most 100 jobs', async () => {
    // One slot, taken by a job that hangs: the 101 jobs stay queued and cost nothing.
    await upload(server, { hang: true });
    const ids = [];
    for (let i = 0; i < 101; i += 1) ids.push(await upload(server, {}));
    const socket = await connected(connect(server));
    record(socket);
    for (const id of ids.slice(0, 100)) {
      assert.deepEqual(await subscribe(socket, id), { success: true });
    }
    const refused = await subscribe(socket, ids[100]);
    assert.equal(refused.success, false);
    assert.equal(refused.error.code, 'invalid_request');
    assert.match(refused.error.message, /Too many subscriptions/);
    // Leaving one makes room.
    await socket.timeout(30_000).emitWithAck('unsubscribe-job', ids[0]);
    assert.deepEqual(await subscribe(socket, ids[100]), { success: true });
    socket.disconnect();
  });

});

describe('socket.io with auth on', () => {
  let server;
  before(async () => {
    server = await startServer({ apiKeys: ['k-e2e-1'] });
  });
  after(async () => {
    await server.stop();
  });

  test('a connection without the token or with a wrong one is refused with connect_error unauthorized', async () => {
    for (const auth of [undefined, { token: 'wrong' }, { key: 'k-e2e-1' }]) {
      const socket = connect(server, auth ? { auth } : {});
      await assert.rejects(connected(socket), (e) => {
        assert.equal(e.message, 'unauthorized');
        assert.deepEqual(e.data ?? null, null);
        return true;
      });
      socket.disconnect();
    }
  });

  test('a connection with a valid token in its auth payload subscribes', async () => {
    const jobId = await upload(server, {}, { authorization: 'Bearer k-e2e-1' });
    const socket = connect(server, { auth: { token: 'k-e2e-1' } });
    await connected(socket);
    const events = record(socket);
    assert.deepEqual(await subscribe(socket, jobId), { success: true });
    const completed = await events.until('job-completed');
    assert.equal(completed.jobId, jobId);
    socket.disconnect();
  });
});
