//! The real servers of the end-to-end tests, started by `servers/start`:
//! a [`Peer`] for each (Authlib, oidc-provider, Prism), the clients
//! registered with them, and what they recorded of each client's requests.
//!
//! The servers' base URLs (and Redis's, [`Redis`]) come from the file
//! `E2E_SERVERS` names, which `scripts/test` sets. Without it [`Peer::connect`] says the test skipped,
//! except in CI (`CI=true`), where it fails the test.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use runtime::auth::{ClientAuthMethod, OAuth2};
use runtime::clock::ManualClock;
use runtime::SigningKey;
use serde_json::Value;

use crate::authlib_api::{auth, types, Client};
use crate::{skip_outside_ci, workspace_root};

/// A test server of this run.
pub struct Peer {
    /// `authlib`, `oidc` or `prism`: its folder under `servers/`.
    pub name: &'static str,
    /// Its base URL.
    pub url: String,
    /// A plain HTTP client, for requests made by hand.
    pub http: runtime::reqwest::Client,
    /// Where `servers/start` wrote the test-only private keys.
    keys: Option<PathBuf>,
}

/// A client registered in `servers/<peer>/clients.json`.
pub struct Registered {
    /// Its client id.
    pub id: String,
    /// Empty for clients without a secret.
    pub secret: String,
    /// Everything clients.json says of it.
    pub spec: Value,
}

impl Registered {
    /// The first redirect URI it registered.
    pub fn redirect_uri(&self) -> String {
        self.spec["redirect_uris"][0].as_str().unwrap().to_owned()
    }
}

/// What the server recorded for one client, oldest first.
pub struct Events {
    /// Token (and device authorization) requests.
    pub tokens: Vec<Value>,
    /// Calls of the protected API.
    pub api: Vec<Value>,
    /// Authorization requests that ended in a redirect to the client.
    pub authorizations: Vec<Value>,
    /// Requests for authorization server metadata.
    pub discovery: Vec<Value>,
}

/// The clients (and users) registered with the server in `servers/<peer>/`.
fn registry(peer: &str) -> Value {
    let path = workspace_root().join(format!("tests/servers/{peer}/clients.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("clients.json is JSON")
}

/// The user name and password of the resource owner of the password grant.
pub fn alice() -> (String, String) {
    let registry = registry("authlib");
    let user = &registry["users"]["alice"];
    (
        user["username"].as_str().unwrap().to_owned(),
        user["password"].as_str().unwrap().to_owned(),
    )
}

/// Only `fields` of each event, to compare with `json!` literals.
pub fn pick(events: &[Value], fields: &[&str]) -> Vec<Value> {
    events
        .iter()
        .map(|event| {
            let picked: serde_json::Map<String, Value> = fields
                .iter()
                .map(|field| ((*field).to_owned(), event[*field].clone()))
                .collect();
            Value::Object(picked)
        })
        .collect()
}

/// The HTTP status of each event.
pub fn statuses(events: &[Value]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect()
}

impl Peer {
    /// The Authlib server.
    pub fn authlib() -> Option<Peer> {
        Peer::connect("authlib", "AUTHLIB_URL")
    }

    /// The oidc-provider server.
    pub fn oidc() -> Option<Peer> {
        Peer::connect("oidc", "OIDC_URL")
    }

    /// Prism, mocking `fixtures/authlib-api.yaml`.
    pub fn prism() -> Option<Peer> {
        Peer::connect("prism", "PRISM_URL")
    }

    /// Prism, mocking `fixtures/operations.yaml`.
    pub fn prism_operations() -> Option<Peer> {
        Peer::connect("prism", "PRISM_OPERATIONS_URL")
    }

    /// The running server, or `None` (the test then returns) when none was
    /// started outside CI.
    pub fn connect(name: &'static str, variable: &str) -> Option<Peer> {
        let skip = |why: String| {
            skip_outside_ci(
                &why,
                "CI runs the tests through scripts/test, which starts the servers",
                "run scripts/test, or tests/servers/start and \
                 E2E_SERVERS=target/e2e-servers.env cargo test",
            )
        };
        let (path, vars) = match servers_file() {
            Ok(found) => found,
            Err(why) => return skip(why),
        };
        let url = vars
            .get(variable)
            .unwrap_or_else(|| panic!("{} has no {variable}", path.display()));
        Some(Peer {
            name,
            url: url.clone(),
            http: runtime::reqwest::Client::new(),
            keys: vars.get("E2E_KEYS").map(PathBuf::from),
        })
    }

    /// The id and secret of the client registered for `role`.
    pub fn registered(&self, role: &str) -> Registered {
        let registry = registry(self.name);
        let client = &registry["clients"][role];
        let id = client["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{} clients.json has no client {role}", self.name));
        Registered {
            id: id.to_owned(),
            secret: client["client_secret"].as_str().unwrap_or("").to_owned(),
            spec: client.clone(),
        }
    }

    /// A test-only private key `servers/start` generated (`rs256`, `es256`).
    pub fn signing_key(&self, name: &str) -> SigningKey {
        let keys = self.keys.as_ref().expect("E2E_KEYS in the servers file");
        let path = keys.join(format!("{name}.pem"));
        let pem = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        SigningKey::from_pkcs8_pem(&pem).unwrap()
    }

    /// The same key as [`Self::signing_key`], read from its JSON Web Key.
    pub fn signing_jwk(&self, name: &str) -> SigningKey {
        let keys = self.keys.as_ref().expect("E2E_KEYS in the servers file");
        let path = keys.join(format!("{name}.jwk"));
        let jwk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        SigningKey::from_jwk(&jwk).unwrap()
    }

    /// Forgets what the server saw of `client` (events, pets, tokens), so a
    /// test run twice against the same server starts afresh.
    pub async fn reset(&self, client: &Registered) {
        self.reset_id(&client.id).await;
    }

    /// Forgets what the server saw under `client_id`, which may be a caller
    /// that is no registered client (`anonymous:<name>`, `(discovery)`).
    pub async fn reset_id(&self, client_id: &str) {
        let response = self
            .http
            .post(format!("{}/test/reset", self.url))
            .form(&[("client_id", client_id)])
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the {} server at {} does not answer ({e}); start it with tests/servers/start",
                    self.name, self.url
                )
            });
        assert_eq!(response.status(), 204, "reset {client_id}");
    }

    /// What the server recorded of `client`.
    pub async fn events(&self, client: &Registered) -> Events {
        self.events_of(&client.id).await
    }

    /// What the server recorded under `client_id`, which may be a caller
    /// that is no registered client (`anonymous:<name>`, `(discovery)`).
    pub async fn events_of(&self, client_id: &str) -> Events {
        let body = self
            .http
            .get(format!("{}/test/events", self.url))
            .query(&[("client_id", client_id)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut body: Value = serde_json::from_str(&body).unwrap();
        let mut take = |name: &str| match body[name].take() {
            Value::Array(events) => events,
            // Kinds a server does not record.
            Value::Null => Vec::new(),
            other => panic!("{name}: {other}"),
        };
        Events {
            tokens: take("token_requests"),
            api: take("api_requests"),
            authorizations: take("authorization_requests"),
            discovery: take("discovery_requests"),
        }
    }

    /// Token requests per grant type, from the server's counters.
    pub async fn token_counts(&self, client: &Registered) -> Value {
        let body = self
            .http
            .get(format!("{}/test/counters", self.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let counters: Value = serde_json::from_str(&body).unwrap();
        counters[&client.id]["token_requests"].clone()
    }

    /// A token request sent by hand, with `authorization` as the
    /// Authorization header: the answer's status and JSON body.
    pub async fn token_request(
        &self,
        authorization: Option<String>,
        form: Vec<(&'static str, String)>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/oauth/token", self.url))
            .form(&form);
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        (status, body)
    }

    /// A builder of a client of `fixtures/authlib-api.yaml` calling the
    /// server's API.
    pub fn builder(&self) -> runtime::ClientBuilder<Client> {
        Client::builder().base_url(format!("{}/api", self.url))
    }

    /// A client of the server's API with `credential`.
    pub fn client(&self, credential: OAuth2) -> Client {
        self.builder().auth(credential).build().unwrap()
    }

    /// A client whose token expiry follows a clock the test moves.
    pub fn clocked_client(&self, credential: OAuth2) -> (Client, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        let client = self
            .builder()
            .auth(credential)
            .clock(clock.clone())
            .build()
            .unwrap();
        (client, clock)
    }
}

/// The file `E2E_SERVERS` names and its variables; why not, when it
/// cannot be read.
fn servers_file() -> Result<(PathBuf, HashMap<String, String>), String> {
    let Some(path) = std::env::var_os("E2E_SERVERS").map(PathBuf::from) else {
        return Err("E2E_SERVERS is not set".to_owned());
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {} ({e})", path.display()))?;
    let vars = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok((path, vars))
}

/// The Redis server `servers/start` started (Debian's `redis-server`), and
/// the programs to start more and to look inside.
pub struct Redis {
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
    /// The `redis-server` program.
    pub server: PathBuf,
    /// The `redis-cli` program.
    pub cli: PathBuf,
}

impl Redis {
    /// The running server, or `None` (the test then returns) when none was
    /// started outside CI; in CI (`CI=true`) its absence fails the test.
    pub fn shared() -> Option<Redis> {
        let skip = |why: String| {
            skip_outside_ci(
                &why,
                "CI runs the tests through scripts/test, which installs and starts Redis",
                "run scripts/test, or tests/servers/start and \
                 E2E_SERVERS=target/e2e-servers.env cargo test",
            )
        };
        let (path, vars) = match servers_file() {
            Ok(found) => found,
            Err(why) => return skip(why),
        };
        let var = |name: &str| match vars.get(name) {
            Some(value) if !value.is_empty() => Ok(value.clone()),
            _ => Err(format!("{} has no {name}", path.display())),
        };
        match (var("REDIS_URL"), var("REDIS_SERVER"), var("REDIS_CLI")) {
            (Ok(url), Ok(server), Ok(cli)) => Some(Redis {
                url,
                server: server.into(),
                cli: cli.into(),
            }),
            (Err(why), _, _) | (_, Err(why), _) | (_, _, Err(why)) => skip(why),
        }
    }

    /// What `redis-cli -u <url> <args>` prints, as bytes (values are
    /// binary).
    pub fn cli_raw(&self, url: &str, args: &[&str]) -> Vec<u8> {
        let output = std::process::Command::new(&self.cli)
            .args(["-u", url, "--raw"])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.cli.display()));
        assert!(
            output.status.success(),
            "redis-cli {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// A Redis server of the test's own on a free loopback port, which the
    /// test may stop and start again; killed when dropped.
    pub fn own(&self) -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut own = OwnRedis {
            server: self.server.clone(),
            cli: self.cli.clone(),
            port,
            child: None,
        };
        own.start();
        own
    }
}

/// A Redis server started by a test (see [`Redis::own`]).
pub struct OwnRedis {
    server: PathBuf,
    cli: PathBuf,
    /// Its port, kept across restarts.
    pub port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) and waits until it answers.
    pub fn start(&mut self) {
        let child = std::process::Command::new(&self.server)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.server.display()));
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let pong = std::process::Command::new(&self.cli)
                .args(["-p", &self.port.to_string(), "ping"])
                .output()
                .is_ok_and(|o| o.stdout.starts_with(b"PONG"));
            if pong {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server on port {} did not start",
                self.port
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Kills the server (as a crash or an outage would) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The client credentials grant of `client`, authenticating with `method`.
pub fn client_credentials(client: &Registered, method: ClientAuthMethod) -> OAuth2 {
    auth::Oauth::client_credentials(client.id.clone(), client.secret.clone()).client_auth(method)
}

/// The password grant of `client` for alice, authenticating with `method`.
pub fn password(client: &Registered, method: ClientAuthMethod) -> OAuth2 {
    let (username, password) = alice();
    auth::Oauth::password(client.id.clone(), client.secret.clone(), username, password)
        .client_auth(method)
}

/// The pets every client of the Authlib and oidc-provider servers starts with.
pub fn seeded_pets() -> Vec<types::Pet> {
    vec![
        types::Pet {
            id: 1,
            name: "Rex".into(),
            tag: Some(types::PetTag::Dog),
        },
        types::Pet {
            id: 2,
            name: "Tom".into(),
            tag: Some(types::PetTag::Cat),
        },
    ]
}

/// A new pet, which the servers give the id 3.
pub fn kit() -> types::NewPet {
    types::NewPet {
        name: "Kit".into(),
        tag: Some(types::NewPetTag::Cat),
    }
}

/// The authorization code grant of `registered` at `server`.
pub fn authorization_code(server: &Peer, registered: &Registered) -> OAuth2 {
    OAuth2::authorization_code(
        auth::Oauth::NAME,
        format!("{}/auth", server.url),
        "/oauth/token",
        registered.id.clone(),
        registered.redirect_uri(),
    )
}
