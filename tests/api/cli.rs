//! The binary: configuration errors stop start-up with exit code 2 and a message naming the key.

use std::process::Command;

fn rankmap() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rankmap"));
    cmd.env_remove("RANKMAP_CONFIG");
    cmd
}

#[test]
fn an_unknown_key_in_the_config_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rankmap.toml");
    std::fs::write(&file, "[runner]\ntimout_secs = 5\n").unwrap();
    let out = rankmap().arg("--config").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runner.timout_secs"));
}

#[test]
fn a_missing_config_file_and_a_bad_environment_value_stop_start_up() {
    let out = rankmap()
        .args(["serve", "--config", "/nonexistent/rankmap.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = rankmap()
        .env("RANKMAP__SERVER__MAX_UPLOAD_BYTES", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.max_upload_bytes"));
}

#[test]
fn version_and_help_answer() {
    let out = rankmap().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let out = rankmap().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("serve"));
}
