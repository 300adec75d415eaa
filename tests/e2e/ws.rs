//! `WS /ws/dashboard` as a dashboard client uses it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use seo_e2e::{TestApp, spawn_app, spawn_with};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, query: &str) -> Ws {
    let url = format!("{}/ws/dashboard{query}", app.base.replacen("http", "ws", 1));
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next JSON message (skipping pings), or the close code.
async fn next(ws: &mut Ws) -> Result<Value, u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
        {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Close(c))) => return Err(c.map_or(1005, |c| u16::from(c.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(1006),
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_or_bad_token_is_closed_with_1008() {
    let app = spawn_app().await;
    let mut ws = connect(&app, "?token=not-a-token").await;
    assert_eq!(next(&mut ws).await, Err(1008));
    let mut ws = connect(&app, "").await;
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(
        next(&mut ws).await,
        Err(1008),
        "the first message must authenticate"
    );
    let t = app.admin_token().await;
    let mut ws = connect(&app, "").await;
    send(&mut ws, json!({"type": "auth", "token": t})).await;
    assert_eq!(
        next(&mut ws).await.unwrap()["type"],
        "initial",
        "first-message authentication works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_then_receive_task_updates_in_order() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut ws = connect(&app, &format!("?token={t}")).await;
    let initial = next(&mut ws).await.unwrap();
    assert_eq!(initial["type"], "initial");
    assert_eq!(
        initial["data"]["agents_count"],
        serde_json::json!(app.running.state.agents.ids().len())
    );
    assert_eq!(initial["data"]["user"]["username"], "admin");
    assert!(initial["timestamp"].is_string());
    send(
        &mut ws,
        json!({"type": "unsubscribe", "channels": ["metrics", "agents", "campaigns", "alerts"]}),
    )
    .await;
    assert_eq!(
        next(&mut ws).await.unwrap()["data"]["channels"],
        json!(["tasks"])
    );
    let (s, task) = app
        .send(
            Method::POST,
            "/api/agents/lead_qualification/tasks",
            &t,
            Some(json!({"input": {"company_name": "Acme"}})),
        )
        .await;
    assert_eq!(s, 202);
    let id = task["id"].as_str().unwrap();
    let mut events = Vec::new();
    while events.last().map(String::as_str) != Some("completed") {
        let m = next(&mut ws).await.unwrap();
        if m["type"] == "workflow_update" {
            // The lead's workflow run, on the same `tasks` channel.
            assert_eq!(m["data"]["workflow_id"], "lead");
            continue;
        }
        assert_eq!(m["type"], "task_update");
        if m["data"]["task_id"] == id {
            events.push(m["data"]["event"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(events, ["created", "started", "completed"]);
    // The run ends with the step (a cold lead gets no proposal).
    let done = next(&mut ws).await.unwrap();
    assert_eq!(
        (done["type"].as_str(), done["data"]["status"].as_str()),
        (Some("workflow_update"), Some("completed"))
    );
    // Campaign lifecycle events reach `campaigns` subscribers.
    send(
        &mut ws,
        json!({"type": "subscribe", "channels": ["campaigns"]}),
    )
    .await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "subscribed");
    let (_, client) = app
        .send(
            Method::POST,
            "/api/clients",
            &t,
            Some(json!({"company_name": "Acme"})),
        )
        .await;
    let (_, camp) = app
        .send(
            Method::POST,
            "/api/campaigns",
            &t,
            Some(json!({"client_id": client["id"], "name": "Q", "campaign_type": "content"})),
        )
        .await;
    app.send(
        Method::POST,
        &format!("/api/campaigns/{}/start", camp["id"].as_str().unwrap()),
        &t,
        None,
    )
    .await;
    let c = loop {
        let m = next(&mut ws).await.unwrap();
        if m["type"] == "campaign_update" {
            break m;
        }
    };
    assert_eq!(
        (c["data"]["action"].as_str(), c["data"]["status"].as_str()),
        (Some("start"), Some("active"))
    );
    send(&mut ws, json!({"type": "request_agents_status"})).await;
    let st = loop {
        let m = next(&mut ws).await.unwrap();
        if m["type"] == "agents_status" {
            break m;
        }
    };
    assert_eq!(
        (
            st["type"].as_str(),
            st["data"]["summary"]["total_agents"].as_u64()
        ),
        (
            Some("agents_status"),
            u64::try_from(app.running.state.agents.ids().len()).ok()
        )
    );
    assert_eq!(
        st["data"]["summary"]["healthy_agents"],
        serde_json::json!(app.running.state.agents.ids().len())
    );
    send(&mut ws, json!({"type": "request_metrics"})).await;
    let m = loop {
        let m = next(&mut ws).await.unwrap();
        if m["type"] == "metrics_update" {
            break m;
        }
    };
    assert_eq!(m["type"], "metrics_update");
    assert_eq!(m["data"]["system"]["active_connections"], 1);
    assert!(
        m["data"]["system"]["cpu_percent"].is_number()
            && m["data"]["system"]["memory_percent"].is_number()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_get_errors_and_the_connection_stays() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut ws = connect(&app, &format!("?token={t}")).await;
    next(&mut ws).await.unwrap();
    for bad in [
        json!("not an object").to_string(),
        "{malformed".to_string(),
        json!({"type": "launch"}).to_string(),
        json!({"type": "subscribe", "channels": ["nope"]}).to_string(),
    ] {
        ws.send(Message::Text(bad.clone().into())).await.unwrap();
        let m = next(&mut ws).await.unwrap();
        assert_eq!(m["type"], "error", "{bad}");
    }
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(
        next(&mut ws).await.unwrap()["type"],
        "pong",
        "still connected"
    );
    ws.send(Message::Binary(vec![1u8, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await, Err(1003), "binary frames are refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_and_frame_size_limits() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut ws = connect(&app, &format!("?token={t}")).await;
    next(&mut ws).await.unwrap();

    // A 20 KiB message: refused with an error, the connection stays.
    let big = json!({"type": "ping", "pad": "x".repeat(20 * 1024)}).to_string();
    ws.send(Message::Text(big.into())).await.unwrap();
    let m = next(&mut ws).await.unwrap();
    assert_eq!(m["type"], "error");
    assert!(m["data"]["message"].as_str().unwrap().contains("too large"));
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "pong");

    // A message split over continuation frames is reassembled and answered.
    let whole = json!({"type": "ping"}).to_string();
    let (a, b) = whole.as_bytes().split_at(5);
    let frame = |fin: bool, op: OpCode, data: &[u8]| {
        let header = FrameHeader {
            is_final: fin,
            opcode: op,
            ..FrameHeader::default()
        };
        Message::Frame(Frame::from_payload(header, data.to_vec().into()))
    };
    ws.send(frame(false, OpCode::Data(Data::Text), a))
        .await
        .unwrap();
    ws.send(frame(true, OpCode::Data(Data::Continue), b))
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await.unwrap()["type"], "pong", "reassembled");

    // A single frame over 64 KiB closes the connection with 1009.
    ws.send(Message::Text("x".repeat(100 * 1024).into()))
        .await
        .unwrap();
    assert_eq!(next(&mut ws).await, Err(1009), "oversized frame");

    // So do continuation frames adding up past 64 KiB.
    let mut ws = connect(&app, &format!("?token={t}")).await;
    next(&mut ws).await.unwrap();
    let chunk = vec![b'x'; 30 * 1024];
    ws.send(frame(false, OpCode::Data(Data::Text), &chunk))
        .await
        .unwrap();
    for _ in 0..2 {
        ws.send(frame(false, OpCode::Data(Data::Continue), &chunk))
            .await
            .unwrap();
    }
    assert_eq!(next(&mut ws).await, Err(1009), "oversized message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_dropped_and_others_keep_receiving() {
    tokio::time::timeout(Duration::from_secs(90), slow_client_case())
        .await
        .expect("the case finishes");
}

async fn slow_client_case() {
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut slow = connect(&app, &format!("?token={t}")).await;
    let mut fast = connect(&app, &format!("?token={t}")).await;
    next(&mut fast).await.unwrap();
    // Events of ~64 KiB, straight into the hub, paced so the fast client keeps up: far
    // more than socket buffers and the slow client's outbox hold.
    let filler = "x".repeat(64 * 1024);
    let hub = app.running.state.ws.clone();
    let total = 1500;
    let mut received = 0;
    for i in 0..total {
        let msg = json!({"type": "task_update", "timestamp": "", "data": {"event": "progress", "n": i, "pad": filler}});
        hub.broadcast("tasks", &msg.to_string());
        // Skip anything else (a periodic metrics_update may arrive in between).
        loop {
            let m = next(&mut fast).await.unwrap();
            if m["data"]["event"] == "progress" {
                received += 1;
                break;
            }
        }
    }
    assert_eq!(received, total, "the reading client got everything");
    // The slow client now reads: it gets the backlog that fitted, then the close.
    let mut before_close = 0;
    let code = loop {
        match next(&mut slow).await {
            Ok(_) => before_close += 1,
            Err(code) => break code,
        }
    };
    assert!(
        before_close < total,
        "the slow client was cut off ({before_close} messages)"
    );
    assert_eq!(code, 1008);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_on_one_instance_reaches_a_client_on_another() {
    let Some((db, redis)) = seo_e2e::external_services().await else {
        eprintln!("TEST_DATABASE_URL/TEST_REDIS_URL not set: skipped");
        return;
    };
    let prefix = format!("ws-{}", uuid::Uuid::new_v4().simple());
    let configure = |c: &mut seo_architects::Config| {
        c.database_url = db.clone();
        c.redis_url = Some(redis.clone());
        c.redis_key_prefix = prefix.clone();
        c.workers = 0;
    };
    let a = spawn_with(configure).await;
    let b = spawn_with(configure).await;
    let t = b.admin_token().await;
    let mut ws = connect(&b, &format!("?token={t}")).await;
    next(&mut ws).await.unwrap();
    let ta = a.admin_token().await;
    let (s, task) = a
        .send(Method::POST, "/api/tasks", &ta, Some(json!({"agent_id": "lead_qualification", "task_type": "qualify_lead", "input": {"company_name": "Acme"}})))
        .await;
    assert_eq!(s, 202);
    loop {
        let m = next(&mut ws).await.unwrap();
        if m["type"] == "task_update" && m["data"]["task_id"] == task["id"] {
            assert_eq!(m["data"]["event"], "created");
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_close_is_answered_with_its_code_and_the_socket_is_released() {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let app = spawn_app().await;
    let t = app.admin_token().await;
    let mut ws = connect(&app, &format!("?token={t}")).await;
    assert_eq!(next(&mut ws).await.unwrap()["type"], "initial");
    assert_eq!(app.running.state.ws.connections(), 1);
    ws.send(Message::Close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "bye".into(),
    })))
    .await
    .unwrap();
    // The server echoes the code (RFC 6455 §5.5.1), not a close of its own.
    assert_eq!(next(&mut ws).await, Err(1000));
    // The hub lets the connection go.
    let released = async {
        while app.running.state.ws.connections() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), released)
        .await
        .expect("the connection is released");
}
