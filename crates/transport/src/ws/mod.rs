//! `WS /ws/dashboard`: the live dashboard feed.
//!
//! A connection authenticates with `?token=` or a first message `{"type":"auth","token":…}`
//! within 5 s (else close 1008). Each connection has a bounded outbox drained by its own
//! writer; the hub never waits on a client: a full outbox gets the connection closed, so a
//! slow client cannot stall the others. Task events come from the kv channel (Redis when
//! configured, so events from every instance reach every client); `metrics_update` is pushed
//! every interval to `metrics` subscribers. The server pings every 30 s and drops a connection
//! silent for 90 s. `WS_MAX_CONNECTIONS` caps connections (close 1013 beyond it); sockets
//! still authenticating have their own small cap, so they cannot crowd out signed-in users.
//! A connection lives as long as its token: it closes with 1008 when the token expires, and
//! when its session ends on any instance (logout, a reused refresh token, a password change,
//! disabling, a role change), announced on the kv channel [`seo_auth::SESSIONS_CHANNEL`].
//! A message over [`MAX_MESSAGE`] gets an `error` reply; a frame or reassembled message over
//! [`MAX_FRAME`] closes with 1009, a binary frame with 1003; shutdown closes with 1001.

mod feed;
mod hub;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::AppState;

pub use feed::start;
use feed::{agents_status, metrics_update};
pub use hub::Hub;
use hub::Out;

/// Channels a client may subscribe to.
pub const CHANNELS: [&str; 5] = ["metrics", "agents", "tasks", "campaigns", "alerts"];
/// Messages queued for one client before it counts as too slow.
pub const OUTBOX: usize = 256;
/// Largest accepted client frame, and largest message reassembled from continuation frames:
/// anything bigger closes the connection with 1009 (message too big).
pub const MAX_FRAME: usize = 64 * 1024;
/// Largest client message the server reads; a bigger one (within [`MAX_FRAME`]) gets an
/// `error` reply and the connection stays open. Every legitimate client message is far smaller.
pub const MAX_MESSAGE: usize = 8 * 1024;

/// WebSocket settings.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Most concurrent connections of this instance.
    pub max_connections: usize,
    /// Most sockets of this instance still authenticating (close 1013 beyond it).
    pub max_unauthenticated: usize,
    /// Period of `metrics_update`.
    pub metrics_interval: Duration,
    /// Time allowed for the first-message authentication.
    pub auth_timeout: Duration,
    /// Server ping period.
    pub ping_interval: Duration,
    /// Silence after which a connection is dropped.
    pub idle_timeout: Duration,
}

impl Default for WsConfig {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_unauthenticated: 256,
            metrics_interval: Duration::from_secs(5),
            auth_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// `?token=`.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    token: Option<String>,
}

fn error_msg(message: &str) -> String {
    json!({"type": "error", "timestamp": now(), "data": {"message": message}}).to_string()
}

/// `GET /ws/dashboard` (upgrade).
pub async fn dashboard_ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    q: web::Query<WsQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    // A plain GET (no upgrade headers) gets the JSON error every route answers with.
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        crate::ApiError::bad_request(format!("not a WebSocket upgrade request: {e}"))
    })?;
    let mut stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    let state = state.get_ref().clone();
    let token = q.into_inner().token;
    actix_web::rt::spawn(async move {
        let hub = state.ws.clone();
        // Sockets still authenticating count against their own small cap.
        if hub.pending.fetch_add(1, Ordering::SeqCst) >= hub.config.max_unauthenticated {
            hub.pending.fetch_sub(1, Ordering::SeqCst);
            let _ = session
                .close(Some(CloseReason {
                    code: CloseCode::Again,
                    description: Some("too many connections waiting to authenticate".into()),
                }))
                .await;
            return;
        }
        let principal = authenticate(&state, &mut stream, token).await;
        hub.pending.fetch_sub(1, Ordering::SeqCst);
        let Some(principal) = principal else {
            let _ = session
                .close(Some(CloseReason {
                    code: CloseCode::Policy,
                    description: Some("authentication required".into()),
                }))
                .await;
            return;
        };
        if hub.count.fetch_add(1, Ordering::SeqCst) >= hub.config.max_connections {
            hub.count.fetch_sub(1, Ordering::SeqCst);
            let _ = session
                .close(Some(CloseReason {
                    code: CloseCode::Again,
                    description: Some("too many connections".into()),
                }))
                .await;
            return;
        }
        state.metrics.set_ws_connections(hub.connections());
        run_session(&state, &mut stream, session, principal).await;
        hub.count.fetch_sub(1, Ordering::SeqCst);
        state.metrics.set_ws_connections(hub.connections());
    });
    Ok(response)
}

async fn authenticate(
    state: &AppState,
    stream: &mut AggregatedMessageStream,
    token: Option<String>,
) -> Option<seo_auth::Principal> {
    let token = match token {
        Some(t) => t,
        None => {
            let first = tokio::time::timeout(state.ws.config.auth_timeout, stream.next())
                .await
                .ok()??
                .ok()?;
            let AggregatedMessage::Text(text) = first else {
                return None;
            };
            let v: Value = serde_json::from_str(&text).ok()?;
            if v.get("type").and_then(Value::as_str) != Some("auth") {
                return None;
            }
            v.get("token").and_then(Value::as_str)?.to_string()
        }
    };
    state.auth.authenticate(&token).await.ok()
}

async fn run_session(
    state: &AppState,
    stream: &mut AggregatedMessageStream,
    mut session: actix_ws::Session,
    principal: seo_auth::Principal,
) {
    let hub = state.ws.clone();
    let (tx, mut rx) = mpsc::channel::<Out>(OUTBOX);
    let kicked = Arc::new(tokio::sync::Notify::new());
    let claims = Arc::new(principal.claims.clone());
    let id = hub.register(tx.clone(), kicked.clone(), claims.clone());
    // The token's remaining life: the connection ends with it.
    let expires = tokio::time::sleep(claims.remaining(chrono::Utc::now().timestamp()));
    tokio::pin!(expires);
    // The writer: the only task that writes to the socket.
    let mut writer_session = session.clone();
    let mut writer = actix_web::rt::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Out::Text(t) => {
                    if writer_session.text(t).await.is_err() {
                        return;
                    }
                }
                Out::Close(code, why) => {
                    let _ = writer_session
                        .close(Some(CloseReason {
                            code,
                            description: Some(why.into_owned()),
                        }))
                        .await;
                    return;
                }
            }
        }
        // The hub dropped this connection (too slow).
        let _ = writer_session
            .close(Some(CloseReason {
                code: CloseCode::Policy,
                description: Some("too slow".into()),
            }))
            .await;
    });
    let initial = json!({
        "type": "initial",
        "timestamp": now(),
        "data": {
            "server_time": now(),
            "agents_count": state.agents.ids().len(),
            "user": {"id": principal.user.id, "username": principal.user.username, "role": principal.user.role},
            "subscribed_channels": CHANNELS,
        }
    });
    let _ = tx.try_send(Out::Text(initial.to_string().into()));
    let mut last_seen = Instant::now();
    let mut ping = tokio::time::interval(hub.config.ping_interval);
    ping.tick().await;
    let mut kicked_out = false;
    let mut writer_done = false;
    loop {
        tokio::select! {
            () = kicked.notified() => {
                kicked_out = true;
                break;
            }
            () = &mut expires => {
                let _ = tx.try_send(Out::Close(CloseCode::Policy, "token expired".into()));
                break;
            }
            // The writer ended: it sent a close (an ended session, shutdown) or the socket
            // is gone. Nothing more will reach this client.
            _ = &mut writer => {
                writer_done = true;
                break;
            }
            _ = ping.tick() => {
                if last_seen.elapsed() > hub.config.idle_timeout {
                    let _ = tx.try_send(Out::Close(CloseCode::Policy, "idle".into()));
                    break;
                }
                if session.ping(b"").await.is_err() {
                    break;
                }
            }
            msg = stream.next() => {
                let Some(msg) = msg else { break };
                last_seen = Instant::now();
                match msg {
                    Ok(AggregatedMessage::Text(text)) => {
                        let reply = if text.len() > MAX_MESSAGE {
                            Some(error_msg(&format!(
                                "message too large: {} bytes, the limit is {MAX_MESSAGE}",
                                text.len()
                            )))
                        } else {
                            handle_client_message(state, id, &text).await
                        };
                        if let Some(r) = reply
                            && tx.try_send(Out::Text(r.into())).is_err()
                        {
                            break;
                        }
                    }
                    Ok(AggregatedMessage::Ping(p)) => {
                        let _ = session.pong(&p).await;
                    }
                    Ok(AggregatedMessage::Pong(_)) => {}
                    Ok(AggregatedMessage::Binary(_)) => {
                        let _ = tx.try_send(Out::Close(CloseCode::Unsupported, "binary frames are not accepted".into()));
                        break;
                    }
                    Ok(AggregatedMessage::Close(_)) => break,
                    Err(e) => {
                        let code = close_code_for(&e);
                        let _ = tx.try_send(Out::Close(code, "frame refused".into()));
                        break;
                    }
                }
            }
        }
    }
    hub.unregister(id);
    drop(tx);
    if kicked_out {
        // The writer may be stuck on a full socket: stop it and close from here.
        writer.abort();
        let _ = session
            .close(Some(CloseReason {
                code: CloseCode::Policy,
                description: Some("too slow".into()),
            }))
            .await;
    } else if !writer_done {
        let _ = (&mut writer).await;
    }
}

/// The close code for a frame the protocol layer refused: 1009 for a frame or reassembled
/// message over [`MAX_FRAME`], 1002 for anything else.
fn close_code_for(e: &ProtocolError) -> CloseCode {
    match e {
        // A frame over the limit.
        ProtocolError::Overflow => CloseCode::Size,
        // Continuations adding up past the limit (the aggregator reports it as I/O).
        ProtocolError::Io(io)
            if io.kind() == std::io::ErrorKind::Other
                && io.to_string().contains("continuation") =>
        {
            CloseCode::Size
        }
        _ => CloseCode::Protocol,
    }
}

async fn handle_client_message(state: &AppState, id: u64, text: &str) -> Option<String> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Some(error_msg("malformed JSON"));
    };
    let channels = |v: &Value| -> Result<Vec<String>, String> {
        let list = v["channels"].as_array().ok_or("channels must be a list")?;
        list.iter()
            .map(|c| {
                c.as_str()
                    .filter(|c| CHANNELS.contains(c))
                    .map(str::to_string)
                    .ok_or_else(|| format!("unknown channel {c}; known: {}", CHANNELS.join(", ")))
            })
            .collect()
    };
    match v.get("type").and_then(Value::as_str) {
        Some("ping") => Some(json!({"type": "pong", "timestamp": now()}).to_string()),
        Some("request_metrics") => Some(metrics_update(state)),
        Some("request_agents_status") => Some(agents_status(state).await),
        Some("subscribe") => Some(match channels(&v) {
            Ok(c) => json!({"type": "subscribed", "timestamp": now(), "data": {"channels": state.ws.set_channels(id, &c, &[])}}).to_string(),
            Err(e) => error_msg(&e),
        }),
        Some("unsubscribe") => Some(match channels(&v) {
            Ok(c) => json!({"type": "unsubscribed", "timestamp": now(), "data": {"channels": state.ws.set_channels(id, &[], &c)}}).to_string(),
            Err(e) => error_msg(&e),
        }),
        Some(other) => Some(error_msg(&format!("unknown message type '{other}'"))),
        None => Some(error_msg("every message needs a type")),
    }
}
