//! pathway (being written).
