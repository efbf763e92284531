//! instruments (being written).
