use std::path::PathBuf;

use super::*;
use crate::upload::test_support::{deflated, stored, zip_bytes};
use crate::upload::{UploadKind, convert};

/// A scratch layout: `root/upload.zip` and `root/out/`, so an escape lands in `root`.
struct Scratch {
    root: tempfile::TempDir,
}

impl Scratch {
    fn with_zip(bytes: &[u8]) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("out")).expect("out dir");
        std::fs::write(root.path().join("upload.zip"), bytes).expect("write zip");
        Self { root }
    }
    fn upload(&self) -> PathBuf {
        self.root.path().join("upload.zip")
    }
    fn out(&self) -> PathBuf {
        self.root.path().join("out")
    }
    fn convert(&self, limits: &ConvertLimits) -> Result<Vec<ConvertedInput>, ConvertError> {
        convert(&self.upload(), UploadKind::Zip, &self.out(), limits)
    }
}

const COUNTRIES: &[u8] = b"Country,Clicks,Impressions,CTR,Position\nFrance,120,3400,3.53%,8.2\n";
const QUERIES: &[u8] =
    b"\xEF\xBB\xBFTop queries,Clicks,Impressions,CTR,Position\n\"seo, audit\",12,340,3.5%,4.1\r\n";

#[test]
fn a_search_console_zip_yields_its_members_in_archive_order_byte_for_byte() {
    let scratch = Scratch::with_zip(&zip_bytes(&[
        deflated("Countries.csv", COUNTRIES),
        deflated("Queries.csv", QUERIES),
    ]));
    let inputs = scratch
        .convert(&ConvertLimits::default())
        .expect("converted");
    let names: Vec<_> = inputs.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(names, [Some("Countries.csv"), Some("Queries.csv")]);
    assert_eq!(std::fs::read(&inputs[0].path).expect("read"), COUNTRIES);
    assert_eq!(std::fs::read(&inputs[1].path).expect("read"), QUERIES);
    for input in &inputs {
        assert_eq!(input.path.parent(), Some(scratch.out().as_path()));
    }
}

#[test]
fn members_that_are_not_csv_are_ignored() {
    let scratch = Scratch::with_zip(&zip_bytes(&[
        deflated("Chart.png", b"\x89PNG\r\n\x1a\n"),
        deflated("README.md", b"# export"),
        deflated("__MACOSX/._Queries.csv", b"\x00\x05\x16\x07"),
        deflated("data/._Pages.csv", b"\x00\x05\x16\x07"),
        deflated("data/PAGES.TSV", b"Page\tClicks\n"),
        stored("notes.txt", b"hello"),
    ]));
    let inputs = scratch
        .convert(&ConvertLimits::default())
        .expect("converted");
    let names: Vec<_> = inputs
        .iter()
        .map(|i| i.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["data/PAGES.TSV", "notes.txt"]);
    assert_eq!(
        inputs[0].path.extension().and_then(|e| e.to_str()),
        Some("tsv")
    );
    assert_eq!(std::fs::read_dir(scratch.out()).expect("ls").count(), 2);
}

#[test]
fn a_zip_without_a_csv_member_is_refused() {
    let scratch = Scratch::with_zip(&zip_bytes(&[deflated("Chart.png", b"png")]));
    let err = scratch
        .convert(&ConvertLimits::default())
        .expect_err("refused");
    assert!(matches!(err, ConvertError::NoCsvMembers), "{err:?}");
    assert_eq!(
        err.to_string(),
        "The zip file contains no CSV file (.csv, .tsv or .txt)."
    );
}

#[test]
fn a_zip_bomb_is_refused_by_its_compression_ratio() {
    let zeros = vec![0u8; 4 << 20];
    let scratch = Scratch::with_zip(&zip_bytes(&[deflated("Queries.csv", &zeros)]));
    let err = scratch
        .convert(&ConvertLimits::default())
        .expect_err("refused");
    assert!(
        matches!(err, ConvertError::RatioTooHigh { max: 100, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("zip bomb"));
}

#[test]
fn a_short_repetitive_csv_is_not_mistaken_for_a_bomb() {
    let repetitive = b"a,b\n".repeat(50_000);
    let scratch = Scratch::with_zip(&zip_bytes(&[deflated("Queries.csv", &repetitive)]));
    let inputs = scratch
        .convert(&ConvertLimits::default())
        .expect("converted");
    assert_eq!(std::fs::read(&inputs[0].path).expect("read"), repetitive);
}

#[test]
fn members_expanding_beyond_the_total_limit_are_refused() {
    let data = vec![b'x'; 600];
    let scratch = Scratch::with_zip(&zip_bytes(&[
        stored("a.csv", &data),
        stored("b.csv", &data),
    ]));
    let limits = ConvertLimits {
        max_uncompressed_bytes: 1000,
        ..ConvertLimits::default()
    };
    let err = scratch.convert(&limits).expect_err("refused");
    assert!(
        matches!(err, ConvertError::TooLarge { max: 1000 }),
        "{err:?}"
    );
}

#[test]
fn a_member_larger_than_its_headers_claim_is_refused_while_extracting() {
    let data = vec![b'x'; 5000];
    let mut bytes = zip_bytes(&[stored("a.csv", &data)]);
    // Rewrite the uncompressed size (local header offset 22, central header offset 24) to 10.
    let local = 0;
    let central = bytes
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    bytes[local + 22..local + 26].copy_from_slice(&10u32.to_le_bytes());
    bytes[central + 24..central + 28].copy_from_slice(&10u32.to_le_bytes());
    let scratch = Scratch::with_zip(&bytes);
    let limits = ConvertLimits {
        max_uncompressed_bytes: 1000,
        ..ConvertLimits::default()
    };
    let err = scratch.convert(&limits).expect_err("refused");
    assert!(
        matches!(
            err,
            ConvertError::TooLarge { .. } | ConvertError::Archive(_)
        ),
        "{err:?}"
    );
}

#[test]
fn too_many_members_are_refused() {
    let names: Vec<String> = (0..21).map(|i| format!("part{i}.csv")).collect();
    let members: Vec<_> = names.iter().map(|n| deflated(n, b"a\n")).collect();
    let scratch = Scratch::with_zip(&zip_bytes(&members));
    let err = scratch
        .convert(&ConvertLimits::default())
        .expect_err("refused");
    assert!(
        matches!(err, ConvertError::TooManyMembers { found: 21, max: 20 }),
        "{err:?}"
    );
    assert_eq!(std::fs::read_dir(scratch.out()).expect("ls").count(), 0);
}

#[test]
fn member_names_with_parent_or_absolute_paths_never_escape_the_output_directory() {
    let hostile = [
        "../escape.csv",
        "/tmp/absolute.csv",
        "a/../../up.csv",
        "..\\win.csv",
    ];
    let members: Vec<_> = hostile.iter().map(|n| deflated(n, b"k,v\n")).collect();
    let scratch = Scratch::with_zip(&zip_bytes(&members));
    let inputs = scratch
        .convert(&ConvertLimits::default())
        .expect("converted");
    assert_eq!(inputs.len(), hostile.len());
    for (input, name) in inputs.iter().zip(hostile) {
        assert_eq!(input.name.as_deref(), Some(name));
        assert_eq!(input.path.parent(), Some(scratch.out().as_path()));
        assert!(input.path.is_file());
    }
    let root_entries: Vec<_> = std::fs::read_dir(scratch.root.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        root_entries.len(),
        2,
        "only upload.zip and out/ in the root: {root_entries:?}"
    );
    assert!(!std::path::Path::new("/tmp/absolute.csv").exists());
}

#[test]
fn a_truncated_zip_is_an_error_not_a_panic() {
    let bytes = zip_bytes(&[deflated("Queries.csv", QUERIES)]);
    let scratch = Scratch::with_zip(&bytes[..bytes.len() / 2]);
    let err = scratch
        .convert(&ConvertLimits::default())
        .expect_err("refused");
    assert!(matches!(err, ConvertError::Archive(_)), "{err:?}");
    assert!(
        !err.to_string()
            .contains(scratch.root.path().to_str().expect("utf-8"))
    );
}

#[test]
fn control_characters_are_removed_from_member_names() {
    assert_eq!(display_name(Some("Que\u{0}ries\n.csv"), b""), "Queries.csv");
    assert_eq!(display_name(None, b"caf\xE9.csv"), "caf\u{FFFD}.csv");
}

#[test]
fn only_csv_tsv_and_txt_extensions_are_inputs() {
    assert_eq!(csv_extension("Queries.CSV"), Some("csv"));
    assert_eq!(csv_extension("x/y.Tsv"), Some("tsv"));
    assert_eq!(csv_extension("notes.txt"), Some("txt"));
    assert_eq!(csv_extension("Queries.csv.gz"), None);
    assert_eq!(csv_extension("csv"), None);
    assert_eq!(csv_extension("__MACOSX/x/Queries.csv"), None);
}
