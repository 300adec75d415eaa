//! Rate limiting: per client IP or per user, shared across instances through Redis, with
//! the RateLimit-* headers; X-Forwarded-For believed only from trusted proxies.

use reqwest::Method;
use seo_e2e::{ADMIN_PASSWORD, external_services, spawn_with};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_is_enforced_with_headers_and_health_is_exempt() {
    let app = spawn_with(|c| {
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 5;
    })
    .await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let r = app.http.get(app.url("/")).send().await.unwrap();
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    let r = last.unwrap();
    assert_eq!(r.headers()["ratelimit-limit"], "5");
    assert_eq!(r.headers()["ratelimit-remaining"], "0");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Probes are never limited.
    for _ in 0..10 {
        assert_eq!(
            app.http
                .get(app.url("/health/live"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_limited_per_ip_and_username() {
    let app = spawn_with(|c| {
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 1000;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (s, _) = app
            .send(
                Method::POST,
                "/auth/login",
                "",
                Some(json!({"username": "admin", "password": "wrong-guess"})),
            )
            .await;
        statuses.push(s);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": "admin", "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(s, 429, "even the right password waits out the window");
    let (s, _) = app
        .send(
            Method::POST,
            "/auth/login",
            "",
            Some(json!({"username": "someone-else", "password": "x-x-x-x-x"})),
        )
        .await;
    assert_eq!(s, 401, "another username has its own budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_with(|c| {
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = app
            .http
            .get(app.url("/"))
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 429, 429],
        "a fresh X-Forwarded-For does not buy a fresh budget"
    );

    // Behind a trusted proxy (here: loopback), each forwarded client has its own budget.
    let proxied = spawn_with(|c| {
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1".into(), "::1".into()];
    })
    .await;
    for i in 0..5 {
        let r = proxied
            .http
            .get(proxied.url("/"))
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // A client that sends its own X-Forwarded-For line gains nothing: the proxy appends the
    // real address as a second line, and the right-most untrusted hop of all lines counts.
    let mut statuses = Vec::new();
    for i in 0..5 {
        let r = proxied
            .http
            .get(proxied.url("/"))
            .header("X-Forwarded-For", format!("192.0.2.{i}"))
            .header("X-Forwarded-For", "198.51.100.7")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 429, 429],
        "one budget per real client"
    );
    // IPv6 clients are limited per /64: rotating the interface id buys nothing.
    let mut statuses = Vec::new();
    for i in 1..=5 {
        let r = proxied
            .http
            .get(proxied.url("/"))
            .header("X-Forwarded-For", format!("2001:db8:7:8::{i:x}"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429], "one budget per /64");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authenticated_callers_are_limited_per_user() {
    let app = spawn_with(|c| {
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 4;
    })
    .await;
    let t = app.admin_token().await; // one login request from this IP
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.send(Method::GET, "/api/clients", &t, None).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 429], "the user's own budget");
}

/// Two instances sharing one Redis: exactly the limit is allowed across both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_across_two_instances_sharing_redis() {
    let Some((db, redis)) = external_services().await else {
        eprintln!("TEST_DATABASE_URL/TEST_REDIS_URL not set: skipped");
        return;
    };
    let prefix = format!("rl-{}", uuid::Uuid::new_v4().simple());
    let configure = |c: &mut seo_architects::Config| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
        c.redis_key_prefix = prefix.clone();
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 10;
    };
    let a = spawn_with(configure).await;
    let b = spawn_with(configure).await;
    let mut allowed = 0;
    for i in 0..30 {
        let app = if i % 2 == 0 { &a } else { &b };
        if app.http.get(app.url("/")).send().await.unwrap().status() == 200 {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 10, "exactly the limit across both instances");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_counter_store_fails_open_or_closed_as_configured() {
    let app = spawn_with(|c| c.rate_limit_enabled = true).await;
    for (fail_open, expected) in [(true, 200), (false, 503)] {
        let mut state = app.running.state.clone();
        state.service.kv = std::sync::Arc::new(crate::health::DownKv);
        let mut http = (*state.http).clone();
        http.rate_limit.fail_open = fail_open;
        state.http = std::sync::Arc::new(http);
        let (base, handle) = seo_e2e::serve_state(state).await;
        let r = app.http.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), expected, "fail_open = {fail_open}");
        handle.stop(false).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_cors_headers_for_allowed_origins() {
    let app = spawn_with(|c| {
        c.cors_origins = vec!["https://app.example".into()];
        c.rate_limit_enabled = true;
        c.rate_limit_requests_per_minute = 1;
    })
    .await;
    let origin = "https://app.example";
    let r = app
        .http
        .get(app.url("/api/clients"))
        .header("Origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        origin,
        "a 401 is readable by the browser"
    );
    let r = app
        .http
        .get(app.url("/api/clients"))
        .header("Origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        origin,
        "a 429 is readable by the browser"
    );
    let pre = app
        .http
        .request(Method::OPTIONS, app.url("/api/clients"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 200);
    assert_eq!(pre.headers()["access-control-allow-origin"], origin);
    let other = app
        .http
        .get(app.url("/health/live"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "other origins get no CORS grant"
    );
}
