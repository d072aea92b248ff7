//! The job system: ids, records and their transitions, the store, the queue, the service that is
//! the only writer of state, the event source live channels follow, the worker that runs a job,
//! and the cleanup sweep.

pub mod cleanup;
pub mod events;
pub mod id;
pub mod model;
pub mod queue;
pub mod service;
pub mod store;
mod worker;
