//! screening (being written).
