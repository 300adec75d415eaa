//! Test support: start the real application on port 0 and talk to it over HTTP, as a
//! client would (zero2prod's `spawn_app`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use seo_architects::{Config, Running};

/// A running app and what keeps it alive.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client without proxies.
    pub http: reqwest::Client,
    /// The server.
    pub running: Running,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET `path`; returns status, headers and JSON body (Null when not JSON).
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }
}

impl TestApp {
    /// Logs in; returns the token pair as JSON.
    pub async fn login(&self, username: &str, password: &str) -> serde_json::Value {
        let r = self
            .http
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login of {username}");
        r.json().await.unwrap()
    }

    /// An access token of the bootstrap admin.
    pub async fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a user of `role` (named after it plus a suffix) and returns an access token.
    pub async fn token_for(&self, role: &str) -> String {
        let admin = self.admin_token().await;
        let username = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let r = self
            .send(reqwest::Method::POST, "/api/users", &admin, Some(serde_json::json!({
                "username": username, "email": format!("{username}@example.com"), "role": role, "password": "password-123"
            })))
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
        self.login(&username, "password-123").await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sends a request with a bearer token and an optional JSON body; returns status and JSON.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut rb = self.http.request(method, self.url(path));
        if !token.is_empty() {
            rb = rb.bearer_auth(token);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let h = self.running.handle.clone();
        drop(h.stop(false));
    }
}

/// Starts the app on an ephemeral port with an embedded SQLite file of its own.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Signing secret of test apps (so tests can forge tokens to prove they are refused).
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// Password of the bootstrap admin in test apps.
pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// Starts the app after letting the test adjust the configuration. Rate limiting is off
/// unless the test turns it on.
pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::defaults();
    config.port = 0;
    config.jwt_secret_key = Some(TEST_SECRET.into());
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.rate_limit_enabled = false;
    config.database_url = format!("sqlite://{}", dir.path().join("app.db").display());
    config.redis_url = None;
    config.http_workers = Some(2);
    config.startup_timeout_seconds = 5;
    adjust(&mut config);
    let running = seo_architects::start(&config).await.unwrap();
    TestApp {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        running,
        _dir: dir,
    }
}

/// The value of `var`, or `None` when it is unset — except under CI (`CI` set), where a
/// test that needs PostgreSQL or Redis must not pass by skipping: it fails, naming `var`.
pub fn required_in_ci(var: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|s| !s.is_empty());
    assert!(
        value.is_some() || std::env::var_os("CI").is_none(),
        "{var} is unset under CI: the multi-instance and PostgreSQL/Redis tests must run there"
    );
    value
}

/// A PostgreSQL URL for a fresh schema of its own (from `TEST_DATABASE_URL`) and
/// `TEST_REDIS_URL`, when both are set. Tests stay isolated on one shared server.
pub async fn external_services() -> Option<(String, String)> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    let db = required_in_ci("TEST_DATABASE_URL")?;
    let redis = required_in_ci("TEST_REDIS_URL")?;
    let schema = format!("e2e_{}", uuid::Uuid::new_v4().simple());
    let mut c = AsyncPgConnection::establish(&db)
        .await
        .expect("TEST_DATABASE_URL reachable");
    c.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let sep = if db.contains('?') { '&' } else { '?' };
    Some((
        format!("{db}{sep}options=-c%20search_path%3D{schema}"),
        redis,
    ))
}

/// Serves an adjusted copy of an app's state on its own ephemeral port (to test behaviour
/// with a replaced dependency); returns the base URL and the handle that stops it.
pub async fn serve_state(state: seo_transport::AppState) -> (String, actix_web::dev::ServerHandle) {
    let srv = actix_web::HttpServer::new(move || seo_transport::build_app(state.clone()))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let addr = srv.addrs()[0];
    let srv = srv.run();
    let handle = srv.handle();
    tokio::spawn(srv);
    (format!("http://{addr}"), handle)
}
