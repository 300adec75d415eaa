//! Helpers shared by the tests that drive the real binary as a process.
// Each test file uses only some of them.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::time::Duration;

use serde_json::Value;

/// Reads the child's JSON log lines until the "listening" one; returns its address and the
/// lines logged before it.
pub fn wait_listening(child: &mut Child) -> (String, Vec<Value>) {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut before = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if v["message"] == "listening" {
                let addr = v["addr"].as_str().unwrap().to_string();
                let _ = tx.send((addr, std::mem::take(&mut before)));
            } else {
                before.push(v);
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("server did not report listening")
}

/// Signs in at `base` (`http://host:port`); the raw response.
pub async fn login(base: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Signs in at `base`; the access token.
pub async fn access_token(base: &str, username: &str, password: &str) -> String {
    let body: Value = login(base, username, password).await.json().await.unwrap();
    body["access_token"]
        .as_str()
        .expect("signed in")
        .to_string()
}
