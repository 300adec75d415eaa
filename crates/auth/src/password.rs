//! argon2id password hashing. Hashing is deliberately slow (and takes 19 MiB), so it runs on
//! [`Hashing`]'s own threads, as many as hashes may run at once: a flood of logins waits for
//! a turn, and a login that would wait too long is refused as busy instead of piling up
//! memory. Own threads rather than the runtime's blocking pool because the allocator keeps a
//! memory arena per thread: 19 MiB freed on one of hundreds of blocking threads stays with
//! that thread, and a flood would leave hundreds of them holding 19 MiB each.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::AuthError;

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads that run hashing jobs.
struct Pool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    threads: usize,
}

impl Pool {
    fn new(threads: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let mut started = 0;
        for n in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        // Ends when every sender (every `Hashing` clone) is gone.
                        let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            match spawned {
                Ok(_) => started += 1,
                Err(e) => tracing::error!(error = %e, "could not start a password-hashing thread"),
            }
        }
        Self {
            jobs: std::sync::Mutex::new(tx),
            threads: started,
        }
    }

    /// Runs `f` on a pool thread (on the runtime's blocking pool if none could start).
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        if self.threads == 0 {
            return tokio::task::spawn_blocking(f)
                .await
                .map_err(|e| AuthError::Internal(e.to_string()));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| AuthError::Internal("password hashing threads are gone".into()))?;
        rx.await
            .map_err(|_| AuthError::Internal("a password-hashing job was lost".into()))
    }
}

/// Bounds concurrent hashing and verification, and runs them on its own threads.
#[derive(Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
    max_wait: Duration,
    pool: Arc<Pool>,
}

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hashing")
            .field("threads", &self.pool.threads)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl Hashing {
    /// At most `concurrency` (≥ 1) hashes at once; a caller waiting longer than `max_wait`
    /// for a turn gets [`AuthError::Busy`].
    pub fn new(concurrency: usize, max_wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            max_wait,
            pool: Arc::new(Pool::new(concurrency.max(1))),
        }
    }

    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AuthError> {
        match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // Closed never happens (we never close it); timed out: too many at once.
            _ => Err(AuthError::Busy {
                retry_after: self.max_wait.max(Duration::from_secs(1)),
            }),
        }
    }

    /// Hashes a password into a PHC string, within the bound.
    pub async fn hash(&self, password: &str) -> Result<String, AuthError> {
        let _permit = self.turn().await?;
        let password = password.to_string();
        self.pool
            .run(move || {
                hasher()
                    .hash_password(password.as_bytes())
                    .map(|h| h.to_string())
                    .map_err(|e| AuthError::Internal(format!("password hashing failed: {e}")))
            })
            .await?
    }

    /// Checks a password against a PHC string, within the bound. A malformed hash never
    /// matches.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, AuthError> {
        let _permit = self.turn().await?;
        let (password, phc) = (password.to_string(), phc.to_string());
        self.pool
            .run(move || {
                hasher()
                    .verify_password(password.as_bytes(), phc.as_str())
                    .is_ok()
            })
            .await
    }
}

impl Default for Hashing {
    /// One hash per core; a caller waits at most two seconds.
    fn default() -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            Duration::from_secs(2),
        )
    }
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash_password(password: &str) -> Result<String, AuthError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))?
}

/// Checks a password against a PHC string. A malformed hash never matches.
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    tokio::task::spawn_blocking(move || {
        hasher()
            .verify_password(password.as_bytes(), phc.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A hash of no real password, verified against when a username does not exist so that a
/// login for an unknown user takes as long as one with a wrong password.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zl9d8l8nZ2QmHk7b0QvUZc2vq3TzZ2pQ0kq8fH7Jp2w";

/// A random password of 20 characters from an unambiguous alphabet.
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .filter_map(|_| ALPHABET.get(rng.random_range(0..ALPHABET.len())))
        .map(|b| char::from(*b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse").await.unwrap();
        let b = hash_password("correct horse").await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse", &a).await);
        assert!(!verify_password("wrong horse", &a).await);
        assert!(!verify_password("x", "not a hash").await);
        assert!(!verify_password("x", DUMMY_HASH).await);
    }

    #[test]
    fn random_passwords_differ() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }
}
