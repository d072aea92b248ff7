//! Builders of synthetic uploads (zips, OpenDocument spreadsheets) and access to the real
//! fixtures, shared by the upload module's unit tests.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// One member of a zip built by [`zip_bytes`].
pub struct Member<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    pub stored: bool,
}

/// A deflated member.
pub fn deflated<'a>(name: &'a str, data: &'a [u8]) -> Member<'a> {
    Member {
        name,
        data,
        stored: false,
    }
}

/// A stored (uncompressed) member.
pub fn stored<'a>(name: &'a str, data: &'a [u8]) -> Member<'a> {
    Member {
        name,
        data,
        stored: true,
    }
}

/// A zip archive holding `members` in that order.
pub fn zip_bytes(members: &[Member<'_>]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for member in members {
        let method = if member.stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default().compression_method(method);
        writer
            .start_file(member.name, options)
            .expect("start member");
        writer.write_all(member.data).expect("write member");
    }
    writer.finish().expect("finish zip").into_inner()
}

/// A minimal valid OpenDocument spreadsheet whose `office:spreadsheet` holds `tables_xml`.
pub fn ods_bytes(tables_xml: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables_xml}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_bytes(&[
        stored(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        deflated("content.xml", content.as_bytes()),
        deflated("META-INF/manifest.xml", manifest.as_bytes()),
    ])
}

/// The path of a real export under `<repo root>/../shared/fixtures/real/`, or `None` (with a
/// loud message) when that folder is missing; under `CI=true` a missing folder fails the test.
pub fn real_fixture(file: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    let path = dir.join(file);
    if path.is_file() {
        return Some(path);
    }
    let message = format!("real fixture {} is missing", path.display());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: real fixtures are required)");
    }
    eprintln!("SKIPPED: {message}; this test did not run");
    None
}

/// The committed synthetic fixtures of `tests/fixtures/uploads/`.
pub fn upload_fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/uploads")
        .join(file)
}
