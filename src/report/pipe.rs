//! A two-stage pipeline: one thread decodes rows (NDJSON parsing, sort-run reading, queueing
//! for the external sorts) while the calling thread writes cells. The writer is single
//! threaded, so this is how the report uses a second core; a bounded channel of small batches
//! keeps memory flat.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::ReportError;

const BATCH: usize = 256;
const BATCHES_IN_FLIGHT: usize = 8;

/// The producer's end: batches items and stops accepting once the consumer is gone.
pub(crate) struct Sink<T> {
    tx: SyncSender<Vec<T>>,
    batch: Vec<T>,
    open: bool,
}

impl<T> Sink<T> {
    /// Queues one item; `false` means the consumer stopped and the producer should too.
    pub(crate) fn push(&mut self, item: T) -> bool {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.send();
        }
        self.open
    }

    fn send(&mut self) {
        if self.open && !self.batch.is_empty() {
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.open = self.tx.send(batch).is_ok();
        }
    }
}

/// Runs `produce` on a second thread and feeds its items to `consume` on this one.
///
/// A consumer error stops the producer (its sends fail); otherwise the producer's result is
/// returned, so a bad input row surfaces as its own error.
pub(crate) fn pipeline<T, R, P, C>(produce: P, mut consume: C) -> Result<R, ReportError>
where
    T: Send,
    R: Send,
    P: FnOnce(&mut Sink<T>) -> Result<R, ReportError> + Send,
    C: FnMut(T) -> Result<(), ReportError>,
{
    let (tx, rx): (SyncSender<Vec<T>>, Receiver<Vec<T>>) = sync_channel(BATCHES_IN_FLIGHT);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let mut sink = Sink {
                tx,
                batch: Vec::with_capacity(BATCH),
                open: true,
            };
            let result = produce(&mut sink);
            sink.send();
            result
        });
        let consumed = rx.iter().flatten().try_for_each(&mut consume);
        drop(rx);
        let produced = producer
            .join()
            .map_err(|_| ReportError::Internal("the row decoding thread panicked".into()))?;
        consumed?;
        produced
    })
}
