//! [`FileTokenStore`]: tokens in one file of the user's, for command-line
//! tools and desktop apps whose processes (several at once, or one after
//! another) should log in once between them.
//!
//! The file holds a JSON object of sealed values (hex) by store key. It is
//! created with mode 0600 and only ever replaced whole: written to a
//! temporary file (0600) beside it, synced, then renamed over it, so a
//! reader sees the old file or the new one, never half of one. Writers
//! take a short lock file (`<file>.lock`) around read-modify-write, so two
//! processes saving different keys do not lose each other's entry.
//!
//! The lease on a key is a lock file too (`<file>.<key prefix>.lease`),
//! created exclusively and holding its owner and expiry: a lease left by
//! a process that died is taken over once it expires.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::seal::StoreEncryption;
use super::{StoreError, StoreFuture, StoredToken, TokenStore};

/// How long the write lock is held at most: a lock file older than this
/// was left by a process that died while writing.
const WRITE_LOCK_TTL: Duration = Duration::from_secs(5);
/// How long a writer waits for the write lock before giving up.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(2);

/// A [`TokenStore`] in a file only its user can read (mode 0600).
///
/// ```no_run
/// # fn main() -> Result<(), runtime::store::StoreError> {
/// use std::sync::Arc;
/// use runtime::store::{FileTokenStore, StoreEncryption};
///
/// let key = std::env::var("MY_TOOL_TOKEN_KEY").unwrap_or_default();
/// let store = FileTokenStore::new(
///     "/home/me/.config/my-tool/tokens.json",
///     StoreEncryption::aes_256_gcm_hex(1, &key)?,
/// );
/// let builder = runtime::ClientBuilder::<runtime::Client>::new("https://api.example.com")
///     .token_store(Arc::new(store));
/// # let _ = builder;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct FileTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    encryption: StoreEncryption,
    random: SystemRandom,
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.inner.path)
            .field("encryption", &self.inner.encryption)
            .finish()
    }
}

/// The file's content.
#[derive(Serialize, Deserialize, Default)]
struct Contents {
    /// Sealed values in hex, by store key.
    entries: BTreeMap<String, String>,
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save, with its
    /// folder), sealing values with `encryption`.
    pub fn new(path: impl Into<PathBuf>, encryption: StoreEncryption) -> Self {
        FileTokenStore {
            inner: Arc::new(Inner {
                path: path.into(),
                encryption,
                random: SystemRandom::new(),
            }),
        }
    }

    /// The file the tokens are kept in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` on the blocking pool: file system calls block.
    fn blocking<'a, T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'a, T> {
        let inner = self.inner.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || work(&inner))
                .await
                .map_err(|e| StoreError::with_source("the file store's task failed", e))?
        })
    }
}

impl TokenStore for FileTokenStore {
    fn load<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let key = key.to_owned();
        self.blocking(move |inner| {
            let contents = inner.read()?;
            Ok(contents
                .entries
                .get(&key)
                .and_then(|hex| from_hex(hex))
                .and_then(|value| inner.encryption.open(&key, &value)))
        })
    }

    fn save<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        let key = key.to_owned();
        let sealed = self.inner.encryption.seal(&key, token);
        self.blocking(move |inner| {
            let sealed = sealed?;
            inner.ensure_folder()?;
            let owner = inner.owner()?;
            let lock = lock_path(&inner.path, "lock");
            let deadline = std::time::Instant::now() + WRITE_LOCK_WAIT;
            while !take_lock(&lock, &owner, WRITE_LOCK_TTL)? {
                if std::time::Instant::now() > deadline {
                    return Err(StoreError::new(format!(
                        "{} is locked by another writer",
                        inner.path.display()
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let written = inner.read().and_then(|mut contents| {
                contents.entries.insert(key, to_hex(&sealed));
                inner.write(&contents)
            });
            release_lock(&lock, &owner)?;
            written
        })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        self.blocking(move |inner| {
            inner.ensure_folder()?;
            take_lock(&lease_path(&inner.path, &key), &owner, ttl)
        })
    }

    fn release<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        self.blocking(move |inner| release_lock(&lease_path(&inner.path, &key), &owner))
    }
}

impl Inner {
    /// The file's entries; none when it does not exist or is not ours.
    fn read(&self) -> Result<Contents, StoreError> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %self.path.display(), error = %e, "the token file is not a token file: ignored, and replaced on the next save");
                Contents::default()
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Contents::default()),
            Err(e) => Err(StoreError::with_source(
                format!("cannot read {}", self.path.display()),
                e,
            )),
        }
    }

    /// Replaces the file with `contents`: a temporary file (0600), synced,
    /// renamed over it.
    fn write(&self, contents: &Contents) -> Result<(), StoreError> {
        self.ensure_folder()?;
        let bytes = serde_json::to_vec_pretty(contents)
            .map_err(|e| StoreError::with_source("cannot serialize the token file", e))?;
        let temporary = lock_path(&self.path, &format!("{}.tmp", self.owner()?));
        let failed = |e: std::io::Error| {
            StoreError::with_source(format!("cannot write {}", temporary.display()), e)
        };
        let mut file = private_file(&temporary).map_err(failed)?;
        let written = file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&temporary, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(failed(e));
        }
        Ok(())
    }

    fn ensure_folder(&self) -> Result<(), StoreError> {
        match self.path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() && !folder.exists() => {
                fs::create_dir_all(folder).map_err(|e| {
                    StoreError::with_source(format!("cannot create {}", folder.display()), e)
                })
            }
            _ => Ok(()),
        }
    }

    /// A random name for this write's lock and temporary file.
    fn owner(&self) -> Result<String, StoreError> {
        let mut bytes = [0u8; 8];
        self.random
            .fill(&mut bytes)
            .map_err(|_| StoreError::new("no randomness"))?;
        Ok(to_hex(&bytes))
    }
}

/// A new file only its owner can read and write (0600 on Unix).
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// `<file>.<suffix>` beside the token file.
fn lock_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// The lease file of `key` (its first 16 hex digits: distinct enough for
/// the keys of one user's tools).
fn lease_path(path: &Path, key: &str) -> PathBuf {
    let short: String = key.chars().take(16).collect();
    lock_path(path, &format!("{short}.lease"))
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

/// Creates the lock file `path` for `owner` until `ttl` from now, unless
/// another owner holds it and it has not expired: `true` when taken.
fn take_lock(path: &Path, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
    let failed =
        |e: std::io::Error| StoreError::with_source(format!("cannot lock {}", path.display()), e);
    for _ in 0..2 {
        match private_file(path) {
            Ok(mut file) => {
                let until = now_ms() + ttl.as_millis();
                file.write_all(format!("{owner} {until}").as_bytes())
                    .map_err(failed)?;
                return Ok(true);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let text = match fs::read_to_string(path) {
                    Ok(text) => text,
                    // Released meanwhile: try again.
                    Err(e) if e.kind() == ErrorKind::NotFound => continue,
                    Err(e) => return Err(failed(e)),
                };
                let until = text
                    .split_once(' ')
                    .and_then(|(_, until)| until.trim().parse::<u128>().ok());
                // A lock whose writer died before writing its expiry is as
                // stale as an expired one, once older than the longest TTL.
                let expired = match until {
                    Some(until) => until <= now_ms(),
                    None => fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|at| at.elapsed().ok())
                        .is_some_and(|age| age > WRITE_LOCK_TTL),
                };
                if !expired {
                    return Ok(false);
                }
                // Taken over: removed, then created anew (exclusively, so
                // of two processes taking it over one wins).
                match fs::remove_file(path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(failed(e)),
                }
            }
            Err(e) => return Err(failed(e)),
        }
    }
    Ok(false)
}

/// Removes the lock file `path` if `owner` holds it.
fn release_lock(path: &Path, owner: &str) -> Result<(), StoreError> {
    match fs::read_to_string(path) {
        Ok(text) if text.split(' ').next() == Some(owner) => match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::with_source(
                format!("cannot unlock {}", path.display()),
                e,
            )),
        },
        _ => Ok(()),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::{ExposeSecret, SecretString};

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "runtime-file-store-{name}-{}-{}",
            std::process::id(),
            now_ms()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn token(value: &str) -> StoredToken {
        StoredToken::new(
            SecretString::from(value.to_owned()),
            Some(SecretString::from("refresh-secret")),
            None,
            None,
        )
    }

    fn key() -> StoreEncryption {
        StoreEncryption::aes_256_gcm(1, &[5u8; 32]).unwrap()
    }

    #[tokio::test]
    async fn tokens_are_kept_sealed_in_a_private_file() {
        let dir = folder("sealed");
        let path = dir.join("nested/tokens.json");
        let store = FileTokenStore::new(&path, key());
        assert!(store.load("k1").await.unwrap().is_none());
        store.save("k1", &token("access-1")).await.unwrap();
        store.save("k2", &token("access-2")).await.unwrap();
        let loaded = store.load("k1").await.unwrap().unwrap();
        assert_eq!(loaded.access_token.expose_secret(), "access-1");
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains("access-1") && !text.contains("refresh-secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // Nothing left beside it.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["tokens.json"]);
        // Another key reads nothing.
        let stranger =
            FileTokenStore::new(&path, StoreEncryption::aes_256_gcm(1, &[6u8; 32]).unwrap());
        assert!(stranger.load("k1").await.unwrap().is_none());
        // A file that is not ours is ignored, then replaced.
        fs::write(&path, "not json").unwrap();
        assert!(store.load("k1").await.unwrap().is_none());
        store.save("k1", &token("access-3")).await.unwrap();
        assert!(store.load("k1").await.unwrap().is_some());
        fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_lease_is_exclusive_until_released_or_expired() {
        let dir = folder("lease");
        let store = FileTokenStore::new(dir.join("tokens.json"), key());
        let long = Duration::from_secs(60);
        assert!(store.try_lease("k", "a", long).await.unwrap());
        assert!(!store.try_lease("k", "b", long).await.unwrap());
        // Another key is free.
        assert!(store.try_lease("other", "b", long).await.unwrap());
        // Only its owner releases it.
        store.release("k", "b").await.unwrap();
        assert!(!store.try_lease("k", "b", long).await.unwrap());
        store.release("k", "a").await.unwrap();
        assert!(store
            .try_lease("k", "b", Duration::from_millis(50))
            .await
            .unwrap());
        // An expired lease (its holder died) is taken over.
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert!(store.try_lease("k", "c", long).await.unwrap());
        fs::remove_dir_all(dir).unwrap();
    }
}
