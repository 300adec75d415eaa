//! A dashboard socket lives as long as its session: logout, a reused refresh token, a
//! password change, disabling, a role change and token expiry close it with 1008 — on every
//! instance. Sockets still authenticating have their own cap.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use seo_e2e::{TEST_SECRET, TestApp, external_services, spawn_app, spawn_with};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(app: &TestApp, token: &str) -> Ws {
    let url = format!("{}/ws/dashboard", app.base.replacen("http", "ws", 1));
    let mut ws = tokio_tungstenite::connect_async(url).await.unwrap().0;
    ws.send(Message::Text(
        json!({"type": "auth", "token": token}).to_string().into(),
    ))
    .await
    .unwrap();
    ws
}

/// Waits (up to `within`) for the socket to close; returns the close code and how long it
/// took. Messages before the close (initial, updates) are skipped.
async fn closed(ws: &mut Ws, within: Duration) -> (u16, Duration) {
    let start = Instant::now();
    loop {
        let left = within.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, ws.next()).await {
            Err(_) => panic!("still open after {within:?}"),
            Ok(Some(Ok(Message::Close(c)))) => {
                return (c.map_or(1005, |c| u16::from(c.code)), start.elapsed());
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return (1006, start.elapsed()),
        }
    }
}

/// The socket is open and authenticated: its `initial` message arrived.
async fn ready(ws: &mut Ws) {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "initial" {
                    return;
                }
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("not opened: {other:?}"),
        }
    }
}

async fn user(app: &TestApp, role: &str) -> (String, Value) {
    let admin = app.admin_token().await;
    let name = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (s, u) = app
        .send(Method::POST, "/api/users", &admin, Some(json!({
            "username": name, "email": format!("{name}@example.com"), "role": role, "password": "password-123"
        })))
        .await;
    assert_eq!(s, 201, "{u}");
    (name, u)
}

const WITHIN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_refresh_reuse_password_disable_and_role_change_close_the_socket() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;

    // Logout.
    let (name, _) = user(&app, "operator").await;
    let pair = app.login(&name, "password-123").await;
    let access = pair["access_token"].as_str().unwrap();
    let mut ws = open(&app, access).await;
    ready(&mut ws).await;
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/logout",
            access,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008, "logout");

    // A reused refresh token revokes its whole login.
    let pair = app.login(&name, "password-123").await;
    let mut ws = open(&app, pair["access_token"].as_str().unwrap()).await;
    ready(&mut ws).await;
    let refresh = json!({"refresh_token": pair["refresh_token"]});
    assert_eq!(
        app.send(Method::POST, "/auth/refresh", "", Some(refresh.clone()))
            .await
            .0,
        200
    );
    assert_eq!(
        app.send(Method::POST, "/auth/refresh", "", Some(refresh))
            .await
            .0,
        401
    );
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008, "refresh reuse");

    // Own password change.
    let pair = app.login(&name, "password-123").await;
    let access = pair["access_token"].as_str().unwrap().to_string();
    let mut ws = open(&app, &access).await;
    ready(&mut ws).await;
    let (s, _) = app
        .send(
            Method::POST,
            "/api/users/me/password",
            &access,
            Some(json!({"current_password": "password-123", "new_password": "password-456"})),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008, "password change");

    // Disabled by an admin.
    let (name, u) = user(&app, "operator").await;
    let pair = app.login(&name, "password-123").await;
    let mut ws = open(&app, pair["access_token"].as_str().unwrap()).await;
    ready(&mut ws).await;
    let id = u["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008, "disabled");

    // Role change: the socket closes; the same token still works for a new one, which sees
    // the new role.
    let (name, u) = user(&app, "operator").await;
    let pair = app.login(&name, "password-123").await;
    let access = pair["access_token"].as_str().unwrap().to_string();
    let mut ws = open(&app, &access).await;
    ready(&mut ws).await;
    let mut other = open(&app, &admin).await;
    ready(&mut other).await;
    let id = u["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            Method::PATCH,
            &format!("/api/users/{id}"),
            &admin,
            Some(json!({"role": "manager"})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008, "role change");
    let mut again = open(&app, &access).await;
    ready(&mut again).await;
    // Another user's socket is untouched.
    other
        .send(Message::Text(json!({"type": "ping"}).to_string().into()))
        .await
        .unwrap();
    let pong = loop {
        match tokio::time::timeout(Duration::from_secs(5), other.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "pong" {
                    break v;
                }
            }
            Ok(Some(Ok(_))) => continue,
            x => panic!("the admin's socket was closed: {x:?}"),
        }
    };
    assert_eq!(pong["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_closes_when_its_token_expires() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (_, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    let now = chrono::Utc::now().timestamp();
    let short = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({
            "sub": me["id"], "role": "admin", "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "exp": now + 2,
            "typ": "access", "iss": "seo-architects", "aud": "seo-architects-api", "fam": "short"
        }),
        &jsonwebtoken::EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap();
    let mut ws = open(&app, &short).await;
    ready(&mut ws).await;
    let (code, _) = closed(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(code, 1008);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_still_authenticating_have_their_own_cap() {
    let app = spawn_with(|c| {
        c.ws_max_unauthenticated = 2;
        c.ws_max_connections = 10;
    })
    .await;
    let url = format!("{}/ws/dashboard", app.base.replacen("http", "ws", 1));
    // Two sockets that never authenticate hold the pending slots (for the server's 5 s
    // authentication window), and a third is refused with 1013. Under a loaded CI the server
    // may count the two late; then the attempt is repeated with fresh sockets, so the third
    // is always tried well inside the first two's window. The test waits for the event, it
    // does not time the server.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut idle1 = tokio_tungstenite::connect_async(&url).await.unwrap().0;
        let mut idle2 = tokio_tungstenite::connect_async(&url).await.unwrap().0;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut third = tokio_tungstenite::connect_async(&url).await.unwrap().0;
        let got = tokio::time::timeout(Duration::from_secs(3), third.next()).await;
        let _ = third.close(None).await;
        let _ = (idle1.close(None).await, idle2.close(None).await);
        match got {
            Ok(Some(Ok(Message::Close(c)))) => {
                assert_eq!(c.map(|c| u16::from(c.code)), Some(1013));
                break;
            }
            _ if Instant::now() < deadline => {
                // Let the server see the three sockets go before trying again.
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            other => panic!("a third pending socket was not refused: {other:?}"),
        }
    }
    // Signed-in users are counted apart: a socket that authenticates at once still gets in
    // once the pending ones are gone.
    let t = app.admin_token().await;
    let mut ws = open(&app, &t).await;
    ready(&mut ws).await;
}

/// Logout on one instance closes the socket held on another (Redis carries the news).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_on_one_instance_closes_the_socket_on_another() {
    // Skipped locally without PostgreSQL and Redis; under CI their absence is a failure.
    let Some((db, redis)) = external_services().await else {
        return;
    };
    let a = spawn_with(|c| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
    })
    .await;
    let b = spawn_with(|c| {
        c.database_url = db;
        c.redis_url = Some(redis);
    })
    .await;
    let pair = a.login("admin", seo_e2e::ADMIN_PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap();
    let mut ws = open(&b, access).await;
    ready(&mut ws).await;
    assert_eq!(
        a.send(Method::POST, "/auth/logout", access, None).await.0,
        200
    );
    assert_eq!(closed(&mut ws, WITHIN).await.0, 1008);
}
