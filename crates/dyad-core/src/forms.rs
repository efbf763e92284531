//! forms (being written).
