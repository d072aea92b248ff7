//! The upload handler's view of type sniffing: the stored upload and the client's file name in,
//! an [`UploadKind`] or the 415 `details` out. The sniffing itself is [`crate::upload::sniff`].

use std::path::Path;

use crate::error::ApiError;
use crate::upload::{SniffFileError, UploadKind, sniff_file};

/// Sniffs the stored upload (blocking reads run off the async threads).
pub async fn detect(path: &Path, original_name: &str) -> Result<UploadKind, ApiError> {
    let (path, name) = (path.to_owned(), original_name.to_owned());
    let sniffed = tokio::task::spawn_blocking(move || sniff_file(&path, &name))
        .await
        .map_err(ApiError::internal)?;
    sniffed.map_err(|e| match e {
        SniffFileError::Rejected(why) => ApiError::with_details(
            crate::error::ErrorCode::UnsupportedFileType,
            "Unsupported file type",
            why.to_string(),
        ),
        SniffFileError::Io(e) => ApiError::internal(e),
    })
}
