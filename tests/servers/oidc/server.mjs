// oidc-provider (a certified OpenID Connect implementation) as an
// authorization server for the end-to-end tests in
// tests/tests/real_servers/, its token endpoint at /oauth/token as
// tests/fixtures/authlib-api.yaml says. Enabled: the client credentials
// grant; the authorization code grant (PKCE required for every client) with
// the development interactions, which tests drive over HTTP; the device flow
// (RFC 8628); refresh tokens, issued with offline_access and rotated on
// every use (a rotated-out one coming back revokes its grant); client
// authentication with a secret, none, or private_key_jwt (the public key
// from the PKCS#8 key clients.json names, in --keys-dir); discovery.
//
// Beside it, on the same port:
// * /api/pets (GET needs scope read, POST scope write): a small protected API
//   that looks tokens up in the provider (401 without a valid one, 403 on a
//   missing scope);
// * /test/events?client_id=… and /test/counters: what the token, device
//   authorization and authorization endpoints and the API saw (discovery
//   requests are recorded as client `(discovery)`); POST /test/reset (form
//   client_id) forgets a client's events.
//
// Usage: node server.mjs [--port-file FILE] [--token-lifetime S] [--keys-dir DIR]

import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    'port-file': { type: 'string' },
    'token-lifetime': { type: 'string', default: process.env.OIDC_TOKEN_LIFETIME ?? '3600' },
    'keys-dir': { type: 'string' },
  },
});

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

// The public JWK of the PKCS#8 key `name`.pem that tests/servers/start wrote.
function publicJwk(name) {
  if (!options['keys-dir']) throw new Error(`a client uses the key ${name}: give --keys-dir`);
  const pem = readFileSync(join(options['keys-dir'], `${name}.pem`), 'utf8');
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  return { ...jwk, use: 'sig', alg: jwk.kty === 'RSA' ? 'RS256' : 'ES256' };
}

const registry = JSON.parse(readFileSync(new URL('./clients.json', import.meta.url), 'utf8'));
const clients = Object.values(registry.clients).map(({ key, ...client }) => ({
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  ...client,
  ...(key ? { jwks: { keys: [publicJwk(key)] } } : {}),
}));

const events = [];
let sequence = 0;
const record = (event) => events.push({ ...event, seq: (sequence += 1) });

// A short, one-way fingerprint of a token, to compare tokens in events
// without showing them.
const fingerprint = (token) => (token ? createHash('sha256').update(token).digest('hex').slice(0, 12) : null);

// How a token request authenticated its client, as sent.
function clientAuth(ctx) {
  const params = ctx.oidc?.params ?? {};
  const authorization = ctx.headers.authorization;
  const assertion = params.client_assertion;
  if ((authorization || assertion) && params.client_secret) return 'several';
  if (authorization && assertion) return 'several';
  if (assertion) return 'private_key_jwt';
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

function refreshTokenState(params, error) {
  if (params.grant_type !== 'refresh_token') return null;
  if (!error) return 'current';
  if (error.error_detail === 'refresh token already used') return 'replayed';
  if (error.error_detail === 'refresh token not found') return 'unknown';
  return 'refused';
}

function tokenEvent(ctx, status, error) {
  const params = ctx.oidc?.params ?? {};
  const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
  return {
    kind: 'token',
    endpoint: 'token',
    client_id: ctx.oidc?.client?.clientId ?? basicClientId(ctx) ?? params.client_id ?? null,
    client_auth: clientAuth(ctx),
    grant_type: params.grant_type ?? null,
    scope: params.scope ?? null,
    code_verifier_sent: params.grant_type === 'authorization_code' ? Boolean(params.code_verifier) : null,
    status,
    error: error?.error ?? null,
    error_description: error?.error_description ?? null,
    // What oidc-provider logs but does not send: why it refused.
    error_detail: error?.error_detail ?? null,
    granted_scope: error ? null : body.scope ?? null,
    expires_in: error ? null : body.expires_in ?? null,
    refresh_token_state: refreshTokenState(params, error),
    refresh_token_presented: fingerprint(params.refresh_token),
    refresh_token_issued: error ? null : fingerprint(body.refresh_token),
    rotated: params.grant_type === 'refresh_token' && !error
      ? Boolean(ctx.oidc?.entities?.RotatedRefreshToken)
      : null,
  };
}

function deviceEvent(ctx, status, error) {
  const params = ctx.oidc?.params ?? {};
  return {
    kind: 'token',
    endpoint: 'device_authorization',
    client_id: ctx.oidc?.client?.clientId ?? params.client_id ?? null,
    client_auth: clientAuth(ctx),
    grant_type: null,
    scope: params.scope ?? null,
    status,
    error: error?.error ?? null,
    error_description: error?.error_description ?? null,
  };
}

// An authorization request that ended in a redirect to the client.
function authorizationEvent(ctx, error) {
  const params = ctx.oidc?.params ?? {};
  return {
    kind: 'authorization',
    client_id: ctx.oidc?.client?.clientId ?? params.client_id ?? null,
    route: ctx.oidc?.route ?? null,
    response_type: params.response_type ?? null,
    scope: params.scope ?? null,
    prompt: params.prompt ?? null,
    state_sent: params.state ? true : null,
    code_challenge_method: params.code_challenge_method ?? null,
    redirect_uri: params.redirect_uri ?? null,
    account_id: ctx.oidc?.session?.accountId ?? null,
    error: error?.error ?? null,
    error_description: error?.error_description ?? null,
  };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // Test-only: the cookies of the development interactions.
    cookies: { keys: ['e2e-oidc-provider-test-only-cookie-key'] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    scopes: ['openid', 'offline_access', 'read', 'write'],
    routes: { token: '/oauth/token' },
    ttl: { ClientCredentials: Number(options['token-lifetime']) },
  });

  provider.on('grant.success', (ctx) => record(tokenEvent(ctx, ctx.status)));
  provider.on('grant.error', (ctx, error) => record(tokenEvent(ctx, error.statusCode ?? 500, error)));
  provider.on('device_authorization.success', (ctx) => record(deviceEvent(ctx, ctx.status)));
  provider.on('device_authorization.error', (ctx, error) => record(deviceEvent(ctx, error.statusCode ?? 500, error)));
  provider.on('authorization.success', (ctx) => record(authorizationEvent(ctx)));
  provider.on('authorization.error', (ctx, error) => record(authorizationEvent(ctx, error)));
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path.startsWith('/.well-known/')) {
      record({ kind: 'discovery', client_id: '(discovery)', path: ctx.path, status: ctx.status });
    }
  });

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

// A current access token: from a user's grant (code, device, refresh) or
// the client credentials grant.
async function findToken(provider, value) {
  return (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
}

// The API: a bearer token looked up in the provider, then the scope check.
async function api(provider, req, res, url) {
  const [kind, value] = (req.headers.authorization ?? '').split(' ');
  const token = kind?.toLowerCase() === 'bearer' && value ? await findToken(provider, value) : undefined;
  const required = req.method === 'GET' ? 'read' : 'write';
  const answer = (status, body, error) => {
    record({
      kind: 'api',
      client_id: token?.clientId ?? null,
      method: req.method,
      path: url.pathname,
      status,
      token_scope: token?.scope ?? null,
      token_grant_type: token ? (token.gty ?? 'client_credentials') : null,
      account_id: token?.accountId ?? null,
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
  if (req.method === 'GET') {
    const limit = url.searchParams.get('limit');
    return answer(200, limit === null ? owned : owned.slice(0, Number(limit)));
  }
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
      authorization_requests: chosen.filter((e) => e.kind === 'authorization'),
      discovery_requests: chosen.filter((e) => e.kind === 'discovery'),
    });
  }
  if (url.pathname === '/test/counters' && req.method === 'GET') {
    const report = {};
    for (const event of events) {
      const entry = report[event.client_id ?? ''] ??= { token_requests: {}, api_requests: {} };
      if (event.kind === 'token') {
        const key = event.grant_type ?? event.endpoint;
        entry.token_requests[key] = (entry.token_requests[key] ?? 0) + 1;
      } else if (event.kind === 'api') {
        const key = String(event.status);
        entry.api_requests[key] = (entry.api_requests[key] ?? 0) + 1;
      }
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
