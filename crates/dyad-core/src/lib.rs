//! dyad's domain: the rules of the duo care pathway, free of I/O.
//!
//! Every function here is pure: time comes in as a parameter, data comes in as values.
//! The store and web layers call into this crate; it never calls out.

pub mod aftercare;
pub mod calendar;
pub mod chart;
pub mod forms;
pub mod instruments;
pub mod pathway;
pub mod policy;
pub mod protocol;
pub mod research;
pub mod retention;
pub mod screening;
pub mod time;
