//! rankmap: an HTTP service that turns SEO exports into a keyword map, an on-page audit and an
//! Excel report.
pub mod report;
