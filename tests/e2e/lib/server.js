// Starts the real rankmap binary for a test file and talks to it like a client would.
//
// The binary is the one `cargo test` built: $RANKMAP_BIN, or target/debug/rankmap under
// $CARGO_TARGET_DIR or the repository. Each server gets a temporary config file (port 0, its
// own directories, the e2e stub analyzer) and is stopped with SIGTERM by `stop()`.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const stub = join(repoRoot, 'tests/fixtures/scripts/e2e_job.py');

export function binaryPath() {
  if (process.env.RANKMAP_BIN) return resolve(process.env.RANKMAP_BIN);
  const target = process.env.CARGO_TARGET_DIR
    ? resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : join(repoRoot, 'target');
  return join(target, 'debug/rankmap');
}

const toml = (value) => JSON.stringify(value);

/**
 * Starts a server. `options`: concurrency, apiKeys, maxPayload, killGrace, command (argv).
 * Resolves once it logs `listening on <addr>`.
 */
export async function startServer(options = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(`rankmap binary not found at ${bin}: run \`cargo test\` (or set RANKMAP_BIN) first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rankmap-e2e-'));
  const config = join(dir, 'rankmap.toml');
  const command = options.command ?? ['python3', stub];
  writeFileSync(
    config,
    [
      '[server]',
      'bind = "127.0.0.1:0"',
      'shutdown_grace_secs = 2',
      '[storage]',
      `uploads_dir = ${toml(join(dir, 'uploads'))}`,
      `results_dir = ${toml(join(dir, 'results'))}`,
      'min_free_bytes = 0',
      '[runner]',
      `command = ${toml(command)}`,
      `concurrency = ${options.concurrency ?? 2}`,
      `kill_grace_secs = ${options.killGrace ?? 1}`,
      '[socketio]',
      `max_payload_bytes = ${options.maxPayload ?? 16777216}`,
      '[auth]',
      `api_keys = ${toml(options.apiKeys ?? [])}`,
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['serve', '--config', config], {
    // Some tests read the log (the lagging-client warning): the filter is fixed, not RUST_LOG's.
    env: { ...process.env, RUST_LOG: process.env.E2E_RUST_LOG ?? 'warn,rankmap=info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
  const addr = await new Promise((done, fail) => {
    const lines = createInterface({ input: child.stderr });
    const timer = setTimeout(() => fail(new Error(`no "listening on" line in 10 s:\n${log.join('\n')}`)), 10_000);
    lines.on('line', (line) => {
      log.push(line);
      if (log.length > 2000) log.shift();
      const found = line.match(/listening on (\S+)/);
      if (found) {
        clearTimeout(timer);
        done(found[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`rankmap exited (${code}) before listening:\n${log.join('\n')}`));
    });
  });
  const base = `http://${addr}`;
  return {
    base,
    dir,
    child,
    log,
    exited,
    /** SIGTERM, then the exit status; the temporary directory is removed. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer;
      const status = await Promise.race([
        exited,
        new Promise((done) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            done({ code: null, signal: 'SIGKILL (stop timed out)' });
          }, 15_000);
        }),
      ]);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Uploads a job whose first line is `plan` (see e2e_job.py); resolves to its id. */
export async function upload(server, plan = {}, headers = {}) {
  const form = new FormData();
  form.append('file', new Blob([`${JSON.stringify(plan)}\nquery,clicks\nduo,1\n`]), 'Queries.csv');
  const response = await fetch(`${server.base}/api/v1/analysis/analyze-file`, {
    method: 'POST',
    body: form,
    headers,
  });
  const body = await response.json();
  if (response.status !== 202) throw new Error(`upload refused: ${response.status} ${JSON.stringify(body)}`);
  return body.jobId;
}

/** The status body of a job (GET /job/{id}). */
export async function status(server, jobId, headers = {}) {
  const response = await fetch(`${server.base}/api/v1/analysis/job/${jobId}`, { headers });
  return response.json();
}

/** Polls the status until `predicate(body)` holds (bounded; fails with the last body). */
export async function waitForStatus(server, jobId, predicate, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let body;
  for (;;) {
    body = await status(server, jobId);
    if (predicate(body)) return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} never got there: ${JSON.stringify(body)}`);
    await sleep(25);
  }
}

/** A socket.io client on the server; `options` go to `io()` (transports, auth, …). */
export function connect(server, options = {}) {
  return io(server.base, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
    ...options,
  });
}

/** Resolves when the socket is connected; rejects on `connect_error`. */
export function connected(socket, timeoutMs = 10_000) {
  if (socket.connected) return Promise.resolve(socket);
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('socket.io connection timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      done(socket);
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}

/**
 * Records every job event a socket receives, in order: {event, body}. `until(name, pred)`
 * resolves once a matching one has arrived.
 */
export function record(socket) {
  const events = [];
  const waiters = [];
  const names = ['job-progress', 'job-completed', 'job-failed', 'job-error'];
  for (const name of names) {
    socket.on(name, (body) => {
      events.push({ event: name, body });
      for (const w of [...waiters]) {
        if (w.name === name && w.predicate(body)) {
          waiters.splice(waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.done(body);
        }
      }
    });
  }
  return {
    events,
    until(name, predicate = () => true, timeoutMs = 30_000) {
      const found = events.find((e) => e.event === name && predicate(e.body));
      if (found) return Promise.resolve(found.body);
      return new Promise((done, fail) => {
        const w = { name, predicate, done };
        w.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          fail(new Error(`no ${name} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.event))}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
  };
}

/** `subscribe-job` with an ack; resolves to the ack. */
export function subscribe(socket, payload, timeoutMs = 30_000) {
  return socket.timeout(timeoutMs).emitWithAck('subscribe-job', payload);
}

/** Pids of live processes whose command line mentions `text` (e.g. a job id). */
export function processesMentioning(text) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** A path in the server's directory that a job's gate can wait for. */
export function gatePath(server, name) {
  return join(server.dir, `gate-${name}`);
}

export function openGate(path) {
  writeFileSync(path, 'open');
}

/**
 * A `fetch` for EventSource whose current response can be cut (the stream ends as if the
 * server closed it, so EventSource reconnects), and that logs each request's `Last-Event-ID`
 * and answer status.
 */
export function cuttableFetch() {
  const requests = [];
  let cutCurrent = () => {};
  const wrapped = async (url, init) => {
    const response = await fetch(url, init);
    requests.push({ lastEventId: init?.headers?.['Last-Event-ID'] ?? null, status: response.status });
    if (!response.body || response.status !== 200) return response;
    const reader = response.body.getReader();
    let cut = false;
    const body = new ReadableStream({
      start(controller) {
        cutCurrent = () => {
          if (cut) return;
          cut = true;
          controller.close();
          reader.cancel().catch(() => {});
        };
      },
      async pull(controller) {
        const { done, value } = await reader.read().catch(() => ({ done: true }));
        if (cut) return;
        if (done) {
          cut = true;
          controller.close();
        } else {
          controller.enqueue(value);
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: wrapped, requests, cut: () => cutCurrent() };
}

/** Records an EventSource's job events in order: {event, id, body}. */
export function recordSse(source) {
  const events = [];
  let opens = 0;
  source.addEventListener('open', () => {
    opens += 1;
  });
  for (const name of ['progress', 'completed', 'failed']) {
    source.addEventListener(name, (e) => events.push({ event: name, id: Number(e.lastEventId), body: JSON.parse(e.data) }));
  }
  return {
    events,
    opens: () => opens,
    async until(predicate, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`SSE: no ${what} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.event, e.id]))}`);
        await sleep(20);
      }
    },
  };
}
