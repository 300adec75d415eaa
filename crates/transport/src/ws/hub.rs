//! The hub: every live connection, sharded by the thread that runs it, with its channels,
//! its bounded outbox and the fan-out of one encoded message to all of them.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_ws::CloseCode;
use bytestring::ByteString;
use tokio::sync::{Notify, mpsc};

use super::{CHANNELS, OUTBOX, WsConfig};

/// What a connection is asked to write.
pub(super) enum Out {
    /// Shared, reference-counted text: a broadcast is encoded once for every connection.
    Text(ByteString),
    /// A close frame: the last thing written.
    Close(CloseCode, std::borrow::Cow<'static, str>),
}

/// One connection's outbox: what the hub and the connection itself queued for the socket,
/// written by the connection's task in order.
///
/// An empty outbox holds no allocation (a queue that was drained is handed over whole), so an
/// idle socket costs only this struct; at most [`OUTBOX`] messages wait in it, beyond which the
/// connection counts as too slow and is kicked.
#[derive(Default)]
pub(super) struct Outbox {
    queue: Mutex<Queue>,
    wake: Notify,
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Out>,
    kicked: bool,
}

/// The outbox is full (or its connection was kicked): the message was not queued.
#[derive(Debug)]
pub(super) struct Full;

impl Outbox {
    /// Queues `out` and wakes the connection; refused when [`OUTBOX`] messages already wait.
    pub(super) fn push(&self, out: Out) -> Result<(), Full> {
        let mut q = lock(&self.queue);
        if q.kicked || q.items.len() >= OUTBOX {
            return Err(Full);
        }
        q.items.push_back(out);
        drop(q);
        self.wake.notify_one();
        Ok(())
    }

    /// Marks the connection too slow and wakes it: it stops writing and closes.
    pub(super) fn kick(&self) {
        lock(&self.queue).kicked = true;
        self.wake.notify_one();
    }

    /// Everything queued so far (the queue is left empty, without capacity), or `None` when
    /// the connection was kicked.
    pub(super) fn take(&self) -> Option<VecDeque<Out>> {
        let mut q = lock(&self.queue);
        if q.kicked {
            return None;
        }
        Some(std::mem::take(&mut q.items))
    }

    /// Whether the connection was kicked.
    pub(super) fn kicked(&self) -> bool {
        lock(&self.queue).kicked
    }

    /// Waits until something is queued or the connection is kicked (returns at once when that
    /// happened since the last wait).
    pub(super) async fn wait(&self) {
        self.wake.notified().await;
    }
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
    outbox: Arc<Outbox>,
    channels: Channels,
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
/// reference-counted buffer) to each of its connections: waking a connection's task is then
/// a same-thread wake, not a cross-thread one, so a broadcast to 10,000 clients costs a
/// handful of thread wake-ups rather than 10,000.
pub struct Hub {
    shards: Mutex<HashMap<std::thread::ThreadId, Shard>>,
    next_id: AtomicU64,
    pub(super) count: AtomicUsize,
    pub(super) pending: AtomicUsize,
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues `msg` to every connection of `conns` subscribed to `bit`, never waiting: a
/// connection whose outbox is full is removed and told to close.
fn fan_out(conns: &Mutex<HashMap<u64, Conn>>, bit: u8, msg: &ByteString) {
    let mut conns = lock(conns);
    let mut slow = Vec::new();
    for (id, c) in conns.iter() {
        if c.channels.0 & bit != 0 && c.outbox.push(Out::Text(msg.clone())).is_err() {
            slow.push(*id);
        }
    }
    for id in slow {
        if let Some(c) = conns.remove(&id) {
            tracing::warn!(connection = id, "websocket client too slow; disconnected");
            c.outbox.kick();
        }
    }
}

/// Asks every connection of `conns` to close with 1001; one whose outbox is full is kicked.
fn close_all(conns: &Mutex<HashMap<u64, Conn>>) {
    let mut conns = lock(conns);
    for (_, c) in conns.drain() {
        if c.outbox
            .push(Out::Close(CloseCode::Away, "server shutting down".into()))
            .is_err()
        {
            c.outbox.kick();
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
            && c.outbox
                .push(Out::Close(CloseCode::Policy, ended.reason.clone().into()))
                .is_err()
        {
            c.outbox.kick();
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

    /// Adds a connection; it leaves the hub when the returned registration is dropped (also
    /// when its task is dropped or unwinds).
    pub(super) fn register(
        &self,
        outbox: Arc<Outbox>,
        claims: Arc<seo_auth::Claims>,
    ) -> Registration<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.shard()).insert(
            id,
            Conn {
                outbox,
                channels: Channels::ALL,
                claims,
            },
        );
        Registration { hub: self, id }
    }

    fn unregister(&self, id: u64) {
        lock(&self.shard()).remove(&id);
    }

    /// Takes a place in `counter` (the hub's `pending` or `count`) unless `limit` are taken;
    /// the place is given back when the slot is dropped, however the connection ends.
    pub(super) fn take_slot(counter: &AtomicUsize, limit: usize) -> Option<Slot<'_>> {
        if counter.fetch_add(1, Ordering::SeqCst) >= limit {
            counter.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(counter))
    }

    pub(super) fn set_channels(&self, id: u64, add: &[String], remove: &[String]) -> Vec<String> {
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

/// A connection in the hub (see [`Hub::register`]).
pub(super) struct Registration<'a> {
    hub: &'a Hub,
    id: u64,
}

impl Registration<'_> {
    /// The connection's id in the hub.
    pub(super) fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}

/// A place taken in one of the hub's counters (see [`Hub::take_slot`]).
pub(super) struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
