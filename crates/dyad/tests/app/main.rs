//! The app over HTTP against a real database: one test binary, many modules
//! (each file in `tests/` would be its own binary and its own link step).

mod aftercare;
mod aftercare_pages;
mod backup_drill;
mod cli;
mod console_pages;
mod crash;
mod foundation;
mod helpers;
mod i18n_pages;
mod identity;
mod intake;
mod intake_pages;
mod journal;
mod journal_pages;
mod limits;
mod pages_pathway;
mod pathway;
mod pathway_transitions;
mod preparation;
mod preparation_pages;
mod research;
mod research_pages;
mod retention;
mod screening;
mod screening_pages;
mod seed;
mod session;
mod wall;
