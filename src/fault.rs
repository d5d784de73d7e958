//! Fault injection for crash-safety tests: when `HRX_FAULT` names a point,
//! the process aborts there, as if killed. Costs one environment lookup.

/// Aborts the process if `HRX_FAULT` equals `point`.
pub fn point(point: &str) {
    if std::env::var_os("HRX_FAULT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}
