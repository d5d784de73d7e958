//! How much work runs at once: the cores this machine gives, up to eight
//! (a lifetime's record is a few tens of thousands of items; more threads
//! only add start-up and memory).

/// The number of threads to spread work over.
pub fn count() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8)
}

/// `f` of each of `items`, on [`count`] threads (consecutive items on one),
/// in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let per = items.len().div_ceil(count()).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> =
            items.chunks(per).map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<_>>())).collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}
