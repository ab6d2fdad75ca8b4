//! What `planet-bq check` found about a source or a sink, one line each.

/// One line of `planet-bq check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Works: `ok: ...`.
    Ok(String),
    /// Does not work: `problem: ...`; the command fails.
    Problem(String),
    /// Worth knowing, neither: `note: ...`.
    Note(String),
}
