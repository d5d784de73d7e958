//! Fault injection for crash-safety tests: when `HRX_FAULT` names a point,
//! the process aborts there, as if killed. Costs one environment lookup.

/// Aborts the process if `HRX_FAULT` equals `point`.
pub fn point(point: &str) {
    if std::env::var_os("HRX_FAULT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}

/// Waits at `point` if `HRX_FAULT_PAUSE` names it (debug builds only): makes
/// `$HRX_FAULT_DIR/POINT.reached`, then waits until `POINT.go` exists, so a
/// test can act while this process stands exactly there (two syncs racing).
pub fn pause(point: &str) {
    if !cfg!(debug_assertions) || std::env::var_os("HRX_FAULT_PAUSE").is_none_or(|v| v != point) {
        return;
    }
    let Some(dir) = std::env::var_os("HRX_FAULT_DIR").map(std::path::PathBuf::from) else { return };
    let go = dir.join(format!("{point}.go"));
    if go.exists() {
        return;
    }
    let _ = std::fs::write(dir.join(format!("{point}.reached")), b"");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !go.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
