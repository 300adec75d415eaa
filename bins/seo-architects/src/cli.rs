//! The CLI subcommands other than `serve`.

use std::process::ExitCode;

use seo_auth::AuthError;
use seo_persistence::DbError;

use crate::config::{Cli, Command, Config, ConfigCommand, UsersCommand};
use crate::startup::{StartError, auth_service, auth_start_error, open_database, open_kv};
use crate::{logging, serve};

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let stdio = matches!(cli.command, Some(Command::Mcp { .. }));
    if let Err(e) = logging::init(&cli.config.log_level, cli.config.log_format, stdio) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
        Command::Migrate => open_database(&cli.config).await.map(|_| ()),
        Command::Users(cmd) => users_command(&cli.config, cmd).await,
        Command::Run {
            agent,
            input,
            task_type,
        } => run_agent(&cli.config, &agent, &input, task_type.as_deref()).await,
        Command::Config(ConfigCommand::Show) => show_config(&cli.config),
        Command::Config(ConfigCommand::Check { file }) => check_config(&file),
        Command::Mcp { user } => crate::mcp::serve_stdio(&cli.config, &user).await,
        Command::Import {
            client,
            campaign,
            kind,
            source,
            strict,
            file,
        } => {
            import(
                &cli.config,
                seo_service::datasets::ImportRequest {
                    client_id: client,
                    campaign_id: campaign,
                    file_name: String::new(),
                    bytes: Vec::new(),
                    kind,
                    source,
                    strict,
                    created_by: None,
                },
                &file,
            )
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "command failed");
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn read_password(from_stdin: bool) -> Result<(String, bool), StartError> {
    if !from_stdin {
        return Ok((seo_auth::password::random_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| StartError::Other(format!("cannot read stdin: {e}")))?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

/// `users create` and `users reset-password`.
async fn users_command(config: &Config, cmd: UsersCommand) -> Result<(), StartError> {
    let db = open_database(config).await?;
    let (kv, _) = open_kv(config).await?;
    let auth = auth_service(config, &db, kv).await?;
    let invalid = |e: AuthError| match e {
        AuthError::Validation(v) => StartError::Config(v.to_string()),
        AuthError::Db(DbError::Conflict(m)) => StartError::Config(m),
        other => auth_start_error(other),
    };
    match cmd {
        UsersCommand::Create {
            username,
            email,
            role,
            full_name,
            password_stdin,
        } => {
            let role = seo_domain::Role::parse(&role).ok_or_else(|| {
                StartError::Config("--role: must be admin, manager or operator".into())
            })?;
            let (password, generated) = read_password(password_stdin)?;
            let input = seo_domain::UserInput {
                username,
                email,
                full_name,
                role,
                is_active: true,
                password,
            };
            let (new, password) = input
                .validate()
                .map_err(|v| StartError::Config(v.to_string()))?;
            let user = auth.create_user(new, &password).await.map_err(invalid)?;
            println!(
                "created user '{}' ({}) id {}",
                user.username,
                user.role.as_str(),
                user.id
            );
            if generated {
                println!("password: {password}");
            }
        }
        UsersCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let creds = db
                .find_credentials(&username)
                .await
                .map_err(|e| StartError::Other(e.to_string()))?
                .ok_or_else(|| {
                    StartError::Config(format!("--username: no user named '{username}'"))
                })?;
            let (password, generated) = read_password(password_stdin)?;
            auth.set_password(creds.user.id, &password)
                .await
                .map_err(invalid)?;
            println!("password of '{username}' reset; their sessions are ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// `import --client ID FILE`: reads the file into a dataset of the client and prints it.
async fn import(
    config: &Config,
    mut req: seo_service::datasets::ImportRequest,
    file: &std::path::Path,
) -> Result<(), StartError> {
    use seo_service::ServiceError;
    req.bytes = std::fs::read(file)
        .map_err(|e| StartError::Config(format!("FILE: cannot read {}: {e}", file.display())))?;
    req.file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let service = crate::mcp::service(config).await?;
    match service.import_dataset(req).await {
        Ok(imported) => {
            let mut v = serde_json::to_value(&imported.dataset)
                .map_err(|e| StartError::Other(e.to_string()))?;
            if let Some(o) = v.as_object_mut() {
                o.insert("duplicate".into(), serde_json::json!(imported.duplicate));
            }
            let text =
                serde_json::to_string_pretty(&v).map_err(|e| StartError::Other(e.to_string()))?;
            println!("{text}");
            Ok(())
        }
        Err(ServiceError::NotFound(what) | ServiceError::Db(DbError::NotFound(what))) => {
            Err(StartError::Config(format!("--client: {what} not found")))
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Validation(_))) => {
            Err(StartError::Config(e.to_string()))
        }
        Err(e) => Err(StartError::Other(e.to_string())),
    }
}

/// `run AGENT --input FILE|-`: runs one agent in-process and prints its output as JSON.
async fn run_agent(
    config: &Config,
    agent: &str,
    input: &str,
    task_type: Option<&str>,
) -> Result<(), StartError> {
    use seo_agents::{AgentError, TaskContext};
    let manager = config.agent_manager();
    let a = manager.get(agent).ok_or_else(|| {
        StartError::Config(format!(
            "AGENT: unknown agent '{agent}' (available: {})",
            manager.ids().join(", ")
        ))
    })?;
    let text = if input == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| StartError::Other(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(input)
            .map_err(|e| StartError::Config(format!("--input: cannot read {input}: {e}")))?
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        StartError::Config(format!(
            "--input: not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let task_type = match task_type {
        Some(t) => t.to_string(),
        None => a
            .task_types()
            .first()
            .map(|t| t.name.to_string())
            .ok_or_else(|| StartError::Other("the agent has no task type".into()))?,
    };
    match manager
        .run(agent, &task_type, &value, &TaskContext::detached())
        .await
    {
        Ok(out) => {
            let json =
                serde_json::to_string_pretty(&out).map_err(|e| StartError::Other(e.to_string()))?;
            println!("{json}");
            Ok(())
        }
        Err(
            e @ (AgentError::InvalidInput { .. }
            | AgentError::UnknownTaskType { .. }
            | AgentError::UnknownAgent(_)),
        ) => Err(StartError::Config(format!("--input: {e}"))),
        Err(e) => Err(StartError::Other(format!("agent failed: {e}"))),
    }
}

/// The effective configuration as TOML, secrets redacted: settings, then `[agents…]` and
/// `[workflows…]`.
pub fn effective_config_toml(config: &Config) -> Result<String, StartError> {
    let bad =
        |e: toml::ser::Error| StartError::Other(format!("cannot print the configuration: {e}"));
    let mut settings = toml::Table::try_from(config).map_err(bad)?;
    for secret in [
        "jwt_secret_key",
        "admin_password",
        "openai_api_key",
        "metrics_scrape_token",
    ] {
        if settings.contains_key(secret) {
            settings.insert(secret.into(), toml::Value::String("***".into()));
        }
    }
    for url in ["database_url", "redis_url"] {
        if let Some(toml::Value::String(u)) = settings.get(url) {
            let redacted = seo_persistence::redact_url(u);
            settings.insert(url.into(), toml::Value::String(redacted));
        }
    }
    let mut agents = config.agents_config();
    let workflows = std::mem::take(&mut agents.workflows);
    settings.insert(
        "agents".into(),
        toml::Value::try_from(&agents).map_err(bad)?,
    );
    settings.insert(
        "workflows".into(),
        toml::Value::try_from(&workflows).map_err(bad)?,
    );
    settings.insert(
        "branding".into(),
        toml::Value::try_from(&config.branding).map_err(bad)?,
    );
    settings.insert(
        "sales".into(),
        toml::Value::try_from(&config.sales).map_err(bad)?,
    );
    settings.insert(
        "mcp".into(),
        toml::Value::try_from(config.mcp.redacted()).map_err(bad)?,
    );
    toml::to_string(&settings).map_err(bad)
}

fn show_config(config: &Config) -> Result<(), StartError> {
    print!("{}", effective_config_toml(config)?);
    Ok(())
}

fn check_config(file: &std::path::Path) -> Result<(), StartError> {
    let parsed = crate::file::parse_file(file).map_err(StartError::Config)?;
    // The settings must also pass clap's parsers, as they will at start-up.
    let mut args: Vec<std::ffi::OsString> = vec!["seo-architects".into()];
    args.push(format!("--config={}", file.display()).into());
    args.push("migrate".into());
    crate::file::load(args).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        StartError::Config(first.trim_start_matches("error: ").to_string())
    })?;
    println!(
        "{}: ok ({} settings, {} agent sections, {} workflows)",
        file.display(),
        parsed.settings.len(),
        usize::from(parsed.sections.agents.is_some()),
        parsed.sections.workflows.len()
    );
    Ok(())
}
