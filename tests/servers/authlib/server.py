"""An in-memory OAuth2 authorization server and protected pet API, built with
Authlib and Flask, for the end-to-end tests in tests/tests/real_servers/.

* Token endpoint `POST /oauth/token`: client credentials, password and
  refresh token grants. Each client may authenticate only with the one
  method it is registered with (Authlib answers 401 `invalid_client`
  otherwise): a secret (`client_secret_basic`, `client_secret_post`) or a
  JWT signed with its private key (`private_key_jwt`, RFC 7523; the public
  key is read from the key file clients.json names, in --keys-dir).
  Refresh tokens rotate: a refresh revokes the old refresh and access
  tokens, and replaying a rotated-out refresh token revokes every token of
  that grant.
* The API under `/api` implements tests/fixtures/authlib-api.yaml and checks
  bearer tokens and scopes (401 without a valid token, 403 on a missing
  scope); `/api/keyed/pets` wants a registered API key in the `api_key`
  query parameter, `/api/token-header/pets` a token as
  `X-Auth-Token: Token <t>` (and refuses it in `Authorization`), and
  `/api/greeting` takes a bearer token or none. Pets are kept per client,
  so tests running in parallel do not see each other's.
* Test-only endpoints under `/test` report what the server saw, per client:
  `GET /test/events?client_id=…`, `GET /test/counters`, and
  `POST /test/reset` (form `client_id`) to forget a client's events, pets
  and tokens.

Clients and users come from clients.json beside this file. Plain HTTP on
loopback only: AUTHLIB_INSECURE_TRANSPORT is set to 1 here.

Usage: server.py [--port 0] [--port-file FILE] [--token-lifetime S]
                 [--short-token-lifetime S] [--fleet-token-lifetime S]
                 [--keys-dir DIR]
"""

import argparse
import copy
import hmac
import itertools
import json
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# Authlib refuses plain HTTP unless told otherwise; this server only ever
# listens on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.integrations.flask_oauth2 import (  # noqa: E402
    AuthorizationServer,
    ResourceProtector,
    current_token,
)
from authlib.oauth2.rfc6749 import (  # noqa: E402
    ClientMixin,
    InvalidClientError,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import (  # noqa: E402
    extract_basic_authorization,
    scope_to_list,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion  # noqa: E402
from authlib.oauth2.rfc6750 import (  # noqa: E402
    BearerTokenGenerator,
    BearerTokenValidator,
)
from flask import Flask, g, jsonify, request  # noqa: E402
from joserfc import jwk  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

HERE = Path(__file__).resolve().parent
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


@dataclass
class Client(ClientMixin):
    role: str
    client_id: str
    client_secret: str
    token_endpoint_auth_method: str
    grant_types: list
    scope: str
    token_lifetime: int
    # For private_key_jwt: the client's public key.
    public_key: object = None
    # For the API key of /api/keyed/pets.
    api_key: str | None = None

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        # Strict: asking for a scope the client does not have is
        # `invalid_scope` (Authlib turns None into that error) rather than a
        # silently narrower token.
        allowed = scope_to_list(self.scope)
        if not scope:
            return self.scope
        requested = scope_to_list(scope)
        if not set(requested) <= set(allowed):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        if not self.client_secret:
            return False
        return hmac.compare_digest(
            self.client_secret.encode("utf-8"), client_secret.encode("utf-8")
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint == "token" and method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


@dataclass
class Token(TokenMixin):
    access_token: str
    client_id: str
    grant_type: str
    scope: str
    issued_at: float
    expires_in: int
    username: str | None = None
    refresh_token: str | None = None
    # Tokens obtained from one primary grant and the refreshes after it.
    family: int = 0
    revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.username

    def get_client(self):
        return STORE.clients[self.client_id]


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    clients: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    by_access: dict = field(default_factory=dict)
    by_refresh: dict = field(default_factory=dict)
    pets: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    by_api_key: dict = field(default_factory=dict)
    assertion_ids: set = field(default_factory=set)
    families: itertools.count = field(default_factory=lambda: itertools.count(1))
    sequence: itertools.count = field(default_factory=lambda: itertools.count(1))

    def record(self, event):
        with self.lock:
            event["seq"] = next(self.sequence)
            self.events.append(event)

    def revoke_family(self, family):
        with self.lock:
            for token in self.by_access.values():
                if token.family == family:
                    token.revoked = True
                    token.refresh_revoked = True


STORE = Store()


def load_public_key(keys_dir, name):
    """The public half of the PKCS#8 private key `name`.pem in `keys_dir`
    (tests/servers/start writes them)."""
    if keys_dir is None:
        sys.exit(f"a client uses the key {name!r}: give --keys-dir")
    pem = (Path(keys_dir) / f"{name}.pem").read_bytes()
    key_type = {"rs": "RSA", "es": "EC"}[name[:2]]
    key = jwk.import_key(pem, key_type)
    return jwk.import_key(key.as_dict(private=False), key_type)


def load_registry(path, lifetime, short_lifetime, fleet_lifetime, keys_dir):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    lifetimes = {"default": lifetime, "short": short_lifetime, "fleet": fleet_lifetime}
    for role, spec in data["clients"].items():
        client = Client(
            role=role,
            client_id=spec["client_id"],
            client_secret=spec.get("client_secret", ""),
            token_endpoint_auth_method=spec["token_endpoint_auth_method"],
            grant_types=list(spec["grant_types"]),
            scope=spec["scope"],
            token_lifetime=lifetimes[spec["token_lifetime"]],
            public_key=load_public_key(keys_dir, spec["key"]) if "key" in spec else None,
            api_key=spec.get("api_key"),
        )
        STORE.clients[client.client_id] = client
        if client.api_key:
            STORE.by_api_key[client.api_key] = client
    for user in data["users"].values():
        STORE.users[user["username"]] = user["password"]


# --- authorization server ---------------------------------------------------


def query_client(client_id):
    return STORE.clients.get(client_id)


def save_token(token, oauth_request):
    previous = getattr(oauth_request, "refresh_token", None)
    family = previous.family if previous is not None else next(STORE.families)
    record = Token(
        access_token=token["access_token"],
        client_id=oauth_request.client.client_id,
        grant_type=oauth_request.payload.grant_type,
        scope=token.get("scope", ""),
        issued_at=time.time(),
        expires_in=token["expires_in"],
        username=oauth_request.user,
        refresh_token=token.get("refresh_token"),
        family=family,
    )
    with STORE.lock:
        STORE.by_access[record.access_token] = record
        if record.refresh_token:
            STORE.by_refresh[record.refresh_token] = record


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def authenticate_user(self, username, password):
        known = STORE.users.get(username)
        if known is not None and hmac.compare_digest(
            known.encode("utf-8"), password.encode("utf-8")
        ):
            return username
        return None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        with STORE.lock:
            token = STORE.by_refresh.get(refresh_token)
            if token is None:
                g.refresh_token_state = "unknown"
                return None
            if token.refresh_revoked:
                # A rotated-out refresh token came back: someone kept a copy.
                # Revoke everything issued from that grant.
                g.refresh_token_state = "replayed"
                STORE.revoke_family(token.family)
                return None
            g.refresh_token_state = "current"
            return token

    def authenticate_user(self, refresh_token):
        return refresh_token.username or "-"

    def revoke_old_credential(self, refresh_token):
        with STORE.lock:
            refresh_token.refresh_revoked = True
            refresh_token.revoked = True


def expires_in(client, grant_type):
    return client.token_lifetime


class PrivateKeyJWT(JWTBearerClientAssertion):
    """`private_key_jwt` (RFC 7523 §2.2): a JWT signed with the client's
    private key, for this server's token endpoint or its issuer, each `jti`
    used once."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def get_audiences(self):
        root = request.url_root.rstrip("/")
        return [f"{root}/oauth/token", root]

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            return super().process_assertion_claims(assertion, resolve_key)
        except InvalidClientError as error:
            # Why, for the events: joserfc's error code (`bad_signature`,
            # `invalid_claim`, ...) or Authlib's description.
            cause = error.__cause__
            g.error_detail = getattr(cause, "error", None) or error.description
            raise

    def validate_jti(self, claims, jti):
        key = (claims["iss"], jti)
        with STORE.lock:
            if key in STORE.assertion_ids:
                g.assertion_replayed = True
                return False
            STORE.assertion_ids.add(key)
        return True

    def resolve_client_public_key(self, client):
        if client.public_key is None:
            raise InvalidClientError(description="the client has no public key")
        return client.public_key


def create_authorization_server(app):
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(24),
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=expires_in,
        ),
    )
    server.register_client_auth_method(PrivateKeyJWT.CLIENT_AUTH_METHOD, PrivateKeyJWT())
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(PasswordGrant)
    server.register_grant(RefreshTokenGrant)
    return server


def presented_client_auth():
    """What the token request carried to authenticate the client."""
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    has_basic = basic_id is not None
    body_id = request.form.get("client_id")
    has_body_secret = "client_secret" in request.form
    has_assertion = "client_assertion" in request.form
    if has_assertion and (has_basic or has_body_secret):
        method = "several"
    elif has_assertion:
        method = "private_key_jwt"
    elif has_basic and (body_id is not None or has_body_secret):
        method = "several"
    elif has_basic:
        method = "client_secret_basic"
    elif has_body_secret:
        method = "client_secret_post"
    elif body_id is not None:
        method = "none"
    else:
        method = None
    return (basic_id if has_basic else body_id), method


# --- protected API ------------------------------------------------------------


class Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        with STORE.lock:
            token = STORE.by_access.get(token_string)
        # Kept even when expired or revoked, to attribute the API event.
        g.presented_token = token
        return token


require_oauth = ResourceProtector()
require_oauth.register_token_validator(Validator())


def seed_pets():
    return [
        {"id": 1, "name": "Rex", "tag": "dog"},
        {"id": 2, "name": "Tom", "tag": "cat"},
    ]


def pets_of(client_id):
    with STORE.lock:
        return STORE.pets.setdefault(client_id, seed_pets())


def owner_pets():
    return pets_of(current_token.client_id)


def usable_token(token_string, scope):
    """The stored token if it is current and has `scope`, else None."""
    with STORE.lock:
        token = STORE.by_access.get(token_string)
    g.presented_token = token
    if token is None or token.is_expired() or token.is_revoked():
        return None
    if scope and scope not in scope_to_list(token.scope):
        return None
    return token


def unauthorized(error, scheme="Bearer"):
    response = jsonify({"error": error})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = f'{scheme} error="{error}"'
    return response


def limited(pets):
    limit = request.args.get("limit", type=int)
    return pets if limit is None else pets[:limit]


def build_app():
    app = Flask(__name__)
    app.json.sort_keys = False
    authorization = create_authorization_server(app)

    @app.post("/oauth/token")
    def issue_token():
        client_id, method = presented_client_auth()
        g.assertion_replayed = False
        g.error_detail = None
        response = authorization.create_token_response()
        body = response.get_json(silent=True) or {}
        STORE.record(
            {
                "kind": "token",
                "client_id": client_id,
                "client_auth": method,
                "grant_type": request.form.get("grant_type"),
                "scope": request.form.get("scope"),
                "username": request.form.get("username"),
                "refresh_token_state": g.get("refresh_token_state"),
                "status": response.status_code,
                "error": body.get("error"),
                "granted_scope": body.get("scope"),
                "expires_in": body.get("expires_in"),
                "refresh_token_issued": "refresh_token" in body,
                "error_description": body.get("error_description"),
                "error_detail": g.error_detail,
                "assertion_replayed": g.assertion_replayed,
            }
        )
        return response

    @app.get("/api/health")
    def health():
        return jsonify({"status": "ok"})

    @app.get("/api/pets")
    @require_oauth("read")
    def list_pets():
        pets = owner_pets()
        limit = request.args.get("limit", type=int)
        return jsonify(pets if limit is None else pets[:limit])

    @app.post("/api/pets")
    @require_oauth("write")
    def create_pet():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            return jsonify({"code": 422, "message": "name is required"}), 422
        with STORE.lock:
            pets = owner_pets()
            pet = {"id": max((p["id"] for p in pets), default=0) + 1, "name": body["name"]}
            if body.get("tag") is not None:
                pet["tag"] = body["tag"]
            pets.append(pet)
        return jsonify(pet), 201

    @app.get("/api/pets/<int:pet_id>")
    @require_oauth("read")
    def get_pet(pet_id):
        for pet in owner_pets():
            if pet["id"] == pet_id:
                return jsonify(pet)
        return jsonify({"code": 404, "message": "no such pet"}), 404

    @app.delete("/api/pets/<int:pet_id>")
    @require_oauth(["write admin"])
    def delete_pet(pet_id):
        with STORE.lock:
            pets = owner_pets()
            kept = [pet for pet in pets if pet["id"] != pet_id]
            if len(kept) == len(pets):
                return jsonify({"code": 404, "message": "no such pet"}), 404
            pets[:] = kept
        return "", 204

    @app.get("/api/keyed/pets")
    def list_pets_with_key():
        # Only the query parameter counts: a key elsewhere is no key.
        key = request.args.get("api_key")
        with STORE.lock:
            client = STORE.by_api_key.get(key) if key else None
        g.event = {
            "client_id": client.client_id if client else None,
            "credential": "api_key" if key else None,
        }
        if client is None:
            return unauthorized("invalid_api_key", scheme="ApiKey")
        return jsonify(limited(pets_of(client.client_id)))

    @app.get("/api/token-header/pets")
    def list_pets_with_token_header():
        value = request.headers.get("X-Auth-Token", "")
        kind, _, token_string = value.partition(" ")
        # The schemes the credential headers carried, not the tokens.
        g.event = {
            "x_auth_token": kind or None,
            "authorization": request.headers.get("Authorization", "").partition(" ")[0] or None,
        }
        if kind != "Token" or not token_string:
            return unauthorized("invalid_token", scheme="Token")
        token = usable_token(token_string, "read")
        if token is None:
            return unauthorized("invalid_token", scheme="Token")
        return jsonify(pets_of(token.client_id))

    @app.get("/api/greeting")
    def greet():
        name = request.args.get("name")
        if not name:
            return jsonify({"code": 422, "message": "name is required"}), 422
        authorization = request.headers.get("Authorization")
        if authorization is None:
            g.event = {"client_id": f"anonymous:{name}", "credential": None}
            return jsonify({"greeting": f"Hello, {name}", "authenticated": False, "client_id": None})
        kind, _, token_string = authorization.partition(" ")
        token = usable_token(token_string, "read") if kind.lower() == "bearer" else None
        g.event = {"credential": "bearer"}
        if token is None:
            return unauthorized("invalid_token")
        return jsonify(
            {"greeting": f"Hello, {name}", "authenticated": True, "client_id": token.client_id}
        )

    @app.post("/api/uploads")
    def uploads():
        """Reads a multipart/form-data body with Werkzeug's parser (the
        `upload` operation of tests/fixtures/operations.yaml) and records the
        fields and files it found."""
        files = [
            {
                "name": name,
                "filename": part.filename,
                "content_type": part.content_type,
                "data": part.read().decode("latin-1"),
            }
            for name, part in request.files.items(multi=True)
        ]
        g.event = {
            "client_id": "anonymous:uploads",
            "content_type": request.mimetype,
            "form": [[name, value] for name, value in request.form.items(multi=True)],
            "files": files,
        }
        if not request.form.get("title") or "photo" not in request.files:
            return jsonify({"code": 422, "message": "title and photo are required"}), 422
        return jsonify({"id": "u-1", "files": len(files)}), 201

    @app.get("/api/me")
    @require_oauth()
    def me():
        return jsonify(
            {
                "client_id": current_token.client_id,
                "username": current_token.username,
                "scope": current_token.scope,
                "grant_type": current_token.grant_type,
            }
        )

    @app.after_request
    def record_api_call(response):
        if request.path.startswith("/api/") and request.path != "/api/health":
            token = g.get("presented_token")
            extra = dict(g.get("event", {}))
            client_id = extra.pop("client_id", None)
            if token is not None:
                client_id = token.client_id
            STORE.record(
                {
                    **extra,
                    "kind": "api",
                    "client_id": client_id,
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode("utf-8") or None,
                    "status": response.status_code,
                    "token_grant_type": token.grant_type if token else None,
                    "token_scope": token.scope if token else None,
                    "username": token.username if token else None,
                    "error": (response.get_json(silent=True) or {}).get("error")
                    if response.status_code in (401, 403)
                    else None,
                }
            )
        return response

    # --- test-only endpoints ---------------------------------------------

    @app.get("/test/events")
    def events():
        client_id = request.args.get("client_id")
        with STORE.lock:
            chosen = [copy.deepcopy(e) for e in STORE.events if e["client_id"] == client_id]
        return jsonify(
            {
                "token_requests": [e for e in chosen if e["kind"] == "token"],
                "api_requests": [e for e in chosen if e["kind"] == "api"],
            }
        )

    @app.get("/test/counters")
    def counters():
        """Token requests per client and grant type, and API requests per
        client and status."""
        report = {}
        with STORE.lock:
            for event in STORE.events:
                entry = report.setdefault(
                    event["client_id"] or "", {"token_requests": {}, "api_requests": {}}
                )
                if event["kind"] == "token":
                    key = event["grant_type"] or ""
                    entry["token_requests"][key] = entry["token_requests"].get(key, 0) + 1
                else:
                    key = str(event["status"])
                    entry["api_requests"][key] = entry["api_requests"].get(key, 0) + 1
        return jsonify(report)

    @app.post("/test/reset")
    def reset():
        client_id = request.form.get("client_id")
        # Anonymous calls are recorded as `anonymous:<name>`.
        if client_id not in STORE.clients and not (client_id or "").startswith("anonymous:"):
            return jsonify({"error": "unknown client"}), 404
        with STORE.lock:
            STORE.events[:] = [e for e in STORE.events if e["client_id"] != client_id]
            STORE.pets.pop(client_id, None)
            for token in STORE.by_access.values():
                if token.client_id == client_id:
                    token.revoked = True
                    token.refresh_revoked = True
        return "", 204

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="where to write the port once listening")
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=int(os.environ.get("AUTHLIB_TOKEN_LIFETIME", "3600")),
        help="seconds, for clients with token_lifetime 'default'",
    )
    parser.add_argument(
        "--short-token-lifetime",
        type=int,
        default=int(os.environ.get("AUTHLIB_SHORT_TOKEN_LIFETIME", "2")),
        help="seconds, for clients with token_lifetime 'short'",
    )
    parser.add_argument(
        "--fleet-token-lifetime",
        type=int,
        default=int(os.environ.get("AUTHLIB_FLEET_TOKEN_LIFETIME", "6")),
        help="seconds, for clients with token_lifetime 'fleet': long enough for a fleet "
        "of processes to make its calls, short enough to wait for its expiry",
    )
    parser.add_argument("--clients", default=str(HERE / "clients.json"))
    parser.add_argument(
        "--keys-dir", help="where the private keys clients.json names are (NAME.pem)"
    )
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("this test server listens on loopback only")

    load_registry(
        args.clients,
        args.token_lifetime,
        args.short_token_lifetime,
        args.fleet_token_lifetime,
        args.keys_dir,
    )
    server = make_server(args.host, args.port, build_app(), threaded=True)
    port = server.socket.getsockname()[1]
    if args.port_file:
        partial = f"{args.port_file}.partial"
        Path(partial).write_text(f"{port}\n", encoding="utf-8")
        os.replace(partial, args.port_file)
    print(f"authlib test server on http://{args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
