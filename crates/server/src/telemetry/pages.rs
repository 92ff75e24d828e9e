//! Monitoring pages.
