//! The database handle: backend chosen at run time from the URL, pooled connections,
//! migrations, and the `db_run!` macro that runs one query body on either backend.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::{Connection, SqliteConnection};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use futures_util::FutureExt;
use tokio::runtime::Handle;

use crate::error::{DbError, DbResult};

/// The SQLite connection type used in pools: diesel's blocking connection behind the async
/// interface, executing each statement right where it is awaited ([`Inline`]).
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Inline>;

/// Runs a SQLite statement on the calling thread instead of handing it to a blocking thread.
///
/// [`Database::run`] puts a whole repository call (every statement of it) on one blocking
/// thread, so each statement needs no further hop: one thread switch per call instead of
/// one per statement. Outside `run` only the pool's connection set-up and its `SELECT 1`
/// check execute inline on a runtime thread; both take microseconds and, with WAL, never
/// wait for a writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inline;

impl diesel_async::sync_connection_wrapper::SpawnBlocking for Inline {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>,
    >
    where
        R: Send + 'static,
    {
        futures_util::future::ready(Ok(task())).boxed()
    }

    fn get_runtime() -> Self {
        Inline
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Default `DATABASE_URL`: a SQLite file under `./data`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/seo-architects.db";

/// Which backend a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Name used in health output and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path` (relative) or `sqlite:///abs/path`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, kept verbatim.
    Postgres(String),
}

/// A database URL that cannot be used. The message never contains the URL's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("DATABASE_URL: {0}")]
pub struct BadDatabaseUrl(pub String);

impl DatabaseUrl {
    /// Parses the URL.
    ///
    /// ```
    /// use seo_persistence::DatabaseUrl;
    /// assert!(matches!(DatabaseUrl::parse("sqlite://./data/x.db"), Ok(DatabaseUrl::Sqlite(_))));
    /// assert!(matches!(DatabaseUrl::parse("postgres://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
    /// assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    /// assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    /// ```
    pub fn parse(url: &str) -> Result<Self, BadDatabaseUrl> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(BadDatabaseUrl(
                    "sqlite:// needs a file path, e.g. sqlite://./data/seo-architects.db".into(),
                ));
            }
            if rest.contains(":memory:") || rest.starts_with("file:") {
                return Err(BadDatabaseUrl(
                    "in-memory SQLite cannot be shared by a connection pool; give a file path"
                        .into(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(rest)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        let scheme = url.split_once("://").map_or(url, |(s, _)| s);
        Err(BadDatabaseUrl(format!(
            "unsupported scheme '{}': use sqlite://PATH or postgres://USER@HOST/DB",
            scheme.chars().take(32).collect::<String>()
        )))
    }

    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, safe for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => redact_url(u),
        }
    }
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// Pool and start-up settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most pooled connections (SQLite keeps this small: writes serialise anyway).
    pub max_connections: usize,
    /// How long start-up keeps retrying an unreachable server.
    pub startup_timeout: Duration,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl DbOptions {
    /// Defaults suited to the backend: 4 SQLite connections, 16 PostgreSQL ones.
    pub fn for_backend(backend: Backend) -> Self {
        Self {
            max_connections: match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            },
            startup_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub(crate) enum DbPool {
    Sqlite(Pool<SqliteConn>),
    Pg(Pool<AsyncPgConnection>),
}

/// One pooled connection of either backend; bodies run on it through `db_run!`.
// One lives on the stack per query; boxing the larger variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum DbConn {
    /// SQLite.
    Sqlite(Object<SqliteConn>),
    /// PostgreSQL.
    Pg(Object<AsyncPgConnection>),
}

/// Runs the same diesel body against whichever backend `$conn` holds; the body is compiled
/// once per backend with `$c` bound to that backend's connection type. The second form
/// gives a separate body per backend for the rare query whose SQL must differ.
#[macro_export]
#[doc(hidden)]
macro_rules! db_run {
    ($conn:ident, $c:ident => $body:block) => {
        match &mut $conn {
            $crate::db::DbConn::Sqlite(obj) => {
                let $c: &mut $crate::db::SqliteConn = &mut **obj;
                $body
            }
            $crate::db::DbConn::Pg(obj) => {
                let $c: &mut diesel_async::AsyncPgConnection = &mut **obj;
                $body
            }
        }
    };
    ($conn:ident, sqlite $sc:ident => $sbody:block, pg $pc:ident => $pbody:block) => {
        match &mut $conn {
            $crate::db::DbConn::Sqlite(obj) => {
                let $sc: &mut $crate::db::SqliteConn = &mut **obj;
                $sbody
            }
            $crate::db::DbConn::Pg(obj) => {
                let $pc: &mut diesel_async::AsyncPgConnection = &mut **obj;
                $pbody
            }
        }
    };
}

/// Runs `$body` in one transaction on whichever backend `$conn` holds: `BEGIN IMMEDIATE` on
/// SQLite (the write lock is taken up front, so two writers never deadlock upgrading a read
/// lock), a plain transaction on PostgreSQL. `$c` is the typed connection inside the body,
/// which evaluates to `Result<_, DbError>` (`return` and `?` leave the body); an `Err` rolls
/// everything back. A connection left inside a transaction by a panic is discarded by the
/// pool (diesel-async reports it broken), never reused.
#[macro_export]
#[doc(hidden)]
macro_rules! db_tx {
    ($conn:ident, $c:ident => $body:block) => {
        match &mut $conn {
            $crate::db::DbConn::Sqlite(obj) => {
                let $c: &mut $crate::db::SqliteConn = &mut **obj;
                $crate::db::sqlite_begin_immediate($c).await?;
                let result: Result<_, $crate::DbError> = async { $body }.await;
                $crate::db::sqlite_end($c, result).await
            }
            $crate::db::DbConn::Pg(obj) => {
                let $c: &mut diesel_async::AsyncPgConnection = &mut **obj;
                $crate::db::pg_begin($c).await?;
                let result: Result<_, $crate::DbError> = async { $body }.await;
                $crate::db::pg_end($c, result).await
            }
        }
    };
}

#[doc(hidden)]
pub async fn sqlite_begin_immediate(c: &mut SqliteConn) -> DbResult<()> {
    c.spawn_blocking(|inner| {
        diesel::connection::AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
    })
    .await?;
    Ok(())
}

#[doc(hidden)]
pub async fn sqlite_end<T>(c: &mut SqliteConn, result: DbResult<T>) -> DbResult<T> {
    use diesel_async::TransactionManager;
    type Tm = diesel_async::sync_connection_wrapper::SyncTransactionManagerWrapper<
        diesel::connection::AnsiTransactionManager,
    >;
    match result {
        Ok(v) => {
            Tm::commit_transaction(c).await?;
            Ok(v)
        }
        Err(e) => {
            Tm::rollback_transaction(c).await?;
            Err(e)
        }
    }
}

#[doc(hidden)]
pub async fn pg_begin(c: &mut AsyncPgConnection) -> DbResult<()> {
    use diesel_async::TransactionManager;
    diesel_async::AnsiTransactionManager::begin_transaction(c).await?;
    Ok(())
}

#[doc(hidden)]
pub async fn pg_end<T>(c: &mut AsyncPgConnection, result: DbResult<T>) -> DbResult<T> {
    use diesel_async::TransactionManager;
    match result {
        Ok(v) => {
            diesel_async::AnsiTransactionManager::commit_transaction(c).await?;
            Ok(v)
        }
        Err(e) => {
            diesel_async::AnsiTransactionManager::rollback_transaction(c).await?;
            Err(e)
        }
    }
}

/// The database server's clock plus `plus`, as SQL text of a timestamp in the stored form
/// (naive UTC). Leases and `run_after` are computed and compared with it, so instances
/// whose own clocks disagree still agree on when a lease has run out.
pub(crate) fn db_clock_sql(conn: &DbConn, plus: Duration) -> String {
    // Milliseconds as an integer literal: our own number, never text from a request.
    let ms = u64::try_from(plus.as_millis()).unwrap_or(u64::MAX / 2);
    match conn {
        DbConn::Sqlite(_) => format!(
            "strftime('%Y-%m-%d %H:%M:%f', 'now', '+{}.{:03} seconds')",
            ms / 1000,
            ms % 1000
        ),
        DbConn::Pg(_) => format!(
            "((now() AT TIME ZONE 'UTC') + make_interval(secs => {}.{:03}))",
            ms / 1000,
            ms % 1000
        ),
    }
}

/// [`db_clock_sql`] as a diesel expression of type `Timestamp`.
pub(crate) fn db_clock(
    conn: &DbConn,
    plus: Duration,
) -> diesel::expression::SqlLiteral<diesel::sql_types::Timestamp> {
    diesel::dsl::sql::<diesel::sql_types::Timestamp>(&db_clock_sql(conn, plus))
}

/// Connection-pool occupancy, for health output and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoolState {
    /// Connections open now.
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Connections in use.
    pub in_use: usize,
    /// Configured maximum.
    pub max_size: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
}

/// The database: a pool of either backend plus the runtime that runs every query.
///
/// Cheap to clone. Queries run as tasks of the runtime captured at [`Database::connect`]
/// (the main multi-thread runtime) — a SQLite call as one job on its blocking pool, a
/// PostgreSQL call as a task — so a caller whose future is dropped (an HTTP client that
/// disconnects) never cancels a query half-way, which would poison a SQLite connection.
#[derive(Clone)]
pub struct Database {
    pool: DbPool,
    rt: Handle,
    url: DatabaseUrl,
    /// Added to this process's clock where it stamps rows (tests inject a skewed clock;
    /// leases never read it: they use the database's clock).
    skew: chrono::TimeDelta,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.url.redacted())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens the pool, waiting up to `startup_timeout` (with backoff) for the server to
    /// answer. SQLite files and their parent folders are created. Must be called inside a
    /// multi-thread tokio runtime.
    pub async fn connect(url: &DatabaseUrl, opts: &DbOptions) -> DbResult<Self> {
        let pool = match url {
            DatabaseUrl::Sqlite(path) => DbPool::Sqlite(sqlite_pool(path, opts)?),
            DatabaseUrl::Postgres(u) => DbPool::Pg(pg_pool(u, opts)?),
        };
        let db = Database {
            pool,
            rt: Handle::current(),
            url: url.clone(),
            skew: chrono::TimeDelta::zero(),
        };
        let deadline = Instant::now() + opts.startup_timeout;
        let mut delay = Duration::from_millis(100);
        loop {
            match db.ping().await {
                Ok(_) => return Ok(db),
                Err(e) if Instant::now() + delay < deadline => {
                    tracing::warn!(error = %e, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "database not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    return Err(DbError::Unavailable(format!(
                        "{} not reachable after {}s: {e}",
                        url.redacted(),
                        opts.startup_timeout.as_secs()
                    )));
                }
            }
        }
    }

    /// The same database seen by a process whose clock is off by `skew` (for tests of
    /// clock independence: an instance with a wrong clock must not steal leased tasks).
    pub fn with_clock_skew(&self, skew: chrono::TimeDelta) -> Self {
        let mut db = self.clone();
        db.skew = skew;
        db
    }

    /// This process's (possibly skewed) now, as stored.
    pub(crate) fn app_now(&self) -> chrono::NaiveDateTime {
        crate::now() + self.skew
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// The URL, password redacted.
    pub fn redacted_url(&self) -> String {
        self.url.redacted()
    }

    /// Applies pending migrations of this backend; returns how many ran.
    pub async fn migrate(&self) -> DbResult<usize> {
        let url = self.url.clone();
        let rt = self.rt.clone();
        // Migrations use blocking connections: run them on a blocking thread.
        let applied = self
            .rt
            .spawn_blocking(move || -> DbResult<usize> {
                let _guard = rt.enter();
                match url {
                    DatabaseUrl::Sqlite(path) => {
                        let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                            .map_err(|e| DbError::Unavailable(e.to_string()))?;
                        diesel::connection::SimpleConnection::batch_execute(
                            &mut conn,
                            SQLITE_PRAGMAS,
                        )?;
                        let done = conn
                            .run_pending_migrations(SQLITE_MIGRATIONS)
                            .map_err(|e| DbError::Internal(format!("migration failed: {e}")))?;
                        Ok(done.len())
                    }
                    DatabaseUrl::Postgres(u) => {
                        let mut conn =
                            <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(
                                &u,
                            )
                            .map_err(|e| DbError::Unavailable(e.to_string()))?;
                        let done = conn
                            .run_pending_migrations(PG_MIGRATIONS)
                            .map_err(|e| DbError::Internal(format!("migration failed: {e}")))?;
                        Ok(done.len())
                    }
                }
            })
            .await??;
        Ok(applied)
    }

    /// Runs `f` with a pooled connection as a task on the database runtime.
    pub(crate) async fn run<T, F, Fut>(&self, f: F) -> DbResult<T>
    where
        F: FnOnce(DbConn) -> Fut + Send + 'static,
        Fut: Future<Output = DbResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        match &self.pool {
            DbPool::Sqlite(p) => {
                // Waiting for a connection is cancellable (nothing has run yet). Then the
                // whole body goes to one blocking thread, where its statements execute in
                // turn (see `Inline`) and run to the end even if the caller goes away. A
                // blocking thread is not an async context, so `block_on` is allowed there;
                // the body awaits nothing but its statements.
                let conn = DbConn::Sqlite(p.get().await?);
                let handle = self.rt.clone();
                self.rt
                    .spawn_blocking(move || handle.block_on(f(conn)))
                    .await?
            }
            DbPool::Pg(p) => {
                let p = p.clone();
                self.rt
                    .spawn(async move { f(DbConn::Pg(p.get().await?)).await })
                    .await?
            }
        }
    }

    /// Round-trips `SELECT 1`; returns the latency.
    pub async fn ping(&self) -> DbResult<Duration> {
        let start = Instant::now();
        self.run(|mut conn| async move {
            db_run!(conn, c => { c.batch_execute("SELECT 1").await?; });
            Ok(())
        })
        .await?;
        Ok(start.elapsed())
    }

    /// Pool occupancy now.
    pub fn pool_state(&self) -> PoolState {
        let (status, max) = match &self.pool {
            DbPool::Sqlite(p) => (p.status(), p.status().max_size),
            DbPool::Pg(p) => (p.status(), p.status().max_size),
        };
        PoolState {
            size: status.size,
            idle: status.available,
            in_use: status.size.saturating_sub(status.available),
            max_size: max,
            waiting: status.waiting,
        }
    }
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// Builds a deadpool with our timeouts (a macro: the pool's trait bounds differ per backend).
macro_rules! build_pool {
    ($mgr:expr, $opts:expr) => {
        Pool::builder($mgr)
            .max_size($opts.max_connections.max(1))
            .wait_timeout(Some($opts.acquire_timeout))
            .create_timeout(Some(Duration::from_secs(10)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(build_pool_err)
    };
}

fn sqlite_pool(path: &Path, opts: &DbOptions) -> DbResult<Pool<SqliteConn>> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            DbError::Unavailable(format!(
                "cannot create the folder {} for the SQLite file: {e}",
                parent.display()
            ))
        })?;
    }
    // Opening the file here turns an unwritable path into an error naming it, at start-up.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            DbError::Unavailable(format!(
                "cannot open the SQLite file {} for writing: {e}",
                path.display()
            ))
        })?;
    let mut config = ManagerConfig::<SqliteConn>::default();
    config.custom_setup = Box::new(|url| {
        let url = url.to_string();
        async move {
            let mut conn = SqliteConn::establish(&url).await?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .await
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            Ok(conn)
        }
        .boxed()
    });
    let mgr =
        AsyncDieselConnectionManager::<SqliteConn>::new_with_config(path.to_string_lossy(), config);
    build_pool!(mgr, opts)
}

fn pg_pool(url: &str, opts: &DbOptions) -> DbResult<Pool<AsyncPgConnection>> {
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // A connection that died with a server restart is detected on checkout and replaced.
    config.recycling_method = RecyclingMethod::Verified;
    let mgr = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    build_pool!(mgr, opts)
}

fn build_pool_err(e: deadpool::managed::BuildError) -> DbError {
    DbError::Internal(format!("cannot build the connection pool: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/a.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("/tmp/a.db"))
        );
        let e = DatabaseUrl::parse("mysql://root:pw@h/db").unwrap_err();
        assert!(e.to_string().starts_with("DATABASE_URL:"));
        assert!(!e.to_string().contains("pw"));
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
