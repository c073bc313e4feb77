// Prism (Stoplight's validating mock server) serving a mock of an OpenAPI
// document, for the end-to-end tests in tests/tests/real_servers/. Prism
// checks every request against the document: the credentials an operation's
// security requires are present (401 without), parameters and bodies are
// valid (422 otherwise); it answers with responses generated from the
// document.
//
// Prism runs in this process on an internal loopback port; the port the
// tests use is a small recording proxy in front of it, which adds:
// * /test/events?client_id=…: the requests Prism saw, with its status and
//   the violations it reported (its `sl-violations` header), keyed by the
//   `x-e2e-client` header the test sends;
// * POST /test/reset (form client_id), GET /test/health.
//
// Usage: node server.mjs --document FILE [--port-file FILE]

import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { getHttpOperationsFromSpec } = require('@stoplight/prism-http');
const { createServer: createPrismServer } = require('@stoplight/prism-http-server');
const { createLogger } = require('@stoplight/prism-core');

const { values: options } = parseArgs({
  options: {
    document: { type: 'string' },
    'port-file': { type: 'string' },
  },
});
if (!options.document) {
  console.error('usage: node server.mjs --document FILE [--port-file FILE]');
  process.exit(2);
}

const operations = await getHttpOperationsFromSpec(options.document);
if (operations.length === 0) throw new Error(`no operations in ${options.document}`);
const prism = createPrismServer(operations, {
  cors: false,
  config: {
    isProxy: false,
    validateRequest: true,
    validateResponse: true,
    checkSecurity: true,
    errors: false,
    upstreamProxy: undefined,
    mock: { dynamic: false },
  },
  components: { logger: createLogger('PRISM', { level: 'warn' }) },
});
const inner = new URL(await prism.listen(0, '127.0.0.1'));

const events = [];
let sequence = 0;

function send(res, status, body) {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// What Prism found wrong with a request or its own response: the
// `sl-violations` header of a mocked response, or the `validation` member
// of the problem document it answers an invalid request with.
function violations(response, data) {
  let found = [];
  try {
    const header = response.headers['sl-violations'];
    if (header) found = JSON.parse(header);
    else if ((response.headers['content-type'] ?? '').startsWith('application/problem+json')) {
      found = JSON.parse(data.toString('utf8')).validation ?? [];
    }
  } catch {
    return [{ location: '', code: 'unparsed', message: 'unreadable violations', severity: 'Error' }];
  }
  return found.map(({ location, code, message, severity }) => ({
    location: (location ?? []).join('.'),
    code: code ?? null,
    message,
    severity,
  }));
}

// Forwards a request to Prism and records what it made of it.
async function forward(req, res, url) {
  const body = await readBody(req);
  const headers = { ...req.headers, host: inner.host };
  delete headers.connection;
  delete headers['transfer-encoding'];
  if (body.length > 0 || req.headers['content-length'] !== undefined) {
    headers['content-length'] = String(body.length);
  }
  const answer = await new Promise((resolve, reject) => {
    const request = http.request(
      { host: inner.hostname, port: inner.port, method: req.method, path: req.url, headers },
      (response) => {
        readBody(response).then((data) => resolve({ response, data }), reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  const { response, data } = answer;
  const authorization = req.headers.authorization?.split(' ')[0] ?? null;
  events.push({
    kind: 'api',
    client_id: req.headers['x-e2e-client'] ?? null,
    method: req.method,
    path: url.pathname,
    query: url.search ? url.search.slice(1) : null,
    cookie: req.headers.cookie ?? null,
    content_type: req.headers['content-type'] ?? null,
    status: response.statusCode,
    authorization,
    violations: violations(response, data),
    seq: (sequence += 1),
  });
  const outHeaders = { ...response.headers };
  delete outHeaders.connection;
  delete outHeaders['transfer-encoding'];
  outHeaders['content-length'] = String(data.length);
  res.writeHead(response.statusCode, outHeaders);
  res.end(data);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/test/health') return send(res, 200, { status: 'ok' });
  if (url.pathname === '/test/events' && req.method === 'GET') {
    const clientId = url.searchParams.get('client_id');
    return send(res, 200, {
      token_requests: [],
      api_requests: events.filter((e) => e.client_id === clientId),
    });
  }
  if (url.pathname === '/test/reset' && req.method === 'POST') {
    const clientId = new URLSearchParams((await readBody(req)).toString('utf8')).get('client_id');
    for (let i = events.length - 1; i >= 0; i -= 1) {
      if (events[i].client_id === clientId) events.splice(i, 1);
    }
    return send(res, 204);
  }
  return forward(req, res, url);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    if (!res.headersSent) send(res, 502, { error: String(error) });
    else res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  if (options['port-file']) {
    writeFileSync(`${options['port-file']}.partial`, `${port}\n`);
    renameSync(`${options['port-file']}.partial`, options['port-file']);
  }
  console.log(`prism mock of ${options.document} on http://127.0.0.1:${port} (prism itself on ${inner.host})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    prism.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
