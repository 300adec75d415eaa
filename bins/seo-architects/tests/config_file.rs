//! The configuration file as an operator uses it: precedence, round trip, refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_seo-architects");

/// Runs the binary with only `envs` in its environment; returns exit code, stdout, stderr.
fn run(dir: &std::path::Path, envs: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .env_clear()
        .current_dir(dir)
        .stdin(Stdio::null())
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn show_check_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "a-very-secret-signing-key-0123456789";
    let (code, shown, err) = run(
        dir.path(),
        &[
            ("JWT_SECRET_KEY", secret),
            ("DATABASE_URL", "postgres://app:hunter2@db.internal/seo"),
            ("LOG_LEVEL", "warn"),
        ],
        &["config", "show"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !shown.contains(secret) && !shown.contains("hunter2"),
        "secrets redacted:\n{shown}"
    );
    assert!(shown.contains("jwt_secret_key = \"***\""));
    assert!(shown.contains("[agents.company_size]"));
    assert!(shown.contains("[agents.lead_qualification]"));
    assert!(shown.contains("[workflows.lead]"));
    // What `show` prints is a file `check` accepts, and loading it shows the same.
    let file = write(dir.path(), "effective.toml", &shown);
    let (code, out, err) = run(dir.path(), &[], &["config", "check", &file]);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.contains("ok"), "{out}");
    let (code, again, err) = run(dir.path(), &[], &["--config", &file, "config", "show"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, shown, "round trip");
}

#[test]
fn flags_then_environment_then_file_then_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.toml", "port = 9100\nworkers = 5\n");
    let port = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec!["--config", file.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["config", "show"]);
        let (code, out, err) = run(dir.path(), envs, &args);
        assert_eq!(code, 0, "{err}");
        let line = |k: &str| {
            out.lines()
                .find(|l| l.starts_with(&format!("{k} = ")))
                .unwrap()
                .to_string()
        };
        (line("port"), line("workers"))
    };
    assert_eq!(port(&[], &[]), ("port = 9100".into(), "workers = 5".into()));
    assert_eq!(port(&[("PORT", "9200")], &[]).0, "port = 9200");
    assert_eq!(
        port(&[("PORT", "9200")], &["--port", "9300"]).0,
        "port = 9300"
    );
    // SEO_CONFIG names the file too.
    let (code, out, _) = run(dir.path(), &[("SEO_CONFIG", &file)], &["config", "show"]);
    assert_eq!(code, 0);
    assert!(out.contains("port = 9100"));
}

#[test]
fn an_unknown_key_or_a_bad_value_stops_start_up_with_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (text, named) in [
        ("prot = 9000\n", "prot"),
        ("port = \"many\"\n", "--port"),
        (
            "[agents.lead_qualification]\nweigths = [1.0]\n",
            "agents.lead_qualification.weigths",
        ),
        (
            "[agents.company_size]\nenterprise_from = \"big\"\n",
            "enterprise_from",
        ),
        ("[agents.nobody]\nx = 1\n", "agents.nobody"),
        (
            "[workflows.loop]\nid = \"loop\"\ndescription = \"x\"\n[[workflows.loop.steps]]\nid = \"a\"\nagent_id = \"lead_qualification\"\ntask_type = \"qualify_lead\"\nafter = [\"a\"]\n",
            "cycle",
        ),
        ("port = [\n", "TOML"),
    ] {
        let file = write(dir.path(), "bad.toml", text);
        for args in [
            vec!["--config", file.as_str(), "migrate"],
            vec!["config", "check", file.as_str()],
        ] {
            let (code, out, err) = run(
                dir.path(),
                &[("DATABASE_URL", "sqlite://./never.db")],
                &args,
            );
            assert_eq!(code, 2, "{text}: {err}{out}");
            let all = format!("{err}{out}");
            assert!(
                all.contains(named) || (named == "TOML" && all.contains("expected")),
                "{text}: the message names {named}: {all}"
            );
        }
        assert!(!dir.path().join("never.db").exists(), "nothing started");
    }
}

#[test]
fn agent_tables_come_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let lead = r#"{"company_name":"Acme","contact_role":"CEO","industry":"E-commerce","company_size":"50-500","budget_range":"5m+","timeline":"ASAP","pain_points":["low traffic","competitors outrank us"],"goals":["growth"]}"#;
    let input = write(dir.path(), "lead.json", lead);
    let class = |extra: &[&str]| {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend_from_slice(&["run", "lead_qualification", "--input", &input]);
        let (code, out, err) = run(dir.path(), &[("LOG_LEVEL", "error")], &args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["classification"].as_str().unwrap().to_string()
    };
    assert_eq!(class(&[]), "hot");
    let strict = write(
        dir.path(),
        "strict.toml",
        "[agents.lead_qualification]\nclasses = [95.0, 90.0, 85.0, 20.0]\n",
    );
    assert_eq!(
        class(&["--config", &strict]),
        "mql",
        "the operator's class bands apply"
    );
}

/// Every key `config show` prints under `[agents…]` is documented in docs/CONFIGURATION.md,
/// in the section of its table.
#[test]
fn every_agent_key_is_documented() {
    let dir = tempfile::tempdir().unwrap();
    let (code, shown, err) = run(dir.path(), &[], &["config", "show"]);
    assert_eq!(code, 0, "{err}");
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/CONFIGURATION.md"
    ))
    .unwrap();
    let table: toml::Table = shown.parse().unwrap();
    let mut missing = Vec::new();
    fn walk(path: &str, t: &toml::Table, doc: &str, missing: &mut Vec<String>) {
        let heading = format!("### `[{path}]`");
        let section = doc
            .split_once(&heading)
            .map(|(_, rest)| rest.split("\n### ").next().unwrap_or_default());
        for (k, v) in t {
            match v {
                // Maps keyed by data (classes, maturities) and limit pairs are documented as one key.
                toml::Value::Table(inner)
                    if !matches!(
                        k.as_str(),
                        "lcp_ms" | "inp_ms" | "cls" | "next_actions" | "next_steps" | "services"
                    ) =>
                {
                    walk(&format!("{path}.{k}"), inner, doc, missing)
                }
                _ => {
                    if !section.is_some_and(|s| s.contains(&format!("| `{k}` |"))) {
                        missing.push(format!("{path}.{k}"));
                    }
                }
            }
        }
    }
    let agents = table["agents"].as_table().unwrap();
    for (name, section) in agents {
        walk(
            &format!("agents.{name}"),
            section.as_table().unwrap(),
            &doc,
            &mut missing,
        );
    }
    assert!(missing.is_empty(), "undocumented keys: {missing:?}");
}

/// `[branding]` and `[[mcp.providers]]` come from the file, are checked (exit 2 naming the
/// key), and `config show` prints them with secrets redacted.
#[test]
fn branding_and_mcp_providers_come_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.toml",
        "[branding]\nagency_name = \"Север Digital\"\naccent_color = \"#aa3300\"\n\n[[mcp.providers]]\nname = \"facts\"\nurl = \"https://facts.example/mcp\"\nheaders = { Authorization = \"Bearer top-secret\" }\ncapabilities = { company_profile = \"lookup_company\" }\n",
    );
    let (code, shown, err) = run(dir.path(), &[], &["--config", &good, "config", "show"]);
    assert_eq!(code, 0, "{err}");
    assert!(shown.contains("agency_name = \"Север Digital\""), "{shown}");
    assert!(shown.contains("accent_color = \"#aa3300\""));
    assert!(shown.contains("company_profile = \"lookup_company\""));
    assert!(!shown.contains("top-secret"), "header values are redacted");
    let (code, _, err) = run(dir.path(), &[], &["config", "check", &good]);
    assert_eq!(code, 0, "{err}");
    for (text, named) in [
        (
            "[branding]\naccent_color = \"red\"\n",
            "branding.accent_color",
        ),
        ("[branding]\nagency = \"x\"\n", "branding.agency"),
        (
            "[[mcp.providers]]\nname = \"a\"\ncapabilities = { x = \"y\" }\n",
            "exactly one of url and command",
        ),
    ] {
        let bad = write(dir.path(), "bad.toml", text);
        let (code, _, err) = run(dir.path(), &[], &["config", "check", &bad]);
        assert_eq!(code, 2, "{text}");
        assert!(err.contains(named), "{text}: {err}");
    }
}
