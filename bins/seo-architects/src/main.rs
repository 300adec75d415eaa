//! `seo-architects`: see `--help`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // Migrations and the database runtime need the multi-thread runtime `tokio::main` gives.
    match seo_architects::file::load(std::env::args_os().collect()) {
        Ok(cli) => seo_architects::run(cli).await,
        Err(seo_architects::file::LoadError::Clap(e)) => {
            // --help and --version print and succeed; a bad setting prints its error, exit 2.
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        Err(e @ seo_architects::file::LoadError::File(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
