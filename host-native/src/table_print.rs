//! Human-readable tables: aligned columns, NULL shown as such, a row count.

use planet_core::rows::TableRow;
use std::fmt::Write;

/// Renders rows as an aligned text table under a title, followed by the row count.
pub fn render<R: TableRow>(title: &str, rows: &[R]) -> String {
    let cells: Vec<Vec<String>> =
        rows.iter().map(|r| r.cells().into_iter().map(|c| c.unwrap_or_else(|| "NULL".into())).collect()).collect();
    let mut widths: Vec<usize> = R::COLUMNS.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let line = |out: &mut String, values: &mut dyn Iterator<Item = &str>| {
        let mut parts = Vec::new();
        for (value, w) in values.zip(&widths) {
            let pad = w.saturating_sub(value.chars().count());
            parts.push(format!("{value}{}", " ".repeat(pad)));
        }
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&mut out, &mut R::COLUMNS.iter().copied());
    line(&mut out, &mut widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str));
    for row in &cells {
        line(&mut out, &mut row.iter().map(String::as_str));
    }
    let _ = writeln!(out, "({} row{})", rows.len(), if rows.len() == 1 { "" } else { "s" });
    out
}
