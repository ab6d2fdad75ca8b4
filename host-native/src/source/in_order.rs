//! Several requests of one window at once, their results taken in request order.
//!
//! A source's answers are parsed as they stream in, so on a large window (raw points, many
//! slices) the parsing, not the network, is what takes the time. Running up to `limit`
//! requests as tasks of the runtime puts that work on every worker thread, while the caller
//! still takes the results one by one in the order of the requests: the merged analysis, its
//! counters and its messages are the same as with one request at a time.

use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::future::Future;
use tokio::task::JoinSet;

/// Runs the futures of `requests` with at most `limit` (at least 1) running at once, each as
/// its own task, and hands their results to `take` in the order of `requests`. The first error
/// in that order (of a request or of `take`) is returned, as one request at a time would have
/// returned it, and the requests still running are cancelled.
///
/// Results that finish early wait for the ones before them, so at most `limit - 1` of them are
/// held beyond what one-at-a-time would hold.
pub async fn run_in_order<T, F>(
    requests: impl IntoIterator<Item = F>,
    limit: usize,
    mut take: impl FnMut(T) -> Result<()>,
) -> Result<()>
where
    F: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let limit = limit.max(1);
    let mut requests = requests.into_iter().enumerate();
    let mut running = JoinSet::new();
    let mut done: BTreeMap<usize, Result<T>> = BTreeMap::new();
    let mut next = 0;
    loop {
        // Started requests not yet taken, finished or not: bounded by `limit`, so that a slow
        // early request does not let later results pile up.
        while running.len() + done.len() < limit {
            let Some((index, request)) = requests.next() else { break };
            running.spawn(async move { (index, request.await) });
        }
        let Some(joined) = running.join_next().await else {
            return Ok(());
        };
        // Dropping `running` on return aborts the other tasks.
        let (index, result) = joined.map_err(|e| anyhow!("a request task failed: {e}"))?;
        done.insert(index, result);
        while let Some(result) = done.remove(&next) {
            take(result?)?;
            next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Requests that finish in reverse order of their start, with a count of how many run at once.
    fn requests(
        n: usize,
        running: &Arc<AtomicUsize>,
        most: &Arc<AtomicUsize>,
    ) -> Vec<impl Future<Output = Result<usize>>> {
        (0..n)
            .map(|i| {
                let (running, most) = (running.clone(), most.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(((n - i) * 3) as u64)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(i)
                }
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn results_come_in_request_order_and_at_most_limit_run_at_once() {
        for limit in [1, 2, 3, 8] {
            let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let mut taken = Vec::new();
            run_in_order(requests(7, &running, &most), limit, |i| {
                taken.push(i);
                Ok(())
            })
            .await
            .expect("no request fails");
            assert_eq!(taken, (0..7).collect::<Vec<_>>(), "limit {limit}");
            assert!(most.load(Ordering::SeqCst) <= limit, "limit {limit}: {} at once", most.load(Ordering::SeqCst));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_than_one_request_runs_at_once_when_allowed() {
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        run_in_order(requests(4, &running, &most), 4, |_| Ok(())).await.expect("no request fails");
        // Every request sleeps before it ends, so all four started before the first ended.
        assert_eq!(most.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_first_error_in_request_order_is_returned_and_nothing_after_it_is_taken() {
        for limit in [1, 3, 5] {
            // Request 4 fails at once, request 2 later: one at a time would have met 2 first.
            let requests = (0..5u64).map(|i| async move {
                match i {
                    2 => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Err(anyhow!("request {i} failed"))
                    }
                    4 => Err(anyhow!("request {i} failed")),
                    _ => Ok(i),
                }
            });
            let mut taken = Vec::new();
            let error = run_in_order(requests, limit, |i| {
                taken.push(i);
                Ok(())
            })
            .await
            .expect_err("requests 2 and 4 fail");
            assert_eq!(error.to_string(), "request 2 failed", "limit {limit}");
            assert_eq!(taken, vec![0, 1], "limit {limit}");
        }
    }

    #[tokio::test]
    async fn an_error_of_take_stops_the_run() {
        let requests = (0..5).map(|i| async move { Ok(i) });
        let error = run_in_order(requests, 3, |i| if i == 1 { Err(anyhow!("merge of {i} failed")) } else { Ok(()) })
            .await
            .expect_err("the merge of 1 fails");
        assert_eq!(error.to_string(), "merge of 1 failed");
    }
}
