//! Log set-up: JSON lines (default) or pretty, filtered by `LOG_LEVEL`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Returns an error naming `LOG_LEVEL` when the filter
/// does not parse.
/// With `to_stderr` (MCP over stdio, whose stdout is the protocol) logs go to stderr.
pub fn init(level: &str, format: LogFormat, to_stderr: bool) -> Result<(), String> {
    let filter = EnvFilter::try_new(level).map_err(|e| format!("LOG_LEVEL: {e}"))?;
    let writer =
        tracing_subscriber::fmt::writer::BoxMakeWriter::new(move || -> Box<dyn std::io::Write> {
            if to_stderr {
                Box::new(std::io::stderr())
            } else {
                Box::new(std::io::stdout())
            }
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    // Already installed (tests start several servers in one process): keep the first.
    let _ = result;
    Ok(())
}
