//! The configuration file (`--config FILE` / `SEO_CONFIG`): TOML holding any setting of the
//! README table under its snake_case name (`port = 9000`, `database_url = "…"`), an
//! `[agents.<id>]` section per agent (every table, threshold, weight and keyword list) plus
//! `[agents.company_size]`, and `[workflows.<id>]` definitions.
//!
//! Precedence: flags, then environment variables, then the file, then built-in defaults.
//! The file's settings become clap's defaults, so a flag or a variable still wins and a
//! bad value is refused by the same parser as on the command line. An unknown key, a value
//! of the wrong type or a workflow graph that cannot run is an error naming it (exit 2).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, FromArgMatches};
use seo_agents::{AgentsConfig, WorkflowDef};

use crate::config::Cli;

/// Settings that are not plain values of the file (the file itself, and subcommand args).
const NOT_IN_FILE: &[&str] = &["config_file", "help", "version"];

/// Why the command line or the file cannot be used.
#[derive(Debug)]
pub enum LoadError {
    /// clap's own error (it prints usage; `--help` and `--version` are "errors" too).
    Clap(clap::Error),
    /// The file: unreadable, not TOML, an unknown key or a bad value; names it.
    File(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Clap(e) => write!(f, "{e}"),
            LoadError::File(m) => write!(f, "{m}"),
        }
    }
}

/// What a configuration file holds besides the plain settings.
#[derive(Debug, Clone, Default)]
pub struct FileSections {
    /// `[agents…]`, applied over the defaults.
    pub agents: Option<AgentsConfig>,
    /// `[workflows.<id>]`, each replacing the built-in of the same id.
    pub workflows: BTreeMap<String, WorkflowDef>,
    /// `[mcp]`: the MCP data providers.
    pub mcp: Option<seo_mcp::McpConfig>,
    /// `[branding]`: white-label report branding.
    pub branding: Option<seo_service::reports::Branding>,
    /// `[sales]`: approval gates, proposal validity, qualifying classes.
    pub sales: Option<seo_service::sales::SalesConfig>,
}

/// A parsed file: plain settings (key → value text for clap) and the sections.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Setting id → its value as clap would read it from the command line.
    pub settings: BTreeMap<String, String>,
    /// The agent and workflow sections.
    pub sections: FileSections,
}

fn value_text(key: &str, v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "{key}: a list of strings is expected, found {}",
                    other.type_str()
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        other => Err(format!(
            "{key}: a string, number, boolean or list is expected, found {}",
            other.type_str()
        )),
    }
}

/// Deserialises `value` into `T`, refusing any key `T` does not know (named with its path).
fn strict<T: serde::de::DeserializeOwned>(section: &str, value: toml::Value) -> Result<T, String> {
    let mut unknown = Vec::new();
    let parsed: Result<T, _> = serde_ignored::deserialize(value, |path| {
        unknown.push(format!("{section}.{path}"));
    });
    let parsed = parsed.map_err(|e| format!("{section}: {e}"))?;
    if let Some(first) = unknown.first() {
        return Err(format!("unknown key '{first}'"));
    }
    Ok(parsed)
}

/// Reads and checks a configuration file against the settings clap knows.
pub fn parse_file(path: &Path) -> Result<ParsedFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("config file {}: cannot read it: {e}", path.display()))?;
    parse_text(&text).map_err(|e| format!("config file {}: {e}", path.display()))
}

/// [`parse_file`] on text.
pub fn parse_text(text: &str) -> Result<ParsedFile, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let cmd = Cli::command();
    let known: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .filter(|id| !NOT_IN_FILE.contains(&id.as_str()))
        .collect();
    let mut out = ParsedFile::default();
    for (key, value) in table {
        match key.as_str() {
            "agents" => {
                let agents: AgentsConfig = strict("agents", value)?;
                agents
                    .technical_seo_auditor
                    .validate()
                    .map_err(|e| format!("agents.technical_seo_auditor: {e}"))?;
                out.sections.agents = Some(agents);
            }
            "branding" => {
                let b: seo_service::reports::Branding = strict("branding", value)?;
                b.check()?;
                out.sections.branding = Some(b);
            }
            "sales" => {
                let c: seo_service::sales::SalesConfig = strict("sales", value)?;
                c.check()?;
                out.sections.sales = Some(c);
            }
            "mcp" => {
                let m: seo_mcp::McpConfig = strict("mcp", value)?;
                m.check()?;
                out.sections.mcp = Some(m);
            }
            "workflows" => {
                let defs: BTreeMap<String, WorkflowDef> = strict("workflows", value)?;
                for (id, def) in defs {
                    if def.id != id {
                        return Err(format!(
                            "workflows.{id}: its id is '{}'; the table name and the id must agree",
                            def.id
                        ));
                    }
                    def.check()
                        .map_err(|e| format!("workflows.{id}: {}", e.message))?;
                    out.sections.workflows.insert(id, def);
                }
            }
            // An empty list is "none", which is every list setting's default.
            k if known.iter().any(|id| id == k) => {
                if !matches!(&value, toml::Value::Array(a) if a.is_empty()) {
                    out.settings.insert(key.clone(), value_text(&key, &value)?);
                }
            }
            _ => {
                return Err(format!(
                    "unknown key '{key}' (settings use the snake_case names of the README table, e.g. database_url; agents go under [agents.<id>], workflows under [workflows.<id>], MCP data providers under [[mcp.providers]])"
                ));
            }
        }
    }
    Ok(out)
}

/// The configuration file named by `--config` or `SEO_CONFIG` in `args`, if any. Read
/// before the full parse, because the file supplies the defaults of that parse.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(v));
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
    }
    std::env::var_os("SEO_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Parses the command line with the configuration file's settings as defaults (flags and
/// environment variables win), then applies the file's sections.
pub fn load(args: Vec<OsString>) -> Result<Cli, LoadError> {
    let file = match config_path(&args) {
        Some(p) => Some(parse_file(&p).map_err(LoadError::File)?),
        None => None,
    };
    let mut cmd = Cli::command();
    if let Some(f) = &file {
        for (id, text) in &f.settings {
            let text = text.clone();
            cmd = cmd.mut_arg(id.as_str(), move |a| a.default_value(text));
        }
    }
    let matches = cmd.try_get_matches_from(args).map_err(LoadError::Clap)?;
    let mut cli = Cli::from_arg_matches(&matches).map_err(LoadError::Clap)?;
    if let Some(f) = file {
        cli.config.apply_sections(f.sections);
    }
    Ok(cli)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn settings_sections_and_unknown_keys() {
        let f = parse_text(
            "port = 9000\ncors_origins = [\"https://a.test\", \"https://b.test\"]\n[agents.company_size]\nenterprise_from = 1000\n",
        )
        .unwrap();
        assert_eq!(f.settings["port"], "9000");
        assert_eq!(f.settings["cors_origins"], "https://a.test,https://b.test");
        assert_eq!(
            f.sections.agents.unwrap().company_size.enterprise_from,
            1000.0
        );
        let e = parse_text("prot = 9000").unwrap_err();
        assert!(e.contains("unknown key 'prot'"), "{e}");
        let e = parse_text("[agents.lead_qualification]\nweigths = 1").unwrap_err();
        assert!(e.contains("agents.lead_qualification.weigths"), "{e}");
        let e = parse_text("[agents.company_size]\nenterprise_from = \"many\"").unwrap_err();
        assert!(e.contains("agents"), "{e}");
    }
}
