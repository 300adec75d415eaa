//! The real binary as an operator runs it: start-up, the embedded default, bad settings,
//! and a clean exit on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_seo-architects");

/// The binary with an empty environment (so nothing of the caller's leaks in) in `dir`.
fn command(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear().current_dir(dir).stdin(Stdio::null());
    c
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(
            start.elapsed() < within,
            "process did not exit in {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn embedded_default_serves_creates_its_database_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .env("PORT", "0")
        .env("ADMIN_PASSWORD", "process-test-password-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (addr, _) = common::wait_listening(&mut child);
    assert!(
        addr.starts_with("127.0.0.1:"),
        "binds loopback by default: {addr}"
    );

    let live = reqwest::get(format!("http://{addr}/health/live"))
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let health: serde_json::Value = reqwest::get(format!("http://{addr}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["components"]["database"]["backend"], "sqlite");
    assert_eq!(health["components"]["kv"]["backend"], "memory");
    assert!(
        dir.path().join("data/seo-architects.db").exists(),
        "SQLite file created on first start"
    );

    // A dashboard client is connected when the stop comes.
    let token = common::access_token(
        &format!("http://{addr}"),
        "admin",
        "process-test-password-1",
    )
    .await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws/dashboard?token={token}"))
            .await
            .unwrap();
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let first = ws.next().await.unwrap().unwrap();
    assert!(matches!(&first, Message::Text(t) if t.as_str().contains("initial")));

    // SIGTERM: WebSockets closed with 1001, graceful stop, exit code 0.
    let pid = i32::try_from(child.id()).unwrap();
    send_signal(pid, "TERM");
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a close frame in time")
        {
            Some(Ok(Message::Close(c))) => break c.map(|c| u16::from(c.code)),
            Some(Ok(_)) => continue,
            other => panic!("connection ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(code, Some(1001), "going away");
    let status = wait_exit(&mut child, Duration::from_secs(20));
    assert!(status.success(), "exit status {status:?}");
}

/// Sends a signal through the `kill` command, keeping the workspace free of `unsafe`.
fn send_signal(pid: i32, sig: &str) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{sig} {pid}");
}

fn run_to_end(envs: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn stderr_last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| l.starts_with("error"))
        .unwrap_or("")
}

#[test]
fn unknown_database_scheme_is_a_one_line_error_with_exit_2() {
    let (code, text) = run_to_end(
        &[("DATABASE_URL", "mysql://root:hunter2@localhost/db")],
        &[],
    );
    assert_eq!(code, 2, "{text}");
    let line = stderr_last_line(&text);
    assert!(
        line.contains("DATABASE_URL") && line.contains("mysql"),
        "{line}"
    );
    assert!(!text.contains("hunter2"), "password leaked: {text}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn unwritable_sqlite_path_is_a_config_error() {
    let (code, text) = run_to_end(&[("DATABASE_URL", "sqlite:///proc/no-such-dir/x.db")], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(stderr_last_line(&text).contains("DATABASE_URL"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn unparsable_settings_exit_2_naming_the_setting() {
    let (code, text) = run_to_end(&[("PORT", "eighty")], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("PORT"), "{text}");
    let (code, text) = run_to_end(&[("LOG_FORMAT", "xml")], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("LOG_FORMAT") || text.contains("log-format"),
        "{text}"
    );
    let (code, text) = run_to_end(&[("LOG_LEVEL", "info,=nonsense[")], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("LOG_LEVEL"), "{text}");
}

#[test]
fn unreachable_postgres_retries_then_fails_clearly() {
    let start = Instant::now();
    let (code, text) = run_to_end(
        &[
            ("DATABASE_URL", "postgres://app:s3cret@127.0.0.1:1/db"),
            ("STARTUP_TIMEOUT_SECONDS", "2"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "it retried for the start-up timeout"
    );
    let line = stderr_last_line(&text);
    assert!(
        line.contains("DATABASE_URL") && line.contains("not reachable"),
        "{line}"
    );
    assert!(!text.contains("s3cret"), "password leaked: {text}");
}

#[test]
fn unreachable_redis_fails_clearly() {
    let (code, text) = run_to_end(
        &[
            ("REDIS_URL", "redis://:pw123@127.0.0.1:1"),
            ("STARTUP_TIMEOUT_SECONDS", "1"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{text}");
    assert!(stderr_last_line(&text).contains("REDIS_URL"), "{text}");
    assert!(!text.contains("pw123"), "password leaked: {text}");
}

#[test]
fn migrate_applies_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let url = format!("sqlite://{}", db.display());
    let out = command(dir.path())
        .env("DATABASE_URL", &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("\"migrations_applied\":8"), "{log}");
    let again = command(dir.path())
        .env("DATABASE_URL", &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("\"migrations_applied\":0"));
}

#[test]
fn help_lists_subcommands_and_settings() {
    let (code, text) = run_to_end(&[], &["--help"]);
    assert_eq!(code, 0);
    for word in [
        "serve",
        "migrate",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_FORMAT",
        "PORT",
    ] {
        assert!(text.contains(word), "--help lacks {word}");
    }
}

#[test]
fn production_refuses_unsafe_settings() {
    let secret = (
        "JWT_SECRET_KEY",
        "a-production-secret-of-enough-length-1234",
    );
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("ENVIRONMENT", "production"),
                ("ADMIN_PASSWORD", "a-strong-password-1"),
            ],
            "JWT_SECRET_KEY",
        ),
        (
            &[
                ("ENVIRONMENT", "production"),
                secret,
                ("ADMIN_PASSWORD", "a-strong-password-1"),
                ("CORS_ORIGINS", "*"),
            ],
            "CORS_ORIGINS",
        ),
        (
            &[
                ("ENVIRONMENT", "production"),
                secret,
                ("ADMIN_PASSWORD", "admin123"),
            ],
            "ADMIN_PASSWORD",
        ),
        (&[("ENVIRONMENT", "production"), secret], "ADMIN_PASSWORD"),
    ];
    for (envs, setting) in cases {
        let (code, text) = run_to_end(envs, &[]);
        assert_eq!(code, 2, "{setting}: {text}");
        assert!(
            stderr_last_line(&text).contains(setting),
            "{setting}: {text}"
        );
        assert!(
            !text.contains("a-production-secret"),
            "the secret leaked: {text}"
        );
    }
}

#[test]
fn the_first_start_creates_admin_and_the_cli_manages_users() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = command(dir.path());
        c.env("DATABASE_URL", &url)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if stdin.is_some() {
            c.stdin(Stdio::piped());
        }
        let mut child = c.spawn().unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, text) = run(
        &[
            "users",
            "create",
            "--username",
            "ops.one",
            "--email",
            "ops@example.com",
            "--role",
            "manager",
        ],
        None,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("created user 'ops.one' (manager)"), "{text}");
    let generated = text
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a generated password is shown once");
    assert_eq!(generated.len(), 20);
    let (code, text) = run(
        &[
            "users",
            "create",
            "--username",
            "ops.one",
            "--email",
            "x@example.com",
        ],
        None,
    );
    assert_eq!(code, 2, "duplicate: {text}");
    let (code, text) = run(
        &[
            "users",
            "create",
            "--username",
            "BAD NAME",
            "--email",
            "x@example.com",
        ],
        None,
    );
    assert_eq!(code, 2, "invalid: {text}");
    let (code, text) = run(
        &[
            "users",
            "reset-password",
            "--username",
            "ops.one",
            "--password-stdin",
        ],
        Some("a-new-password-9\n"),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        !text.contains("a-new-password-9"),
        "a password from stdin is never echoed"
    );
    let (code, text) = run(&["users", "reset-password", "--username", "nobody"], None);
    assert_eq!(code, 2, "{text}");
}

#[tokio::test]
async fn a_fresh_install_logs_the_generated_admin_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (addr, logged) = common::wait_listening(&mut child);
    let password = logged
        .iter()
        .find(|v| v["username"] == "admin")
        .and_then(|v| v["password"].as_str())
        .expect("the generated admin password is logged");
    let r = common::login(&format!("http://{addr}"), "admin", password).await;
    assert_eq!(r.status(), 200, "the logged password signs in");
    send_signal(i32::try_from(child.id()).unwrap(), "TERM");
    assert!(wait_exit(&mut child, Duration::from_secs(20)).success());
}

#[test]
fn run_scores_a_lead_from_stdin_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path())
        .args(["run", "lead_qualification", "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let lead = r#"{"company_name": "Acme", "contact_role": "CEO", "industry": "SaaS", "budget_range": "1 000 000 ₽", "timeline": "in 2 months", "pain_points": ["no leads"]}"#;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lead.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["score"].as_f64().unwrap() > 0.0);
    assert_eq!(v["estimated_deal_value"], 1_000_000.0);
    assert!(v["factors"].as_array().unwrap().len() == 5);
    assert!(
        !dir.path().join("data").exists(),
        "running an agent touches no database"
    );

    let (code, text) = run_to_end(&[], &["run", "no_such_agent", "--input", "-"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("lead_qualification"),
        "lists the available agents: {text}"
    );
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), r#"{"company_name": 5}"#).unwrap();
    let (code, text) = run_to_end(
        &[],
        &[
            "run",
            "lead_qualification",
            "--input",
            f.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{text}");
    assert!(stderr_last_line(&text).contains("company_name"), "{text}");
}
