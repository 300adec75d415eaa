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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};
use bytestring::ByteString;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::AppState;

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

enum Out {
    /// Shared, reference-counted text: a broadcast is encoded once for every connection.
    Text(ByteString),
    Close(CloseCode, std::borrow::Cow<'static, str>),
}

/// A set of [`CHANNELS`], one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Channels(u8);

impl Channels {
    const ALL: Self = Self((1 << CHANNELS.len()) - 1);

    fn bit(name: &str) -> Option<u8> {
        CHANNELS.iter().position(|c| *c == name).map(|i| 1 << i)
    }

    fn names(self) -> Vec<String> {
        let mut v: Vec<String> = CHANNELS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, c)| c.to_string())
            .collect();
        v.sort();
        v
    }
}

struct Conn {
    tx: mpsc::Sender<Out>,
    channels: Channels,
    kicked: Arc<tokio::sync::Notify>,
    /// The token the connection authenticated with.
    claims: Arc<seo_auth::Claims>,
}

type ConnMap = Arc<Mutex<HashMap<u64, Conn>>>;

/// What a shard's fan-out task is asked to do.
enum FanOut {
    /// Queue a message to the connections subscribed to this channel bit.
    Send(u8, ByteString),
    /// Close every connection with 1001 (the server is going away).
    CloseAll,
    /// Close with 1008 the connections resting on an ended session.
    End(Arc<seo_auth::SessionEnded>),
}

/// The connections served by one actix worker thread, and the sender of its fan-out task.
struct Shard {
    conns: ConnMap,
    fanout: mpsc::Sender<FanOut>,
}

/// Broadcasts queued for one worker's fan-out task before further ones are dropped (only a
/// worker thread stalled for that long would fill it).
const FANOUT_QUEUE: usize = 4096;

/// The connections of this instance.
///
/// Connections are kept per actix worker thread (a shard). A broadcast is handed once to each
/// shard's fan-out task, which runs on that worker and queues the message (one shared,
/// reference-counted buffer) to each of its connections: waking a connection's writer is then
/// a same-thread wake, not a cross-thread one, so a broadcast to 10,000 clients costs a
/// handful of thread wake-ups rather than 10,000.
pub struct Hub {
    shards: Mutex<HashMap<std::thread::ThreadId, Shard>>,
    next_id: AtomicU64,
    count: AtomicUsize,
    pending: AtomicUsize,
    /// Settings.
    pub config: WsConfig,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("connections", &self.count.load(Ordering::Relaxed))
            .finish()
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues `msg` to every connection of `conns` subscribed to `bit`, never waiting: a
/// connection whose outbox is full is removed and told to close.
fn fan_out(conns: &Mutex<HashMap<u64, Conn>>, bit: u8, msg: &ByteString) {
    let mut conns = lock(conns);
    let mut slow = Vec::new();
    for (id, c) in conns.iter() {
        if c.channels.0 & bit != 0
            && let Err(mpsc::error::TrySendError::Full(_)) = c.tx.try_send(Out::Text(msg.clone()))
        {
            slow.push(*id);
        }
    }
    for id in slow {
        if let Some(c) = conns.remove(&id) {
            tracing::warn!(connection = id, "websocket client too slow; disconnected");
            c.kicked.notify_one();
        }
    }
}

/// Asks every connection of `conns` to close with 1001; one whose outbox is full is kicked.
fn close_all(conns: &Mutex<HashMap<u64, Conn>>) {
    let mut conns = lock(conns);
    for (_, c) in conns.drain() {
        if c.tx
            .try_send(Out::Close(CloseCode::Away, "server shutting down".into()))
            .is_err()
        {
            c.kicked.notify_one();
        }
    }
}

/// Closes with 1008 the connections of `conns` whose token `ended` covers.
fn end_sessions(conns: &Mutex<HashMap<u64, Conn>>, ended: &seo_auth::SessionEnded) {
    let mut conns = lock(conns);
    let gone: Vec<u64> = conns
        .iter()
        .filter(|(_, c)| ended.covers(&c.claims))
        .map(|(id, _)| *id)
        .collect();
    for id in gone {
        if let Some(c) = conns.remove(&id)
            && c.tx
                .try_send(Out::Close(CloseCode::Policy, ended.reason.clone().into()))
                .is_err()
        {
            c.kicked.notify_one();
        }
    }
}

impl Hub {
    /// Closes with 1008 every connection of this instance whose session `ended` covers.
    pub fn end_sessions(&self, ended: seo_auth::SessionEnded) {
        let ended = Arc::new(ended);
        for shard in lock(&self.shards).values() {
            let _ = shard.fanout.try_send(FanOut::End(ended.clone()));
        }
    }

    /// Closes every connection of this instance with 1001 ("going away"), as the first step
    /// of a graceful shutdown; clients reconnect to another instance.
    pub fn close_all(&self) {
        for shard in lock(&self.shards).values() {
            let _ = shard.fanout.try_send(FanOut::CloseAll);
        }
    }

    /// An empty hub.
    pub fn new(config: WsConfig) -> Self {
        Self {
            shards: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            count: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            config,
        }
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Sends `msg` to every connection subscribed to `channel`, never waiting: a connection
    /// whose outbox is full is closed.
    pub fn broadcast(&self, channel: &str, msg: &str) {
        let Some(bit) = Channels::bit(channel) else {
            return;
        };
        let msg = ByteString::from(msg);
        // A shard whose worker is gone (its fan-out task ended) is dropped here.
        lock(&self.shards).retain(|_, shard| {
            match shard.fanout.try_send(FanOut::Send(bit, msg.clone())) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        channel,
                        "a websocket worker is not keeping up; broadcast dropped there"
                    );
                    true
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
    }

    /// The shard of the calling worker thread, created (with its fan-out task) on first use.
    /// Called only from connection tasks, which actix runs on its worker threads' local sets.
    fn shard(&self) -> ConnMap {
        let mut shards = lock(&self.shards);
        let shard = shards
            .entry(std::thread::current().id())
            .or_insert_with(|| {
                let conns: ConnMap = Arc::default();
                let (fanout, mut rx) = mpsc::channel::<FanOut>(FANOUT_QUEUE);
                let mine = conns.clone();
                // Ends when the hub (the only sender) is dropped, or with the worker.
                actix_web::rt::spawn(async move {
                    while let Some(job) = rx.recv().await {
                        match job {
                            FanOut::Send(bit, msg) => fan_out(&mine, bit, &msg),
                            FanOut::CloseAll => close_all(&mine),
                            FanOut::End(ended) => end_sessions(&mine, &ended),
                        }
                    }
                });
                Shard { conns, fanout }
            });
        shard.conns.clone()
    }

    fn register(
        &self,
        tx: mpsc::Sender<Out>,
        kicked: Arc<tokio::sync::Notify>,
        claims: Arc<seo_auth::Claims>,
    ) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.shard()).insert(
            id,
            Conn {
                tx,
                channels: Channels::ALL,
                kicked,
                claims,
            },
        );
        id
    }

    fn unregister(&self, id: u64) {
        lock(&self.shard()).remove(&id);
    }

    fn set_channels(&self, id: u64, add: &[String], remove: &[String]) -> Vec<String> {
        let shard = self.shard();
        let mut conns = lock(&shard);
        let Some(c) = conns.get_mut(&id) else {
            return Vec::new();
        };
        for bit in add.iter().filter_map(|a| Channels::bit(a)) {
            c.channels.0 |= bit;
        }
        for bit in remove.iter().filter_map(|r| Channels::bit(r)) {
            c.channels.0 &= !bit;
        }
        c.channels.names()
    }
}

fn metrics_update(state: &AppState) -> String {
    let s = state.metrics.system();
    json!({
        "type": "metrics_update",
        "timestamp": now(),
        "data": {"system": {
            "cpu_percent": s.cpu_percent,
            "memory_percent": s.memory_percent,
            "active_connections": state.ws.connections(),
            "process_resident_bytes": s.process_resident_bytes,
        }}
    })
    .to_string()
}

async fn agents_status(state: &AppState) -> String {
    let health = state.agents.health_all().await;
    let agents: Vec<Value> = state
        .agents
        .list()
        .into_iter()
        .map(|a| json!({"agent_id": a.agent_id, "name": a.name, "status": health.get(a.agent_id).map_or("unknown", |h| h.status), "stats": a.stats}))
        .collect();
    let healthy = health.values().filter(|h| h.status == "healthy").count();
    json!({
        "type": "agents_status",
        "timestamp": now(),
        "data": {"agents": agents, "summary": {"total_agents": health.len(), "healthy_agents": healthy}}
    })
    .to_string()
}

/// Starts the hub's feeders: kv events to `tasks`/`campaigns`/`alerts` subscribers, and the
/// periodic `metrics_update`.
pub fn start(state: AppState) {
    let changed = state.clone();
    tokio::spawn(async move {
        let mut sub = match changed.kv.subscribe(seo_auth::USERS_CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "changed users unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            if let Ok(id) = uuid::Uuid::parse_str(msg.trim()) {
                changed.auth.forget_user(id);
            }
        }
    });
    let ended = state.clone();
    tokio::spawn(async move {
        let mut sub = match ended.kv.subscribe(seo_auth::SESSIONS_CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "ended sessions unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            match serde_json::from_str::<seo_auth::SessionEnded>(&msg) {
                Ok(e) => ended.ws.end_sessions(e),
                Err(e) => tracing::warn!(error = %e, "malformed ended-session message"),
            }
        }
    });
    let s = state.clone();
    tokio::spawn(async move {
        let mut sub = match s.kv.subscribe(crate::events::CHANNEL).await {
            Ok(sub) => sub,
            Err(e) => {
                tracing::error!(error = %e, "live events unavailable: cannot subscribe");
                return;
            }
        };
        while let Some(msg) = sub.recv().await {
            let channel = match serde_json::from_str::<Value>(&msg)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
            {
                Some(t) if t == "task_update" || t == "workflow_update" => "tasks",
                // The pipeline's records travel with the campaigns: the agency's work.
                Some(t)
                    if t == "campaign_update" || t == "lead_update" || t == "proposal_update" =>
                {
                    "campaigns"
                }
                Some(t) if t == "alert" => "alerts",
                _ => continue,
            };
            s.ws.broadcast(channel, &msg);
        }
    });
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(state.ws.config.metrics_interval).await;
            if state.ws.connections() > 0 {
                state.ws.broadcast("metrics", &metrics_update(&state));
                for alert in state.alerts() {
                    let msg = json!({"type": "alert", "timestamp": now(), "data": alert});
                    state.ws.broadcast("alerts", &msg.to_string());
                }
            }
        }
    });
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
