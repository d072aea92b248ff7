//! The `rankmap` binary: parse the command line, load the configuration, start the server.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rankmap::config::Config;
use rankmap::startup::{Application, shutdown_signal};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// rankmap turns SEO exports into a keyword map, an on-page audit and an Excel report.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Configuration file (TOML), layered over the built-in defaults.
    #[arg(long, global = true, env = "RANKMAP_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP server (the default).
    Serve,
}

fn main() -> ExitCode {
    let cli = Cli::parse(); // exits 2 on bad arguments
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = match Config::load(cli.config.as_deref(), std::env::vars(), &cwd) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("rankmap: {e}");
            return ExitCode::from(2);
        }
    };
    let (Some(Command::Serve) | None) = cli.command;
    rankmap::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rankmap: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::from(1)
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    let stop = shutdown_signal();
    tracing::info!("listening on {}", app.local_addr());
    app.run_until_stopped(stop).await
}
