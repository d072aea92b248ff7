//! The uploads and results directories on disk.
//!
//! Every path here is built from a parsed [`JobId`] and fixed file names — a client's string is
//! never joined onto a directory. Scratch directories (`uploads_dir/<jobId>/`) hold the upload,
//! converted inputs and `result.json`; [`ScratchDir`] deletes one on drop unless it is kept, so
//! a rejected upload leaves nothing behind whatever path the handler returns by.

use std::io;
use std::path::{Path, PathBuf};

use crate::jobs::id::JobId;

/// The file name of the upload inside its scratch directory: `upload.<ext>`, from the client's
/// extension when it is one rankmap accepts.
pub fn upload_file_name(original: &str) -> String {
    let ext = Path::new(original)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| ["csv", "tsv", "txt", "xlsx", "xls", "ods", "zip"].contains(&e.as_str()))
        .unwrap_or_else(|| "bin".to_owned());
    format!("upload.{ext}")
}

/// The uploads directory.
#[derive(Debug, Clone)]
pub struct UploadsDir {
    root: PathBuf,
}

impl UploadsDir {
    /// Uploads under `root` (`storage.uploads_dir`).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A job's scratch directory.
    pub fn scratch_dir(&self, id: &JobId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Creates a job's scratch directory, deleted again when the guard drops unless kept.
    pub async fn create_scratch(&self, id: &JobId) -> io::Result<ScratchDir> {
        let path = self.scratch_dir(id);
        tokio::fs::create_dir_all(&path).await?;
        Ok(ScratchDir { path: Some(path) })
    }
}

/// A scratch directory that is removed on drop unless [`ScratchDir::keep`] is called.
#[derive(Debug)]
pub struct ScratchDir {
    path: Option<PathBuf>,
}

impl ScratchDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// The job now owns the directory; it is deleted at the job's terminal state instead.
    pub fn keep(mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            // Drop cannot await; removing a just-created directory is quick.
            if let Err(e) = std::fs::remove_dir_all(&path)
                && e.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove scratch dir");
            }
        }
    }
}

/// Removes a directory tree; a missing one is fine.
pub async fn remove_dir(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_dir_all(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Free bytes available to unprivileged users on the file system holding `path`.
pub fn free_bytes(path: &Path) -> io::Result<u64> {
    let stat = rustix::fs::statvfs(path)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Whether a directory entry is one rankmap names (`job_*` directories, `rankmap_*` files).
fn is_rankmap_entry(name: &str, is_dir: bool) -> bool {
    (is_dir && name.starts_with("job_")) || (!is_dir && name.starts_with("rankmap_"))
}

/// Start-up sweep for the in-memory store: removes from `dir` every entry rankmap names and
/// nothing else, so a misconfigured directory never loses foreign files. Returns how many went.
pub fn sweep_rankmap_entries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if file_type.is_symlink() || !is_rankmap_entry(name, file_type.is_dir()) {
            continue;
        }
        if file_type.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_keep_only_accepted_lowercase_extensions() {
        assert_eq!(upload_file_name("Queries.CSV"), "upload.csv");
        assert_eq!(upload_file_name("../../etc/passwd"), "upload.bin");
        assert_eq!(upload_file_name("report.xlsx"), "upload.xlsx");
        assert_eq!(upload_file_name("a.exe"), "upload.bin");
    }

    #[test]
    fn the_start_up_sweep_removes_only_what_rankmap_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("job_1_x")).unwrap();
        std::fs::write(root.join("job_1_x/upload.csv"), "a").unwrap();
        std::fs::write(root.join("rankmap_job_1.xlsx"), "a").unwrap();
        std::fs::write(root.join("notes.txt"), "keep").unwrap();
        std::fs::write(root.join("job_file_not_dir"), "keep").unwrap();
        std::fs::create_dir(root.join("rankmap_dir_not_file")).unwrap();
        assert_eq!(sweep_rankmap_entries(root).unwrap(), 2);
        let mut left: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["job_file_not_dir", "notes.txt", "rankmap_dir_not_file"]
        );
    }

    #[test]
    fn a_scratch_dir_is_removed_unless_kept() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let uploads = UploadsDir::new(dir.path().to_owned());
        let id = JobId::generate(jiff::Timestamp::now()).unwrap();
        let scratch = rt.block_on(uploads.create_scratch(&id)).unwrap();
        let path = scratch.path().to_owned();
        drop(scratch);
        assert!(!path.exists());
        let kept = rt.block_on(uploads.create_scratch(&id)).unwrap().keep();
        assert!(kept.exists());
    }
}
