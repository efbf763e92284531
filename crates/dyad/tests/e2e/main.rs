//! The end-to-end browser suite: the real `dyad` binary driven through headless Chromium
//! (Debian `chromium` + `chromium-driver`, via chromedriver and fantoccini), one browser per
//! person, an axe-core audit on every page visited and screenshots under
//! `target/screenshots/`.
//!
//! Set up once with `bash .ci/e2e-setup.sh`, then run
//! `cargo test -p dyad --test e2e -- --nocapture`. Without Chromium the suite prints a skip
//! note, except when `CI` is set: then it fails.
//!
//! It grows with the pathway: each journey is one module, walking the pages as people do.

mod a11y;
mod harness;

mod audit_selftest;
mod care;
mod keyboard;
mod language;
mod pathway;
mod public;
mod session_day;
mod setup;
mod staff;
