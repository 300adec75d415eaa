//! Login, tokens, refresh rotation, logout, disabled users, password changes.

use reqwest::Method;
use seo_e2e::{ADMIN_PASSWORD, TEST_SECRET, spawn_app};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_a_bearer_pair_and_failures_say_only_invalid_credentials() {
    let app = spawn_app().await;
    let pair = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(pair["token_type"], "bearer");
    assert_eq!(pair["expires_in"], 1800, "30 minutes by default");
    assert!(pair["access_token"].as_str().unwrap().split('.').count() == 3);
    assert!(pair["refresh_token"].is_string());

    for (u, p) in [
        ("admin", "wrong-password"),
        ("nobody", ADMIN_PASSWORD),
        ("", ""),
    ] {
        let (s, body) = app
            .send(
                Method::POST,
                "/auth/login",
                "",
                Some(json!({"username": u, "password": p})),
            )
            .await;
        assert_eq!(s, 401, "{u}");
        assert_eq!(body["error"]["message"], "invalid username or password");
    }
    let (s, body) = app
        .send(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": "admin"})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_verify_and_the_401_shape() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (s, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("admin"), Some("admin"))
    );
    assert!(me.get("password_hash").is_none() && !me.to_string().contains("argon2"));
    assert_eq!(me["permissions"].as_array().unwrap().len(), 19);
    assert!(me["last_login"].is_string());
    let (s, v) = app.send(Method::GET, "/auth/verify", &t, None).await;
    assert_eq!((s, v["valid"].as_bool()), (200, Some(true)));
    assert!(v["expires_at"].is_string());

    let r = app.http.get(app.url("/auth/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(body["error"]["request_id"].is_string());
    let (s, _) = app.send(Method::GET, "/auth/me", "not.a.jwt", None).await;
    assert_eq!(s, 401);
}

fn forge(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_wrong_signature_wrong_type_and_wrong_audience_are_refused() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let (_, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    let now = chrono::Utc::now().timestamp();
    let base = json!({
        "sub": me["id"], "role": "admin", "jti": uuid::Uuid::new_v4().to_string(), "iat": now, "exp": now + 600,
        "typ": "access", "iss": "seo-architects", "aud": "seo-architects-api", "fam": "f"
    });
    // The control: a well-formed forged token with the right secret works.
    assert_eq!(
        app.send(
            Method::GET,
            "/auth/me",
            &forge(base.clone(), TEST_SECRET),
            None
        )
        .await
        .0,
        200
    );
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "expired",
            json!({"iat": now - 4000, "exp": now - 3600}),
            TEST_SECRET,
        ),
        (
            "wrong signature",
            json!({}),
            "some-other-secret-some-other-secret-xx",
        ),
        ("refresh as access", json!({"typ": "refresh"}), TEST_SECRET),
        (
            "wrong audience",
            json!({"aud": "someone-else"}),
            TEST_SECRET,
        ),
        ("wrong issuer", json!({"iss": "evil"}), TEST_SECRET),
        (
            "unknown user",
            json!({"sub": uuid::Uuid::new_v4().to_string()}),
            TEST_SECRET,
        ),
    ];
    for (name, patch, secret) in cases {
        let mut c = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        let (s, body) = app
            .send(Method::GET, "/auth/me", &forge(c, secret), None)
            .await;
        assert_eq!(s, 401, "{name}: {body}");
    }
    // An access token is not a refresh token.
    let pair = app.login("admin", ADMIN_PASSWORD).await;
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": pair["access_token"]})),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login("admin", ADMIN_PASSWORD).await;
    let (s, second) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": first["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 200, "{second}");
    assert_eq!(second["token_type"], "bearer");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let a2 = second["access_token"].as_str().unwrap();
    assert_eq!(app.send(Method::GET, "/auth/me", a2, None).await.0, 200);

    // The spent refresh token presented again: refused, and the whole family dies.
    let (s, body) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": first["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 401, "{body}");
    assert_eq!(
        app.send(Method::GET, "/auth/me", a2, None).await.0,
        401,
        "access tokens of the family die too"
    );
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": second["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 401, "the newest refresh token of the family dies too");
    // Another login is unaffected.
    let other = app.admin_token().await;
    assert_eq!(app.send(Method::GET, "/auth/me", &other, None).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_access_and_refresh_tokens() {
    let app = spawn_app().await;
    let pair = app.login("admin", ADMIN_PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap();
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/logout",
            access,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.send(Method::GET, "/auth/me", access, None).await.0, 401);
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 401);
    // Logout without a body also works.
    let t = app.admin_token().await;
    let r = app
        .http
        .post(app.url("/auth/logout"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.send(Method::GET, "/auth/me", &t, None).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_users_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (s, u) = app
        .send(
            Method::POST,
            "/api/users",
            &admin,
            Some(
                json!({"username": "bob", "email": "bob@example.com", "password": "password-123"}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["role"], "operator", "operator by default");
    let bob = app.login("bob", "password-123").await;
    let bt = bob["access_token"].as_str().unwrap();
    assert_eq!(app.send(Method::GET, "/api/clients", bt, None).await.0, 200);
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
    assert_eq!(app.send(Method::GET, "/api/clients", bt, None).await.0, 401);
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/refresh",
            "",
            Some(json!({"refresh_token": bob["refresh_token"]})),
        )
        .await;
    assert_eq!(s, 401);
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": "bob", "password": "password-123"})),
        )
        .await;
    assert_eq!(s, 401, "a disabled user cannot sign in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_a_password_ends_older_sessions() {
    let app = spawn_app().await;
    let t = app.token_for("operator").await;
    let (_, me) = app.send(Method::GET, "/auth/me", &t, None).await;
    let name = me["username"].as_str().unwrap().to_string();
    let (s, body) = app
        .send(
            Method::POST,
            "/api/users/me/password",
            &t,
            Some(json!({"current_password": "nope-nope", "new_password": "new-password-1"})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, _) = app
        .send(
            Method::POST,
            "/api/users/me/password",
            &t,
            Some(json!({"current_password": "password-123", "new_password": "short"})),
        )
        .await;
    assert_eq!(s, 422);
    // No pause: the cut-off is precise to the microsecond, so a token issued earlier in the
    // same second stops working too.
    let (s, _) = app
        .send(
            Method::POST,
            "/api/users/me/password",
            &t,
            Some(json!({"current_password": "password-123", "new_password": "new-password-1"})),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(app.send(Method::GET, "/auth/me", &t, None).await.0, 401);
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": name, "password": "password-123"})),
        )
        .await;
    assert_eq!(s, 401);
    app.login(&name, "new-password-1").await;
}

/// Password checks are bounded: with one hashing turn and no waiting, a burst of sign-ins
/// gets 503 with `Retry-After` for those that would queue, and nobody is signed in wrongly.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_flood_is_refused_as_busy_not_queued_without_bound() {
    let app = seo_e2e::spawn_with(|c| {
        c.password_hash_concurrency = Some(1);
        c.password_hash_max_wait_ms = 0;
    })
    .await;
    let attempt = || async {
        let r = app
            .http
            .post(app.url("/auth/login"))
            .json(&json!({"username": "admin", "password": seo_e2e::ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let retry = r.headers().get("retry-after").cloned();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        (status, retry, body)
    };
    let results = futures_util::future::join_all((0..8).map(|_| attempt())).await;
    let busy: Vec<_> = results.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        results.iter().all(|(s, _, _)| *s == 200 || *s == 503),
        "{results:?}"
    );
    assert!(
        !busy.is_empty(),
        "eight at once with one turn: some are refused"
    );
    assert!(results.iter().any(|(s, _, _)| *s == 200));
    for (_, retry, body) in busy {
        assert!(retry.is_some(), "503 carries Retry-After");
        assert_eq!(body["error"]["code"], "busy");
    }
    // Once the burst is over, a sign-in works again.
    let (s, _, _) = attempt().await;
    assert_eq!(s, 200);
}
