// oidc-provider (a certified OpenID Connect implementation) as an
// authorization server for the end-to-end tests in
// tests/tests/real_servers.rs, with the client credentials grant enabled and
// its token endpoint at /oauth/token as tests/fixtures/authlib-api.yaml says.
//
// Beside it, on the same port:
// * /api/pets (GET needs scope read, POST scope write): a small protected API
//   that looks tokens up in the provider (401 without a valid one, 403 on a
//   missing scope);
// * /test/events?client_id=… and /test/counters: what the token endpoint and
//   the API saw; POST /test/reset (form client_id) forgets a client's events.
//
// Usage: node server.mjs [--port-file FILE] [--token-lifetime S]

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    'port-file': { type: 'string' },
    'token-lifetime': { type: 'string', default: process.env.OIDC_TOKEN_LIFETIME ?? '3600' },
  },
});

const registry = JSON.parse(readFileSync(new URL('./clients.json', import.meta.url), 'utf8'));
const clients = Object.values(registry.clients).map((client) => ({
  ...client,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
}));

const events = [];
let sequence = 0;
const record = (event) => events.push({ ...event, seq: (sequence += 1) });

// How a token request authenticated its client, as sent.
function clientAuth(ctx) {
  const params = ctx.oidc?.params ?? {};
  const authorization = ctx.headers.authorization;
  if (authorization && params.client_secret) return 'several';
  if (authorization) return 'client_secret_basic';
  if (params.client_secret) return 'client_secret_post';
  if (params.client_id) return 'none';
  return null;
}

function basicClientId(ctx) {
  const authorization = ctx.headers.authorization ?? '';
  const [kind, value] = authorization.split(' ');
  if (kind?.toLowerCase() !== 'basic' || !value) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return null;
  }
}

function tokenEvent(ctx, status, error) {
  const params = ctx.oidc?.params ?? {};
  const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
  return {
    kind: 'token',
    client_id: ctx.oidc?.client?.clientId ?? basicClientId(ctx) ?? params.client_id ?? null,
    client_auth: clientAuth(ctx),
    grant_type: params.grant_type ?? null,
    scope: params.scope ?? null,
    status,
    error: error ?? null,
    granted_scope: error ? null : body.scope ?? null,
    expires_in: error ? null : body.expires_in ?? null,
  };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    scopes: ['read', 'write'],
    routes: { token: '/oauth/token' },
    ttl: { ClientCredentials: Number(options['token-lifetime']) },
  });

  provider.on('grant.success', (ctx) => record(tokenEvent(ctx, ctx.status)));
  provider.on('grant.error', (ctx, error) => record(tokenEvent(ctx, error.statusCode ?? 500, error.error ?? 'server_error')));

  const oidc = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/test/')) {
      own(provider, req, res, url).catch((error) => {
        console.error(error);
        send(res, 500, { error: 'server_error' });
      });
    } else {
      oidc(req, res);
    }
  });

  if (options['port-file']) {
    writeFileSync(`${options['port-file']}.partial`, `${port}\n`);
    renameSync(`${options['port-file']}.partial`, options['port-file']);
  }
  console.log(`oidc-provider test server on ${issuer}`);
});

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const pets = new Map();
const seeded = () => [
  { id: 1, name: 'Rex', tag: 'dog' },
  { id: 2, name: 'Tom', tag: 'cat' },
];

// The API: a bearer token looked up in the provider, then the scope check.
async function api(provider, req, res, url) {
  const [kind, value] = (req.headers.authorization ?? '').split(' ');
  const token = kind?.toLowerCase() === 'bearer' && value
    ? await provider.ClientCredentials.find(value)
    : undefined;
  const required = req.method === 'GET' ? 'read' : 'write';
  const answer = (status, body, error) => {
    record({
      kind: 'api',
      client_id: token?.clientId ?? null,
      method: req.method,
      path: url.pathname,
      status,
      token_scope: token?.scope ?? null,
      error: error ?? null,
    });
    const headers = error ? { 'www-authenticate': `Bearer error="${error}"` } : {};
    send(res, status, body, headers);
  };
  if (!token) return answer(401, { error: 'invalid_token' }, 'invalid_token');
  if (!(token.scope ?? '').split(' ').includes(required)) {
    return answer(403, { error: 'insufficient_scope' }, 'insufficient_scope');
  }
  if (url.pathname !== '/api/pets') return answer(404, { code: 404, message: 'not found' });
  if (!pets.has(token.clientId)) pets.set(token.clientId, seeded());
  const owned = pets.get(token.clientId);
  if (req.method === 'GET') return answer(200, owned);
  if (req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      body = undefined;
    }
    if (typeof body?.name !== 'string') return answer(422, { code: 422, message: 'name is required' });
    const pet = { id: Math.max(0, ...owned.map((p) => p.id)) + 1, name: body.name };
    if (body.tag != null) pet.tag = body.tag;
    owned.push(pet);
    return answer(201, pet);
  }
  return answer(405, { code: 405, message: 'method not allowed' });
}

async function own(provider, req, res, url) {
  if (url.pathname === '/api/health') return send(res, 200, { status: 'ok' });
  if (url.pathname.startsWith('/api/')) return api(provider, req, res, url);
  if (url.pathname === '/test/events' && req.method === 'GET') {
    const clientId = url.searchParams.get('client_id');
    const chosen = events.filter((e) => e.client_id === clientId);
    return send(res, 200, {
      token_requests: chosen.filter((e) => e.kind === 'token'),
      api_requests: chosen.filter((e) => e.kind === 'api'),
    });
  }
  if (url.pathname === '/test/counters' && req.method === 'GET') {
    const report = {};
    for (const event of events) {
      const entry = report[event.client_id ?? ''] ??= { token_requests: {}, api_requests: {} };
      const [counts, key] = event.kind === 'token'
        ? [entry.token_requests, event.grant_type ?? '']
        : [entry.api_requests, String(event.status)];
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return send(res, 200, report);
  }
  if (url.pathname === '/test/reset' && req.method === 'POST') {
    const clientId = new URLSearchParams(await readBody(req)).get('client_id');
    for (let i = events.length - 1; i >= 0; i -= 1) {
      if (events[i].client_id === clientId) events.splice(i, 1);
    }
    pets.delete(clientId);
    return send(res, 204);
  }
  return send(res, 404, { error: 'not found' });
}
