//! Which sheets a data source can produce (analysis-spec §3's capability table, §10 "Empty vs
//! omitted sheets"). A sheet the source can fill but where nothing was found keeps a
//! `None found` row; a sheet the source cannot produce is omitted and the Summary says why.

/// The sheets that depend on the data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sheet {
    OnPage,
    Issues,
    KeywordMapping,
    Cannibalisation,
    Opportunities,
}

impl Sheet {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Sheet::OnPage => "On-Page Issues",
            Sheet::Issues => "Issues",
            Sheet::KeywordMapping => "Keyword Mapping",
            Sheet::Cannibalisation => "Cannibalisation",
            Sheet::Opportunities => "Opportunities",
        }
    }
}

/// Why `source` cannot produce `sheet`, or `None` when it can.
///
/// Unknown data sources produce every sheet: an empty sheet with `None found` is better than
/// hiding rows a newer analyzer may send.
pub(crate) fn omission_reason(source: &str, sheet: Sheet) -> Option<&'static str> {
    let frog = source.starts_with("screaming_frog");
    match sheet {
        Sheet::OnPage | Sheet::Issues => match source {
            "gsc_queries" => Some("a Search Console Queries table has no URLs to audit"),
            "keyword_list" => Some("a keyword list has no URLs to audit"),
            _ => None,
        },
        Sheet::KeywordMapping => match source {
            _ if frog => Some("a Screaming Frog crawl has no keywords"),
            "gsc_pages" => Some("a Search Console Pages table has no queries"),
            "generic_onpage" => Some("an on-page export has no keywords"),
            _ => None,
        },
        Sheet::Cannibalisation => match source {
            _ if frog => Some("a Screaming Frog crawl has no keywords"),
            "gsc_queries" => Some("a Search Console Queries table has no URL per query"),
            "gsc_pages" => Some("a Search Console Pages table has no queries"),
            "ahrefs_organic_keywords" => Some("this Ahrefs export lists only one URL per keyword"),
            "keyword_list" => Some("a keyword list has no URLs"),
            "generic_onpage" => Some("an on-page export has no keywords"),
            _ => None,
        },
        Sheet::Opportunities => match source {
            _ if frog => Some("a Screaming Frog crawl has no search performance data"),
            "keyword_list" => Some("a keyword list has no positions"),
            "generic_keyword_url" => Some("a keyword-to-URL list has no positions or demand"),
            "generic_onpage" => Some("an on-page export has no search performance data"),
            _ => None,
        },
    }
}
