//! Readiness (contract §1.8 `/readyz`): can this instance take an upload and run it to the end?
//!
//! Four checks, each `ok` or a sentence saying why not: the job store answers, the uploads and
//! results directories accept a new file, and the analysis command resolves. The sentences go
//! into a 503 body, so they never carry a server path (contract §0): directory failures are
//! described by their error kind, and a path in the analyzer's sentence is cut to its file name.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::jobs::id::JobId;
use crate::jobs::service::JobService;

/// How long the store may take to answer the probe.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// An id no job can have (its time is the epoch), for a read that exercises the store.
const PROBE_ID: &str = "job_0000000000000_0000000000000000";

/// The outcome of one check: `"ok"` on the wire, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check(pub Result<(), String>);

impl Check {
    /// Whether the check passed.
    pub fn is_ok(&self) -> bool {
        self.0.is_ok()
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(()) => serializer.serialize_str("ok"),
            Err(why) => serializer.serialize_str(why),
        }
    }
}

/// The `checks` object, in the contract's key order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Checks {
    /// `ok`, or why the job store did not answer.
    #[schema(value_type = String)]
    pub store: Check,
    /// `ok`, or why the uploads directory takes no file.
    #[schema(value_type = String)]
    pub uploads_dir: Check,
    /// `ok`, or why the results directory takes no file.
    #[schema(value_type = String)]
    pub results_dir: Check,
    /// `ok`, or why the analysis command does not resolve.
    #[schema(value_type = String)]
    pub analyzer: Check,
}

impl Checks {
    /// Every check passed.
    pub fn all_ok(&self) -> bool {
        [
            &self.store,
            &self.uploads_dir,
            &self.results_dir,
            &self.analyzer,
        ]
        .iter()
        .all(|c| c.is_ok())
    }

    /// `name: why` of each failing check, for the envelope's `details`.
    pub fn failures(&self) -> String {
        [
            ("store", &self.store),
            ("uploadsDir", &self.uploads_dir),
            ("resultsDir", &self.results_dir),
            ("analyzer", &self.analyzer),
        ]
        .iter()
        .filter_map(|(name, check)| check.0.as_ref().err().map(|why| format!("{name}: {why}")))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

/// Runs the four checks.
pub async fn check(jobs: &JobService, command: &[String]) -> Checks {
    let store = check_store(jobs).await;
    let (uploads, results) = (
        jobs.uploads.root().to_owned(),
        jobs.results.root().to_owned(),
    );
    let dirs = tokio::task::spawn_blocking(move || (writable(&uploads), writable(&results))).await;
    let (uploads_dir, results_dir) = match dirs {
        Ok((u, r)) => (Check(u), Check(r)),
        Err(_) => {
            let why = || Err("the check did not finish".to_owned());
            (Check(why()), Check(why()))
        }
    };
    let analyzer = Check(crate::runner::check_command(command).map_err(|why| strip_paths(&why)));
    Checks {
        store,
        uploads_dir,
        results_dir,
        analyzer,
    }
}

async fn check_store(jobs: &JobService) -> Check {
    let Ok(probe) = PROBE_ID.parse::<JobId>() else {
        return Check(Err("the probe id is invalid".to_owned()));
    };
    match tokio::time::timeout(STORE_TIMEOUT, jobs.get(&probe)).await {
        Ok(Ok(_)) => Check(Ok(())),
        Ok(Err(e)) => Check(Err(format!("the job store failed: {e}"))),
        Err(_) => Check(Err(format!(
            "the job store did not answer within {} s",
            STORE_TIMEOUT.as_secs()
        ))),
    }
}

/// Creates and deletes a probe file in `dir`. Its name starts with `rankmap_`, so a probe left
/// behind by a crash is swept at the next start.
fn writable(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("the directory does not exist".to_owned());
        }
        Err(e) => return Err(format!("the directory cannot be read: {}", e.kind())),
        Ok(meta) if !meta.is_dir() => return Err("not a directory".to_owned()),
        Ok(_) => {}
    }
    tempfile::Builder::new()
        .prefix("rankmap_ready_")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| format!("the directory is not writable: {}", e.kind()))
}

/// Replaces each quoted path in `text` by its file name: `"/srv/a/analyze.py"` → `"analyze.py"`.
fn strip_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            out.push('"');
        }
        if i % 2 == 1 && part.contains('/') {
            let name = Path::new(part)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push_str(&name);
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_paths_are_cut_to_their_file_name() {
        assert_eq!(
            strip_paths("The analysis script \"/srv/rankmap/analysis/analyze.py\" does not exist"),
            "The analysis script \"analyze.py\" does not exist"
        );
        assert_eq!(
            strip_paths("The analysis command \"python3\" was not found on PATH"),
            "The analysis command \"python3\" was not found on PATH"
        );
    }

    #[test]
    fn a_directory_under_a_regular_file_is_not_writable_and_says_so() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(writable(dir.path()), Ok(()));
        assert_eq!(writable(&file), Err("not a directory".to_owned()));
        let under = writable(&file.join("results")).unwrap_err();
        assert!(under.contains("not a directory"), "{under}");
        assert!(
            !under.contains(&dir.path().display().to_string()),
            "{under}"
        );
        assert_eq!(
            writable(&dir.path().join("missing")),
            Err("the directory does not exist".to_owned())
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).map(Iterator::count).ok(),
            Some(1)
        );
    }

    #[test]
    fn checks_serialise_as_ok_or_the_reason_in_contract_order() {
        let checks = Checks {
            store: Check(Ok(())),
            uploads_dir: Check(Ok(())),
            results_dir: Check(Err("not a directory".into())),
            analyzer: Check(Ok(())),
        };
        assert!(!checks.all_ok());
        assert_eq!(checks.failures(), "resultsDir: not a directory");
        let json = serde_json::to_string(&checks).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"store":"ok","uploadsDir":"ok","resultsDir":"not a directory","analyzer":"ok"}"#
        );
    }
}
