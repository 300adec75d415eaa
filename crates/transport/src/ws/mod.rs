//! `WS /ws/dashboard`: the live dashboard feed.
//!
//! A connection authenticates with `?token=` or a first message `{"type":"auth","token":…}`
//! within 5 s (else close 1008). Each connection is one task with a bounded outbox it writes
//! to the socket itself; the hub never waits on a client: a full outbox gets the connection
//! closed, so a slow client cannot stall the others. Task events come from the kv channel (Redis when
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
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;

pub use feed::start;
use feed::{agents_status, metrics_update};
pub use hub::Hub;
use hub::{Out, Outbox};

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
    let stream = stream
        .max_frame_size(MAX_FRAME)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME);
    // One task per connection, holding only what it needs while it lives (a reference to the
    // shared state, the socket's two halves, its outbox): memory per socket is what a server
    // with 10,000 dashboards pays 10,000 times.
    actix_web::rt::spawn(connection(state, stream, session, q.into_inner().token));
    Ok(response)
}

/// A connection's life: the authentication, then the session.
///
/// An `async move` block rather than an `async fn`: the latter copies its arguments into
/// locals, so the stream would be held twice for the life of the connection.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would hold its arguments twice for the socket's life"
)]
fn connection(
    state: web::Data<AppState>,
    mut stream: AggregatedMessageStream,
    session: actix_ws::Session,
    token: Option<String>,
) -> impl Future<Output = ()> {
    async move {
        let hub = &state.ws;
        let patience = hub.config.idle_timeout;
        // Sockets still authenticating count against their own small cap.
        let Some(pending) = Hub::take_slot(&hub.pending, hub.config.max_unauthenticated) else {
            let why = "too many connections waiting to authenticate";
            close(session, CloseCode::Again, why, patience).await;
            return;
        };
        // Boxed: the authentication's state (a database read) is large and short-lived; inline
        // it would size the task for the whole life of the connection. Only what the session
        // needs is kept: the first message and the token's claims.
        let signed_in = Box::pin(async {
            let p = authenticate(&state, &mut stream, token).await?;
            Some((initial_message(&state, &p.user), Arc::new(p.claims)))
        })
        .await;
        drop(pending);
        let (initial, claims) = match signed_in {
            Some(signed_in) => signed_in,
            None => {
                close(
                    session,
                    CloseCode::Policy,
                    "authentication required",
                    patience,
                )
                .await;
                return;
            }
        };
        let Some(live) = Hub::take_slot(&hub.count, hub.config.max_connections) else {
            close(session, CloseCode::Again, "too many connections", patience).await;
            return;
        };
        let _live = Live::new(&state, live);
        run_session(&state, &mut stream, session, initial, claims).await;
    }
}

/// A signed-in connection's place in the hub's count, with the `ws_connections` gauge kept
/// current: set when the session starts and again when the place is given back (also when
/// the task is dropped or unwinds).
struct Live<'a> {
    state: &'a AppState,
    slot: Option<hub::Slot<'a>>,
}

impl<'a> Live<'a> {
    fn new(state: &'a AppState, slot: hub::Slot<'a>) -> Self {
        state.metrics.set_ws_connections(state.ws.connections());
        Self {
            state,
            slot: Some(slot),
        }
    }
}

impl Drop for Live<'_> {
    fn drop(&mut self) {
        drop(self.slot.take());
        self.state
            .metrics
            .set_ws_connections(self.state.ws.connections());
    }
}

/// Sends a close frame after what the socket already holds, giving up when the client has not
/// read that far within `patience` (the socket is then dropped without one).
async fn close(
    session: actix_ws::Session,
    code: CloseCode,
    why: impl Into<String>,
    patience: Duration,
) {
    let reason = CloseReason {
        code,
        description: Some(why.into()),
    };
    let _ = tokio::time::timeout(patience, session.close(Some(reason))).await;
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

/// The first message of a session.
fn initial_message(state: &AppState, user: &seo_domain::User) -> String {
    json!({
        "type": "initial",
        "timestamp": now(),
        "data": {
            "server_time": now(),
            "agents_count": state.agents.ids().len(),
            "user": {"id": user.id, "username": user.username, "role": user.role},
            "subscribed_channels": CHANNELS,
        }
    })
    .to_string()
}

/// How a session's loop ended.
enum End {
    /// The socket is gone, or a close frame from the outbox was written.
    Done,
    /// Too slow: its outbox overflowed, or a write stalled past the idle timeout.
    Kicked,
    /// The server ends it: what is queued is written, then this close frame.
    Close(CloseCode, &'static str),
    /// The client closed: its close frame is answered with the same code.
    Answer(Option<CloseReason>),
}

/// What writing a batch of the outbox came to.
enum Flow {
    Continue,
    Closed,
    Kicked,
}

/// Writes `batch` in order. A write that waits (the client is not reading) gives up when the
/// connection is kicked meanwhile or after `patience`.
async fn deliver(
    session: &mut actix_ws::Session,
    outbox: &Outbox,
    batch: std::collections::VecDeque<Out>,
    patience: Duration,
) -> Flow {
    for out in batch {
        match out {
            Out::Text(text) => {
                let written = tokio::select! {
                    biased;
                    r = session.text(text) => r.is_ok(),
                    () = stalled(outbox, patience) => return Flow::Kicked,
                };
                if !written {
                    return Flow::Closed;
                }
            }
            Out::Close(code, why) => {
                close(session.clone(), code, why, patience).await;
                return Flow::Closed;
            }
        }
    }
    Flow::Continue
}

/// Completes when the connection is kicked or after `patience`, whichever comes first.
async fn stalled(outbox: &Outbox, patience: Duration) {
    let deadline = tokio::time::sleep(patience);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => return,
            () = outbox.wait() => if outbox.kicked() { return },
        }
    }
}

/// The session of an authenticated socket.
///
/// What it keeps across its waits is the whole per-socket cost of the task, so the larger,
/// short-lived steps (writing a batch, a close, a ping, a client message) run boxed.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would hold its arguments twice for the socket's life"
)]
fn run_session(
    state: &AppState,
    stream: &mut AggregatedMessageStream,
    mut session: actix_ws::Session,
    initial: String,
    claims: Arc<seo_auth::Claims>,
) -> impl Future<Output = ()> {
    async move {
        let hub = &state.ws;
        let patience = hub.config.idle_timeout;
        let outbox = Arc::new(Outbox::default());
        // The token's remaining life: the connection ends with it.
        let expires = tokio::time::sleep(claims.remaining(chrono::Utc::now().timestamp()));
        tokio::pin!(expires);
        let registration = hub.register(outbox.clone(), claims);
        let id = registration.id();
        let _ = outbox.push(Out::Text(initial.into()));
        let mut last_seen = Instant::now();
        let mut ping = tokio::time::interval(hub.config.ping_interval);
        ping.tick().await;
        let end = 'session: loop {
            tokio::select! {
                () = outbox.wait() => {
                    // Drain until empty: a wait inside `deliver` may have taken the wake-up of
                    // what was queued meanwhile.
                    loop {
                        let Some(batch) = outbox.take() else { break 'session End::Kicked };
                        if batch.is_empty() {
                            break;
                        }
                        match Box::pin(deliver(&mut session, &outbox, batch, patience)).await {
                            Flow::Continue => {}
                            Flow::Closed => break 'session End::Done,
                            Flow::Kicked => break 'session End::Kicked,
                        }
                    }
                }
                () = &mut expires => break End::Close(CloseCode::Policy, "token expired"),
                _ = ping.tick() => {
                    if last_seen.elapsed() > patience {
                        break End::Close(CloseCode::Policy, "idle");
                    }
                    let ping = Box::pin(tokio::time::timeout(patience, session.ping(b"")));
                    if !matches!(ping.await, Ok(Ok(()))) {
                        break End::Done;
                    }
                }
                msg = stream.next() => {
                    let Some(msg) = msg else { break End::Done };
                    last_seen = Instant::now();
                    match msg {
                        Ok(AggregatedMessage::Text(text)) => {
                            let reply = if text.len() > MAX_MESSAGE {
                                Some(error_msg(&format!(
                                    "message too large: {} bytes, the limit is {MAX_MESSAGE}",
                                    text.len()
                                )))
                            } else {
                                // Boxed for the same reason as the authentication.
                                Box::pin(handle_client_message(state, id, &text)).await
                            };
                            if let Some(r) = reply
                                && outbox.push(Out::Text(r.into())).is_err()
                            {
                                break End::Kicked;
                            }
                        }
                        Ok(AggregatedMessage::Ping(p)) => {
                            let _ = Box::pin(tokio::time::timeout(patience, session.pong(&p))).await;
                        }
                        Ok(AggregatedMessage::Pong(_)) => {}
                        Ok(AggregatedMessage::Binary(_)) => {
                            break End::Close(CloseCode::Unsupported, "binary frames are not accepted");
                        }
                        Ok(AggregatedMessage::Close(reason)) => break End::Answer(reason),
                        Err(e) => break End::Close(close_code_for(&e), "frame refused"),
                    }
                }
            }
        };
        drop(registration);
        match end {
            End::Done => {}
            End::Kicked => Box::pin(close(session, CloseCode::Policy, "too slow", patience)).await,
            End::Answer(reason) => {
                let _ = Box::pin(tokio::time::timeout(patience, session.close(reason))).await;
            }
            End::Close(code, why) => {
                // What was queued before the decision is still written, then the close.
                if let Some(batch) = outbox.take()
                    && !matches!(
                        Box::pin(deliver(&mut session, &outbox, batch, patience)).await,
                        Flow::Continue
                    )
                {
                    return;
                }
                Box::pin(close(session, code, why, patience)).await;
            }
        }
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
